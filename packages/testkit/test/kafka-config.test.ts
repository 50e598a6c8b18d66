import { describe, expect, it } from 'vitest';
import { newClusterId } from '../src/stack/kafka-config.ts';

describe('newClusterId', () => {
  it('gives 22-character base64url ids that kafka-storage cannot mistake for an option', () => {
    const ids = Array.from({ length: 20_000 }, newClusterId);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
