import { describe, expect, it } from 'vitest';
import { isKbusError } from '../src/index.ts';
import { readSchemaId } from '../src/internal.ts';

describe('Confluent wire format header', () => {
  it('reads the big-endian schema id after the magic byte', () => {
    expect(readSchemaId(Buffer.from([0, 0, 0, 1, 2, 42]))).toBe(258);
  });

  it.each([
    ['a wrong magic byte', Buffer.from([1, 0, 0, 0, 1]), 'BAD_MAGIC_BYTE'],
    ['JSON text', Buffer.from('{"a":1}'), 'BAD_MAGIC_BYTE'],
    ['a truncated header', Buffer.from([0, 0, 1]), 'DECODE_FAILED'],
    ['an empty value', Buffer.alloc(0), 'DECODE_FAILED'],
    ['a tombstone', null, 'DECODE_FAILED'],
  ] as const)('rejects %s with a typed, non-retriable error', (_name, bytes, code) => {
    try {
      readSchemaId(bytes);
      throw new Error('expected an error');
    } catch (error) {
      expect(isKbusError(error, code)).toBe(true);
      expect((error as { retriable: boolean }).retriable).toBe(false);
    }
  });
});
