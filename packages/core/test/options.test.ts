import { describe, expect, it } from 'vitest';
import { isKbusError, type KbusError } from '../src/index.ts';
import {
  choice,
  MAX_TIMER_MS,
  oneOf,
  parseOptions,
  strictOptions,
  timerMs,
  wholeNumber,
} from '../src/options/index.ts';

const schema = strictOptions({
  handlers: strictOptions({ timeoutMs: timerMs(1).optional() }).optional(),
  level: choice(['BACKWARD', 'FULL', 'NONE']).optional(),
  count: wholeNumber(1, 10).optional(),
  password: wholeNumber(0).optional(),
  mode: oneOf(
    [choice(['fast', 'safe']), strictOptions({ custom: wholeNumber(0) })],
    '"fast", "safe" or { custom }',
  ).optional(),
});

function refusal(input: unknown): KbusError {
  try {
    parseOptions(schema, input, 'createThing');
  } catch (error) {
    expect(isKbusError(error, 'INVALID_CONFIGURATION')).toBe(true);
    return error as KbusError;
  }
  throw new Error('accepted');
}

describe('parseOptions', () => {
  it('names the closest known key of a misspelt one, at any depth', () => {
    expect(refusal({ handler: {} }).message).toBe("createThing: unknown option 'handler'; did you mean 'handlers'?");
    expect(refusal({ handlers: { timeout: 1 } }).message).toMatch(
      /'handlers\.timeout'; did you mean 'handlers\.timeoutMs'\?/,
    );
    expect(refusal({ mode: { custon: 1 } }).message).toMatch(/'mode\.custon'; did you mean 'mode\.custom'\?/);
    expect(refusal({ zzzzzzzz: 1 }).message).toMatch(/the options here are 'handlers', 'level'/);
  });

  it('bounds timers at 2^31 - 1 ms', () => {
    expect(parseOptions(schema, { handlers: { timeoutMs: MAX_TIMER_MS } }, 'x')).toEqual({
      handlers: { timeoutMs: 2_147_483_647 },
    });
    expect(refusal({ handlers: { timeoutMs: MAX_TIMER_MS + 1 } }).message).toMatch(
      /handlers\.timeoutMs must be .* to 2147483647/,
    );
  });

  it('normalises the case of a name, and names the near one for a typo', () => {
    expect(parseOptions(schema, { level: 'backward', mode: 'SAFE' }, 'x')).toEqual({ level: 'BACKWARD', mode: 'safe' });
    expect(refusal({ level: 'backwrd' }).message).toMatch(
      /level must be one of .*did you mean "BACKWARD"\?\), not "backwrd"/,
    );
  });

  it('lists every problem in one error, with their paths in details', () => {
    const error = refusal({ count: 0.5, level: 3, extra: true });
    expect(error.message).toMatch(/^createThing: unknown option 'extra'/);
    expect(error.details.problems).toMatchObject([{ path: ['extra'] }, { path: ['level'] }, { path: ['count'] }]);
  });

  it('never echoes the value of a secret option', () => {
    expect(refusal({ password: -12345 }).message).toBe(
      'createThing: password must be a whole number from 0 to 2147483647, not a number',
    );
  });

  it('refuses anything but an object', () => {
    for (const input of [undefined, null, 7, 'x', []])
      expect(refusal(input).message).toMatch(/^createThing: pass an options object, not/);
  });
});
