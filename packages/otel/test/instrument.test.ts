import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { channels, type PublishContext } from '@kbus/core';
import { propagation, type TextMapPropagator } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { instrument } from '../src/index.ts';

const allChannels = () => Object.entries(channels).map(([name, channel]) => [name, channel.hasSubscribers] as const);

describe('instrument()', () => {
  it('listens only while enabled: after disable() no channel has a subscriber, so the SDK skips all tracing work', () => {
    expect(allChannels().filter(([, listened]) => listened)).toEqual([]);
    const instrumentation = instrument();
    expect(allChannels().filter(([, listened]) => !listened)).toEqual([
      ['publishBatch', false],
      ['commit', false],
      ['rebalance', false],
    ]);
    instrumentation.disable();
    instrumentation.disable();
    expect(allChannels().filter(([, listened]) => listened)).toEqual([]);
  });

  it('is not loaded by the SDK: a service without @kbus/otel loads no OpenTelemetry module', () => {
    const script = fileURLToPath(new URL('./support/loaded-modules.ts', import.meta.url));
    const loaded = execFileSync(process.execPath, ['--conditions=source', '--no-warnings', script], {
      encoding: 'utf8',
    });
    const modules = JSON.parse(loaded) as string[];
    expect(modules.some((m) => m.includes('/packages/subscriber/'))).toBe(true);
    expect(modules.filter((m) => m.includes('@opentelemetry'))).toEqual([]);
  });

  it('a failure inside the instrumentation never reaches the SDK or the process', async () => {
    const broken: TextMapPropagator = {
      inject() {
        throw new Error('propagator bug');
      },
      extract: (context) => context,
      fields: () => ['traceparent'],
    };
    propagation.setGlobalPropagator(broken);
    const instrumentation = instrument({ tracerProvider: new BasicTracerProvider(), meterProvider: false });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const message: PublishContext = {
        topic: 't',
        eventType: 'x.y',
        eventId: 'e-1',
        aggregateId: 'a-1',
        correlationId: 'e-1',
        carrier: {},
      };
      await expect(channels.publish.tracePromise(async () => 'sent', message)).resolves.toBe('sent');
      await new Promise((resolve) => setImmediate(resolve));
      expect(uncaught).toEqual([]);
      expect(message.carrier).toEqual({});
    } finally {
      process.off('uncaughtException', onUncaught);
      instrumentation.disable();
      propagation.disable();
    }
  });
});
