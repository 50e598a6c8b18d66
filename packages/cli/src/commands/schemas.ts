import {
  type AnyEventDefinition,
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  checkDeclaredVersions,
  checkTopicCompatibility,
  createSerde,
  type EventCompatibility,
  type SubjectNaming,
} from '@kbus/core';
import { stableStringify } from '@kbus/core/internal';
import { type CommandContext, type CommandSpec, stringFlag } from '../command.ts';
import { requireRegistry } from '../config.ts';
import { loadTopics } from '../contracts.ts';
import { EXIT, UsageError } from '../errors.ts';

const NAMINGS: readonly SubjectNaming[] = ['topic-record', 'record', 'topic'];

const schemaFlags = {
  level: {
    type: 'string',
    value: '<level>',
    description: `compatibility level: ${COMPATIBILITY_LEVELS.join(' | ')} (default BACKWARD)`,
  },
  'subject-naming': {
    type: 'string',
    value: '<name>',
    description: `subject naming: ${NAMINGS.join(' | ')} (default topic-record)`,
  },
} as const;

function options(context: CommandContext): { level: CompatibilityLevel; naming: SubjectNaming } {
  const levelText = stringFlag(context, 'level') ?? 'BACKWARD';
  const level = levelText.toUpperCase() as CompatibilityLevel;
  if (!COMPATIBILITY_LEVELS.includes(level)) {
    throw new UsageError(`unknown --level ${levelText}; use one of ${COMPATIBILITY_LEVELS.join(', ')}`);
  }
  const naming = (stringFlag(context, 'subject-naming') ?? 'topic-record') as SubjectNaming;
  if (!NAMINGS.includes(naming))
    throw new UsageError(`unknown --subject-naming ${naming}; use one of ${NAMINGS.join(', ')}`);
  return { level, naming };
}

function report(context: CommandContext, results: readonly EventCompatibility[]): boolean {
  const { out } = context;
  let ok = true;
  for (const r of results) {
    out.object({
      subject: r.subject,
      level: r.level,
      compatible: r.compatible,
      registeredVersions: r.registeredVersions,
      messages: r.messages,
    });
    if (r.compatible) {
      out.line(
        `${out.paint.green('ok')}    ${r.subject} (${r.level}; registered versions: ${r.registeredVersions.join(', ') || 'none'})`,
      );
    } else {
      ok = false;
      out.line(`${out.paint.red('FAIL')}  ${r.subject} (${r.level})`);
      for (const message of r.messages) out.line(`      ${message}`);
    }
  }
  return ok;
}

/** check (and register): exit 1 when any declared schema breaks compatibility. */
async function checkAndMaybeRegister(context: CommandContext, register: boolean): Promise<number> {
  const topics = await loadTopics(context.positionals);
  const { level, naming } = options(context);
  const serde = createSerde({ registry: requireRegistry(context.connection), subjectNaming: naming });
  let ok = true;
  for (const topic of topics) {
    ok = report(context, checkDeclaredVersions(topic, level)) && ok;
    ok = report(context, await checkTopicCompatibility(serde, topic, { level })) && ok;
  }
  if (!ok) {
    context.out.note('incompatible schema changes: see the FAIL lines');
    return EXIT.failed;
  }
  if (register) {
    for (const topic of topics) {
      for (const event of topic.events as readonly AnyEventDefinition[]) {
        const encoder = await serde.encoder(topic, event);
        context.out.object({
          registered: encoder.subject,
          schemaId: encoder.schemaId,
          topic: topic.name,
          type: event.type,
        });
        context.out.line(`registered ${encoder.subject} as schema id ${encoder.schemaId}`);
      }
    }
  }
  return EXIT.ok;
}

export const schemasCheck: CommandSpec = {
  name: 'schemas check',
  brief: 'check schema changes against the registry (exit 1 if breaking)',
  summary:
    'Compares each declared event schema with what the registry holds for its subject (and with the declared `previous` versions); exit 1 on an incompatible change, naming the field and the rule.',
  args: '<module> [module…]',
  flags: schemaFlags,
  connects: true,
  examples: [
    'kbus schemas check src/contracts.ts',
    'kbus schemas check dist/contracts.js --level FULL_TRANSITIVE --json',
  ],
  run: (context) => checkAndMaybeRegister(context, false),
};

export const schemasRegister: CommandSpec = {
  name: 'schemas register',
  brief: 'check, then register the declared schemas',
  summary:
    'Registers the declared schemas after the same check as `schemas check` (exit 1 and nothing registered if it fails).',
  args: '<module> [module…]',
  flags: schemaFlags,
  connects: true,
  examples: ['kbus schemas register src/contracts.ts --registry http://localhost:8081'],
  run: (context) => checkAndMaybeRegister(context, true),
};

export const schemasPrint: CommandSpec = {
  name: 'schemas print',
  brief: 'print the Avro envelope schemas of the declared events',
  summary: "Prints each topic's event types and their Avro envelope schemas (no registry needed).",
  args: '<module> [module…]',
  flags: {},
  connects: false,
  examples: ['kbus schemas print src/contracts.ts', 'kbus schemas print src/contracts.ts --json | jq .schema'],
  async run(context) {
    const topics = await loadTopics(context.positionals);
    for (const topic of topics) {
      for (const event of topic.events as readonly AnyEventDefinition[]) {
        context.out.object({
          topic: topic.name,
          type: event.type,
          version: event.version,
          record: event.fullName,
          schema: event.envelopeSchema,
        });
        context.out.line(`# ${topic.name} ${event.type} v${event.version} (${event.fullName})`);
        context.out.line(stableStringify(event.envelopeSchema));
      }
    }
    return EXIT.ok;
  },
};
