import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyTopicDefinition } from '@kbus/core';
import { UsageError } from './errors.ts';
import { allowTypeScriptJsImports } from './ts-imports.ts';

/**
 * Imports contracts modules (compiled `.js`, or `.ts` with `./x.js`-style relative imports)
 * and takes every exported topic (the result of defineTopic). Fails with a usage error when
 * a module does not exist or exports no topic.
 */
export async function loadTopics(modules: readonly string[]): Promise<AnyTopicDefinition[]> {
  if (modules.length === 0) throw new UsageError('missing <module>: the contracts module that exports your topics');
  allowTypeScriptJsImports();
  const topics: AnyTopicDefinition[] = [];
  const seen = new Set<string>();
  for (const module of modules) {
    const file = resolve(module);
    if (!existsSync(file)) throw new UsageError(`module ${file} does not exist`);
    const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    let found = 0;
    for (const value of Object.values(exports)) {
      if ((value as { kind?: unknown } | null)?.kind !== 'kbus.topic') continue;
      found++;
      const topic = value as AnyTopicDefinition;
      // The same topic exported under two names (or from two modules) counts once.
      if (seen.has(topic.name)) continue;
      seen.add(topic.name);
      topics.push(topic);
    }
    if (found === 0) throw new UsageError(`module ${file} exports no topic: export the result of defineTopic(...)`);
  }
  return topics;
}
