// Imported first by every kbus entry point, so that an older Node.js gets one clear message at
// import instead of a TypeError from deep inside (`Promise.withResolvers is not a function`).
import { unsupportedNode } from './supported-node.ts';

const problem = unsupportedNode(process.versions.node);
if (problem) throw new Error(problem);
