// First: an older Node.js gets one clear message before anything else loads.
import '@kbus/core/node-check';

export { type AsyncApiOptions, AVRO_SCHEMA_FORMAT, asyncApiDocument } from './asyncapi/document.ts';
export { EXIT, type ExitCode } from './errors.ts';
export { main } from './main.ts';
export { allowTypeScriptJsImports } from './ts-imports.ts';
