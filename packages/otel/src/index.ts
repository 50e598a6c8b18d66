// First: an older Node.js gets one clear message before anything else loads.
import '@kbus/core/node-check';

export { type AttributeNames, attributeNames } from './attributes.ts';
export { type Instrumentation, type InstrumentOptions, instrument } from './instrument.ts';
