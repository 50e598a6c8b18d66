#!/usr/bin/env node
import { runProcess } from './run.ts';

runProcess(process.argv.slice(2));
