#!/usr/bin/env node
/**
 * `kbus-schemas check|register|print <module…>`: the schema-evolution gate for a service's CI.
 *
 * Each module is imported and every exported topic (from defineTopic) is taken. `check`
 * compares each event's schema with what the registry holds for its subject, and with the
 * `previous` versions declared in code, and exits 1 naming the field and the rule broken.
 */
import '../node-check.ts';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from '../avro/compatibility.ts';
import { stableStringify } from '../avro/schema.ts';
import type { AnyEventDefinition } from '../contracts/event.ts';
import type { AnyTopicDefinition } from '../contracts/topic.ts';
import { isKbusError } from '../errors.ts';
import { checkDeclaredVersions, checkTopicCompatibility, type EventCompatibility } from '../serde/compatibility.ts';
import { createSerde, type SubjectNaming } from '../serde/serde.ts';

const usage = `usage: kbus-schemas <check|register|print> <module> [module…] [options]

  check      compare the declared schemas with the registry (and with declared previous versions);
             exit 1 on an incompatible change, naming the field and the rule
  register   register the declared schemas (after the same check)
  print      print each topic's subjects and Avro schemas

options:
  --registry <url>          schema registry (default: $SCHEMA_REGISTRY_URL)
  --level <level>           ${COMPATIBILITY_LEVELS.join(' | ')} (default BACKWARD)
  --subject-naming <name>   topic-record (default) | record | topic
`;

async function loadTopics(modules: string[]): Promise<AnyTopicDefinition[]> {
  const topics: AnyTopicDefinition[] = [];
  for (const module of modules) {
    const exports = (await import(pathToFileURL(resolve(module)).href)) as Record<string, unknown>;
    for (const value of Object.values(exports)) {
      if ((value as { kind?: unknown })?.kind === 'kbus.topic') topics.push(value as AnyTopicDefinition);
    }
  }
  return topics;
}

function report(results: readonly EventCompatibility[], out: (line: string) => void): boolean {
  let ok = true;
  for (const r of results) {
    if (r.compatible) {
      out(`ok    ${r.subject} (${r.level}; registered versions: ${r.registeredVersions.join(', ') || 'none'})`);
    } else {
      ok = false;
      out(`FAIL  ${r.subject} (${r.level})`);
      for (const message of r.messages) out(`      ${message}`);
    }
  }
  return ok;
}

export async function main(argv: string[], out = (line: string) => process.stdout.write(`${line}\n`)): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      registry: { type: 'string' },
      level: { type: 'string' },
      'subject-naming': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...modules] = positionals;
  if (values.help || !command || modules.length === 0 || !['check', 'register', 'print'].includes(command)) {
    out(usage);
    return values.help ? 0 : 2;
  }
  const level = (values.level ?? 'BACKWARD').toUpperCase() as CompatibilityLevel;
  if (!COMPATIBILITY_LEVELS.includes(level)) {
    out(`unknown --level ${values.level}; use one of ${COMPATIBILITY_LEVELS.join(', ')}`);
    return 2;
  }
  const topics = await loadTopics(modules);
  if (topics.length === 0) {
    out(`no topics exported by ${modules.join(', ')}: export the result of defineTopic(...)`);
    return 2;
  }
  if (command === 'print') {
    for (const topic of topics) {
      for (const event of topic.events as readonly AnyEventDefinition[]) {
        out(`# ${topic.name} ${event.type} v${event.version} (${event.fullName})`);
        out(stableStringify(event.envelopeSchema));
      }
    }
    return 0;
  }
  const url = values.registry ?? process.env.SCHEMA_REGISTRY_URL;
  if (!url) {
    out('no schema registry: pass --registry <url> or set SCHEMA_REGISTRY_URL');
    return 2;
  }
  const naming = (values['subject-naming'] ?? 'topic-record') as SubjectNaming;
  const serde = createSerde({ registry: { url }, subjectNaming: naming });
  let ok = true;
  for (const topic of topics) {
    ok = report(checkDeclaredVersions(topic, level), out) && ok;
    ok = report(await checkTopicCompatibility(serde, topic, { level }), out) && ok;
  }
  if (!ok) {
    out('incompatible schema changes: see FAIL lines above');
    return 1;
  }
  if (command === 'register') {
    for (const topic of topics) {
      for (const event of topic.events as readonly AnyEventDefinition[]) {
        const encoder = await serde.encoder(topic, event);
        out(`registered ${encoder.subject} as schema id ${encoder.schemaId}`);
      }
    }
  }
  return 0;
}

// Run when executed (directly or through an npm bin link), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `kbus-schemas: ${isKbusError(error) ? `${error.code}: ${error.message}` : String((error as Error)?.stack ?? error)}\n`,
      );
      process.exitCode = 2;
    },
  );
}
