import { type AnyEventDefinition, defineEvent, defineTopic, isKbusError } from '@kbus/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { dispatch } from '../src/middleware/dispatch.ts';
import { resolveRetryPolicy, retry } from '../src/middleware/retry.ts';
import { timeout } from '../src/middleware/timeout.ts';
import type { Handler, MessageHandler } from '../src/types.ts';
import { inboundMessage } from './support/inbound.ts';

const Pinged = defineEvent({
  type: 'ping.sent',
  version: 1,
  namespace: 'com.acme.thenables',
  schema: z.object({ id: z.string() }),
  aggregateId: (p) => p.id,
});
const topic = defineTopic({ name: 'thenables', events: [Pinged] });

const message = () => inboundMessage(topic, Pinged as AnyEventDefinition, { id: '1' });

/** The chain as the subscriber builds it around a handler, without Kafka. */
function chainFor(handler: Handler<AnyEventDefinition>): MessageHandler {
  const policy = resolveRetryPolicy({ attempts: 1 });
  return retry(policy)(timeout(60_000)(dispatch({ 'ping.sent': handler }, 'skip')));
}

/** A thenable that is not a promise, whose then() returns undefined and settles when told to. */
function lazyThenable() {
  let settle: { resolve: (v?: unknown) => void; reject: (e: unknown) => void } | undefined;
  const called = Promise.withResolvers<void>();
  const thenable = {
    // biome-ignore lint/suspicious/noThenProperty: a thenable is the point of the test
    then(resolve: (v?: unknown) => void, reject: (e: unknown) => void): undefined {
      settle = { resolve, reject };
      called.resolve();
      return undefined;
    },
  };
  return {
    thenable,
    called: called.promise,
    resolve: () => settle?.resolve(),
    reject: (error: unknown) => settle?.reject(error),
  };
}

async function state(promise: unknown): Promise<'pending' | 'resolved' | 'rejected'> {
  if (!(promise instanceof Promise)) return 'resolved';
  const marker = Symbol('pending');
  // Settled promises win the race within a few microtask turns.
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return Promise.race([
    promise.then(
      () => 'resolved' as const,
      () => 'rejected' as const,
    ),
    Promise.resolve(marker),
  ]).then((v) => (v === marker ? 'pending' : (v as 'resolved' | 'rejected')));
}

describe('handler results are normalised once, Promise.resolve-style', () => {
  it('a thenable whose then() returns undefined keeps the record unfinished until it resolves', async () => {
    for (const build of [
      (t: ReturnType<typeof lazyThenable>) => () => t.thenable,
      (t: ReturnType<typeof lazyThenable>) => async () => t.thenable,
      (t: ReturnType<typeof lazyThenable>) => () => Promise.resolve(t.thenable),
    ]) {
      const t = lazyThenable();
      const result = chainFor(build(t) as never)(message());
      expect(result).toBeInstanceOf(Promise);
      await t.called;
      expect(await state(result)).toBe('pending');
      t.resolve();
      await expect(result).resolves.toBeUndefined();
    }
  });

  it('a late rejection (from a timer) fails the record as HANDLER_FAILED, never as an uncaught exception', async () => {
    for (const thrown of [new Error('late'), 'a string', undefined, Object.create(null)]) {
      const t = lazyThenable();
      const result = chainFor((() => t.thenable) as never)(message());
      await t.called;
      setTimeout(() => t.reject(thrown), 5);
      const error = await (result as Promise<void>).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKbusError(error, 'HANDLER_FAILED'), String(error)).toBe(true);
      expect((error as { cause?: unknown }).cause).toBe(thrown);
    }
  });

  it('a then() that throws, or a then getter that throws, is a handler failure', async () => {
    const throwing = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable is the point of the test
      then() {
        throw new Error('then exploded');
      },
    };
    const getter = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('getter exploded');
      },
    });
    for (const value of [throwing, getter]) {
      const result = chainFor((() => value) as never)(message());
      const error = await Promise.resolve(result).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKbusError(error, 'HANDLER_FAILED'), String(error)).toBe(true);
    }
  });

  it('records what was thrown, whatever it is (a null-prototype object is not a TypeError of the SDK)', async () => {
    const nullProto = Object.assign(Object.create(null), { code: 'E_DB', detail: 'down' });
    for (const thrown of [nullProto, 42, null, Symbol('s'), { message: 'plain object' }]) {
      const result = chainFor(() => {
        throw thrown;
      })(message());
      const error = await Promise.resolve(result).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKbusError(error, 'HANDLER_FAILED'), String(error)).toBe(true);
      expect((error as { cause?: unknown }).cause).toBe(thrown);
      expect((error as Error).message).not.toContain('Cannot convert');
    }
    const nullProtoError = await Promise.resolve(
      chainFor(() => {
        throw nullProto;
      })(message()),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((nullProtoError as Error).message).toContain('E_DB');
  });
});
