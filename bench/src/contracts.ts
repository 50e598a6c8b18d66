/**
 * The event every benchmark uses: a user account was created (uuid, email, display name,
 * int revision, a date), the typical small domain event of the examples.
 */
import { randomUUID } from 'node:crypto';
import { defineEvent, defineTopic, type PayloadInput } from '@kbus/core';
import { testStack, uniqueName } from '@kbus/testkit';
import * as z from 'zod';
import { intEnv } from './common.ts';

export const BenchAccountCreated = defineEvent({
  type: 'bench.user-account.created',
  version: 1,
  namespace: 'com.example.bench',
  description: 'A user account was registered',
  schema: z.object({
    accountId: z.uuid(),
    email: z.email(),
    displayName: z.string().min(1),
    revision: z.int().positive(),
    createdAt: z.date(),
  }),
  aggregateId: (p) => p.accountId,
});

export type BenchPayload = PayloadInput<typeof BenchAccountCreated>;

/** Distinct aggregates (record keys) the payloads spread over: BENCH_KEYS (default 1,000). */
export const KEYS = intEnv('BENCH_KEYS', 1_000);
/** Partitions of every benchmark topic. */
export const PARTITIONS = 6;

/** A topic of the benchmark's own, uniquely named, carrying the bench event. */
export function benchTopic(prefix: string, partitions = PARTITIONS) {
  return defineTopic({ name: uniqueName(`bench-${prefix}`), events: [BenchAccountCreated], partitions });
}

export type BenchTopic = ReturnType<typeof benchTopic>;

/** BENCH_DISPLAY_NAME_BYTES pads the display name to make bigger records (default 24). */
const displayNameBytes = intEnv('BENCH_DISPLAY_NAME_BYTES', 24);

/** `count` payloads over `keys` distinct accounts (the record key is the account id). */
export function payloads(count: number, keys: number): BenchPayload[] {
  const accounts = Array.from({ length: Math.max(1, keys) }, () => randomUUID());
  const base = new Date('2026-01-15T10:00:00.000Z').getTime();
  return Array.from({ length: count }, (_, i) => {
    const accountId = accounts[i % accounts.length] as string;
    return {
      accountId,
      email: `user.${i}@example.com`,
      displayName: `User ${i} `.padEnd(displayNameBytes, 'x'),
      revision: Math.floor(i / accounts.length) + 1,
      createdAt: new Date(base + i),
    };
  });
}

export function connection() {
  const stack = testStack();
  return { brokers: stack.brokers, registryUrl: stack.registryUrl };
}
