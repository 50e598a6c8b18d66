/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), the hash of the Java
 * client's default partitioner, in 32-bit integer arithmetic. Golden vectors produced by
 * kafka-clients itself prove it equal (packages/publisher/test/golden).
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The tail: 1 to 3 bytes, as Java's fall-through switch.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= (data[blocks + 2] as number) << 16;
    if (tail >= 2) h ^= (data[blocks + 1] as number) << 8;
    h ^= data[blocks] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition the Java client's default partitioner picks for a key:
 * `toPositive(murmur2(utf8(key))) % partitions`.
 */
export function partitionForKey(key: Uint8Array | string, partitionCount: number): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return (murmur2(bytes) & 0x7fffffff) % partitionCount;
}
