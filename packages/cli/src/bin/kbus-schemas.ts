#!/usr/bin/env node
// The former `kbus-schemas` command of @kbus/core: `kbus-schemas check m.ts` is `kbus schemas check m.ts`.
import { runProcess } from './run.ts';

runProcess(['schemas', ...process.argv.slice(2)]);
