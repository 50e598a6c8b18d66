/**
 * Avro encoding into a caller's buffer with one reused tap and a faster string writer.
 *
 * avsc's `Type#encode` makes a new tap per call and measures every string with
 * `Buffer.byteLength` before writing it; envelopes are mostly short ASCII strings (ids,
 * types, names), for which the length is the string's length. The tap below takes that
 * path and leaves every other string to avsc, so the bytes are exactly avsc's (tested
 * against `toBuffer`). If avsc's internals ever move, `Type#encode` is used as before.
 */
import { createRequire } from 'node:module';
import type avro from 'avsc';

interface Tap {
  buf: Buffer;
  pos: number;
  writeLong(n: number): void;
  writeString(s: string): void;
}
type TapClass = new (buf: Buffer, pos: number) => Tap;
type Writable = avro.Type & { _write?: (tap: Tap, value: unknown) => void };

/** Longest string measured in JavaScript; avsc itself switches to native writes past 64. */
const SHORT = 64;

function loadTap(): Tap | undefined {
  try {
    const { Tap: AvscTap } = createRequire(import.meta.url)('avsc/lib/utils.js') as { Tap?: TapClass };
    if (typeof AvscTap !== 'function' || typeof AvscTap.prototype.writeString !== 'function') return undefined;
    class AsciiTap extends AvscTap {
      override writeString(s: string): void {
        const length = s.length;
        if (length <= SHORT) {
          let i = 0;
          while (i < length && s.charCodeAt(i) < 0x80) i++;
          if (i === length) {
            this.writeLong(length);
            const buf = this.buf;
            let pos = this.pos;
            this.pos += length;
            // Past the end: the caller sees the tap overflowed and retries with room.
            if (this.pos > buf.length) return;
            for (i = 0; i < length; i++) buf[pos++] = s.charCodeAt(i);
            return;
          }
        }
        super.writeString(s);
      }
    }
    return new AsciiTap(Buffer.alloc(0), 0);
  } catch {
    return undefined;
  }
}

const tap = loadTap();

/**
 * Writes `value` as `type` into `buf` from `pos`. Returns the end position, or, when `buf`
 * is too small, a negative number: how many bytes were missing (as avsc's `Type#encode`).
 */
export function encodeInto(type: avro.Type, value: unknown, buf: Buffer, pos: number): number {
  const write = (type as Writable)._write;
  if (!tap || typeof write !== 'function') return type.encode(value, buf, pos);
  tap.buf = buf;
  tap.pos = pos;
  try {
    write.call(type, tap, value);
  } finally {
    // Do not keep the caller's buffer reachable from the shared tap.
    tap.buf = EMPTY;
  }
  return tap.pos <= buf.length ? tap.pos : buf.length - tap.pos;
}

const EMPTY = Buffer.alloc(0);

/** True when the fast tap is in use (false: avsc's own encode). */
export const fastTap = tap !== undefined;
