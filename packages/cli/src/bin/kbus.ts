#!/usr/bin/env node
// First: an older Node.js gets one clear message before anything else loads.
import '@kbus/core/node-check';
import { runProcess } from './run.ts';

runProcess(process.argv.slice(2));
