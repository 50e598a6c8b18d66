import { describe, expect, it } from 'vitest';
import { parseWhere } from '../src/commands/dlt.ts';
import { resolveConnection } from '../src/config.ts';
import { UsageError } from '../src/errors.ts';
import { parseStart } from '../src/read.ts';

describe('parseStart (--from, --to)', () => {
  it('reads earliest, latest, ISO times and partition:offset', () => {
    expect(parseStart('earliest')).toEqual({ kind: 'earliest' });
    expect(parseStart('latest')).toEqual({ kind: 'latest' });
    expect(parseStart('2026-12-01T10:00:00Z')).toEqual({ kind: 'time', timestamp: Date.UTC(2026, 11, 1, 10) });
    expect(parseStart('3:120')).toEqual({ kind: 'offset', partition: 3, offset: 120n });
  });

  it.each(['yesterday', '1', '3:', '-1:5', '2026-13-45'])('refuses %j with a usage error', (text) => {
    expect(() => parseStart(text)).toThrow(UsageError);
  });
});

describe('parseWhere (--where)', () => {
  const info = { errorCode: 'HANDLER_FAILED', originalTopic: 'orders' } as Parameters<ReturnType<typeof parseWhere>>[1];
  const record = { key: Buffer.from('k1'), headers: { ce_type: Buffer.from('order.placed') } };

  it('selects by code, type, key and original topic; all conditions must hold', () => {
    expect(parseWhere([])(record, info)).toBe(true);
    expect(parseWhere(['code=HANDLER_FAILED', 'key=k1', 'type=order.placed', 'topic=orders'])(record, info)).toBe(true);
    expect(parseWhere(['code=HANDLER_FAILED', 'key=k2'])(record, info)).toBe(false);
    expect(parseWhere(['type=order.cancelled'])(record, info)).toBe(false);
  });

  it('refuses unknown keys', () => {
    expect(() => parseWhere(['colour=red'])).toThrow(/use code=…, type=…, key=…, topic=…/);
    expect(() => parseWhere(['code'])).toThrow(UsageError);
  });
});

describe('resolveConnection', () => {
  const noFile = { config: undefined };

  it('prefers flags over the environment', () => {
    const env = { KAFKA_BROKERS: 'env:9092', SCHEMA_REGISTRY_URL: 'http://env', KBUS_CONFIG: undefined };
    expect(resolveConnection({ ...noFile, brokers: 'a:1, b:2' }, env)).toMatchObject({
      brokers: ['a:1', 'b:2'],
      registryUrl: 'http://env',
    });
    expect(resolveConnection({ ...noFile, registry: 'http://flag' }, env)).toMatchObject({
      brokers: ['env:9092'],
      registryUrl: 'http://flag',
    });
  });

  it('refuses a config file that is named but missing', () => {
    expect(() => resolveConnection({ config: '/nonexistent/kbus.json' }, {})).toThrow(/does not exist/);
  });
});
