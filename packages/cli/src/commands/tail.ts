import { headerString, RegistryClient } from '@kbus/core/internal';
import type { ConsumedRecord } from '@kbus/transport';
import { type CommandContext, type CommandSpec, expectArgs, positiveIntFlag, stringFlag } from '../command.ts';
import { requireRegistry } from '../config.ts';
import { type DecodedValue, previewBytes, typeOf, ValueDecoder } from '../decode.ts';
import { EXIT } from '../errors.ts';
import { kafkaFor } from '../kafka.ts';
import { toJson } from '../output.ts';
import { parseStart, readRecords, startOffsets } from '../read.ts';

/** One record as `tail --json` prints it. */
export function recordObject(topic: string, partition: number, record: ConsumedRecord, decoded: DecodedValue) {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(record.headers)) {
    const value = headerString(record.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const base = {
    topic,
    partition,
    offset: record.offset,
    timestamp: new Date(Number(record.timestamp)).toISOString(),
    key: record.key === null ? null : record.key.toString('utf8'),
    type: typeOf(decoded, record.headers) ?? null,
  };
  if (decoded.kind === 'undecodable') {
    return {
      ...base,
      payload: null,
      error: { code: decoded.code, message: decoded.reason },
      value: decoded.bytes === null ? null : decoded.bytes.toString('base64'),
      headers,
    };
  }
  return {
    ...base,
    ...(decoded.kind === 'envelope'
      ? {
          id: decoded.envelope.id ?? null,
          version: decoded.envelope.version ?? null,
          aggregateId: decoded.envelope.aggregateId ?? null,
          correlationId: decoded.envelope.correlationId ?? null,
          causationId: decoded.envelope.causationId ?? null,
          occurredAt: decoded.envelope.occurredAt ?? null,
        }
      : {}),
    kind: decoded.kind,
    schemaId: decoded.schemaId,
    record: decoded.record ?? null,
    payload: decoded.payload,
    headers,
  };
}

/** A record as one line for people. */
function recordLine(context: CommandContext, object: ReturnType<typeof recordObject>, decoded: DecodedValue): string {
  const { paint } = context.out;
  const where = paint.cyan(`${object.partition}/${object.offset}`);
  const key = object.key === null ? paint.dim('(no key)') : object.key;
  if (decoded.kind === 'undecodable') {
    return `${where} ${paint.dim(object.timestamp)} ${key} ${paint.red(`UNDECODABLE ${decoded.code}`)}: ${decoded.reason}\n    value ${previewBytes(decoded.bytes)}`;
  }
  const ids =
    'id' in object && object.id
      ? paint.dim(
          ` id=${String(object.id)}` +
            (object.correlationId && object.correlationId !== object.id
              ? ` correlation=${String(object.correlationId)}`
              : '') +
            (object.causationId ? ` causation=${String(object.causationId)}` : ''),
        )
      : '';
  const kind = decoded.kind === 'avro' ? paint.yellow(' (not an envelope)') : '';
  return `${where} ${paint.dim(object.timestamp)} ${key} ${paint.bold(object.type ?? '?')}${kind}${ids}\n    ${toJson(object.payload)}`;
}

export const tail: CommandSpec = {
  name: 'tail',
  brief: 'read a topic, decoding envelopes and any wire-format Avro',
  summary:
    'Prints the records of a topic decoded through the schema registry: kbus envelopes and any other Confluent wire-format Avro record. Undecodable records are shown with the reason, never skipped. Nothing is committed.',
  args: '<topic>',
  details:
    'Without --follow it reads up to the end each partition had when it started, then exits.\n' +
    '--json lines hold topic, partition, offset, timestamp, key, type and payload (plus id, schemaId, headers;\n' +
    'undecodable records: error {code, message} and value as base64).',
  flags: {
    from: {
      type: 'string',
      value: '<where>',
      description: 'earliest (default) | latest | an ISO time | <partition>:<offset> (that partition only)',
    },
    follow: { type: 'boolean', short: 'f', description: 'keep printing new records until interrupted (Ctrl-C)' },
    type: { type: 'string', value: '<type>', description: 'only records of this event type (or Avro record name)' },
    key: { type: 'string', value: '<key>', description: 'only records with this key' },
    max: { type: 'string', value: '<n>', description: 'stop after printing n records' },
    timeout: {
      type: 'string',
      value: '<ms>',
      description: 'bound of reading to the end without --follow (default 60000)',
    },
  },
  connects: true,
  examples: [
    'kbus tail auth.user-account --max 10',
    'kbus tail auth.user-account --from 2026-12-01T10:00:00Z --type user-account.created --json',
    'kbus tail auth.user-account --from 3:120 --follow',
  ],
  async run(context) {
    const [topic] = expectArgs(context, ['<topic>']) as [string];
    const from = parseStart(stringFlag(context, 'from') ?? 'earliest');
    const follow = context.values.follow === true;
    const max = positiveIntFlag(context, 'max');
    const timeoutMs = positiveIntFlag(context, 'timeout') ?? 60_000;
    const wantedType = stringFlag(context, 'type');
    const wantedKey = stringFlag(context, 'key');
    const decoder = new ValueDecoder(new RegistryClient(requireRegistry(context.connection)));
    const kafka = kafkaFor(context);
    const { start, end } = await startOffsets(kafka, topic, from);
    let shown = 0;
    await readRecords(kafka, {
      topic,
      start,
      end: follow ? undefined : end,
      signal: context.signal,
      timeoutMs,
      onReady: follow ? () => context.out.note(`following ${topic} (Ctrl-C to stop)`) : undefined,
      async onRecord(partition, record) {
        if (wantedKey !== undefined && record.key?.toString('utf8') !== wantedKey) return true;
        const decoded = await decoder.decode(record.value);
        if (
          wantedType !== undefined &&
          typeOf(decoded, record.headers) !== wantedType &&
          (decoded.kind === 'undecodable' || decoded.record !== wantedType)
        ) {
          return true;
        }
        const object = recordObject(topic, partition, record, decoded);
        context.out.object(object);
        context.out.line(recordLine(context, object, decoded));
        shown++;
        return max === undefined || shown < max;
      },
    });
    if (!context.out.json) context.out.note(`${shown} record(s)`);
    return EXIT.ok;
  },
};
