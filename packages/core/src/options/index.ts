/**
 * `@kbus/core/options`: the building blocks every kbus entry point declares its options
 * with, and `parseOptions`, which checks them at creation. Used by the kbus packages; not
 * part of the event-contract API.
 */
export {
  anyString,
  booleanOption,
  callback,
  choice,
  listOf,
  MAX_TIMER_MS,
  nonEmptyString,
  numberBetween,
  off,
  oneOf,
  recognised,
  strictOptions,
  timerMs,
  wholeNumber,
} from './fields.ts';
export { type OptionProblem, parseOptions } from './parse.ts';
export {
  pemOption,
  registryOption,
  registryOptionsSchema,
  subjectNamingOption,
  tlsSettingsSchema,
} from './registry.ts';
export { type InvalidOption, invalidOptions, unrefusedOptions, withOption } from './samples.ts';
