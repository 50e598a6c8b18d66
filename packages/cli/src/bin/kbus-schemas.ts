#!/usr/bin/env node
// The former `kbus-schemas` command of @kbus/core: `kbus-schemas check m.ts` is `kbus schemas check m.ts`.
// First: an older Node.js gets one clear message before anything else loads.
import '@kbus/core/node-check';
import { runProcess } from './run.ts';

runProcess(['schemas', ...process.argv.slice(2)]);
