import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { type AsyncApiOptions, asyncApiDocument } from '../asyncapi/document.ts';
import { type CommandSpec, stringFlag } from '../command.ts';
import { loadTopics } from '../contracts.ts';
import { EXIT, UsageError } from '../errors.ts';

/** The document as text, in the format asked for. */
function renderDocument(document: unknown, format: 'yaml' | 'json'): string {
  return format === 'json'
    ? `${JSON.stringify(document, null, 2)}\n`
    : stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

export const asyncapi: CommandSpec = {
  name: 'asyncapi',
  brief: 'write an AsyncAPI 3.0 catalogue of the topics',
  summary:
    "Writes an AsyncAPI 3.0 document of the module's topics: channels with their Kafka bindings, one message per event type with its Avro envelope schema, the key and schema-id encoding, the envelope headers, and the dead-letter channels.",
  args: '<module> [module…]',
  flags: {
    output: { type: 'string', short: 'o', value: '<file>', description: 'write to this file (default: stdout)' },
    format: { type: 'string', value: '<yaml|json>', description: 'yaml (default, or from the -o extension) | json' },
    title: { type: 'string', value: '<text>', description: 'info.title (default "Event catalogue")' },
    version: { type: 'string', value: '<version>', description: 'info.version (default 0.0.0)' },
    description: { type: 'string', value: '<text>', description: 'info.description' },
    'subject-naming': { type: 'string', value: '<name>', description: 'topic-record (default) | record | topic' },
  },
  connects: false,
  examples: [
    'kbus asyncapi src/contracts.ts -o docs/asyncapi.yaml --title "Auth events" --version 2.1.0',
    'kbus asyncapi src/contracts.ts --format json',
  ],
  async run(context) {
    const topics = await loadTopics(context.positionals);
    const output = stringFlag(context, 'output');
    const format = stringFlag(context, 'format') ?? (output?.endsWith('.json') ? 'json' : 'yaml');
    if (format !== 'yaml' && format !== 'json') throw new UsageError(`--format must be yaml or json, not ${format}`);
    const naming = stringFlag(context, 'subject-naming') ?? 'topic-record';
    if (naming !== 'topic-record' && naming !== 'record' && naming !== 'topic') {
      throw new UsageError(`--subject-naming must be topic-record, record or topic, not ${naming}`);
    }
    const options: AsyncApiOptions = {
      subjectNaming: naming,
      ...(stringFlag(context, 'title') === undefined ? {} : { title: stringFlag(context, 'title') as string }),
      ...(stringFlag(context, 'version') === undefined ? {} : { version: stringFlag(context, 'version') as string }),
      ...(stringFlag(context, 'description') === undefined
        ? {}
        : { description: stringFlag(context, 'description') as string }),
    };
    const text = renderDocument(asyncApiDocument(topics, options), format);
    if (output) {
      writeFileSync(resolve(output), text);
      context.out.note(`wrote ${resolve(output)} (${topics.length} topic(s))`);
    } else {
      process.stdout.write(text);
    }
    return EXIT.ok;
  },
};
