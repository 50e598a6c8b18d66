export { type AttributeNames, attributeNames } from './attributes.ts';
export { type Instrumentation, type InstrumentOptions, instrument } from './instrument.ts';
