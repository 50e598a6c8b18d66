import { describe, expect, it } from 'vitest';
import { describeThrown, KbusError, redact, redactValue, registerSecret } from '../src/index.ts';

describe('the redaction rule', () => {
  it.each([
    ['http://user:pa55word@registry:8081/apis', 'pa55word'],
    ['https://only-token@host/x', 'only-token'],
    ['see postgres://relay:p%40ss@db:5432/ledger now', 'p%40ss'],
    ['password=hunter22 user=x', 'hunter22'],
    ['{"password":"hunter22","user":"x"}', 'hunter22'],
    ['sasl.password: hunter22', 'hunter22'],
    ['token: abc.def.ghi', 'abc.def.ghi'],
    ['Authorization: Basic dXNlcjpzZWNyZXQ=', 'dXNlcjpzZWNyZXQ='],
    ['authorization=Bearer eyJhbGciOi.J9x', 'eyJhbGciOi.J9x'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34\n-----END RSA PRIVATE KEY-----', 'MIIBOgIBAAJBAKj34'],
  ])('masks %j', (text, secret) => {
    expect(redact(text)).not.toContain(secret);
  });

  it('masks registered secrets wherever they appear, and leaves other text alone', () => {
    registerSecret('configured-Secret-1');
    expect(redact('failed with configured-Secret-1 in it')).toBe('failed with *** in it');
    expect(redact('http://registry:8081/apis/ccompat/v7 answered 500')).toBe(
      'http://registry:8081/apis/ccompat/v7 answered 500',
    );
  });

  it('applies to KbusError messages, stacks, details and causes', () => {
    registerSecret('in-the-cause-77');
    const cause = new Error('connect to http://u:in-the-cause-77@h failed');
    const error = new KbusError('KAFKA_ERROR', 'while using http://u:visible-in-url@host', {
      cause,
      details: { url: 'http://u:visible-in-url@host', nested: { password: 'plain' } },
    });
    const text = `${error.message}\n${error.stack}\n${JSON.stringify(error.details)}\n${cause.message}\n${cause.stack}`;
    for (const secret of ['visible-in-url', 'in-the-cause-77', 'plain']) expect(text).not.toContain(secret);
  });

  it('describes anything thrown, redacted', () => {
    expect(describeThrown(Object.assign(Object.create(null), { a: 1 }))).toBe('{"a":1}');
    expect(describeThrown(undefined)).toBe('undefined');
    expect(describeThrown('token=abc123')).not.toContain('abc123');
    expect(describeThrown({ message: 'password=zz9' })).not.toContain('zz9');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(typeof describeThrown(circular)).toBe('string');
    expect(redactValue({ password: 'x', list: ['token=y'] })).toEqual({ password: '***', list: ['token=***'] });
  });
});
