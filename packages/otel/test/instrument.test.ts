import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { channels } from '@kbus/core';
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
});
