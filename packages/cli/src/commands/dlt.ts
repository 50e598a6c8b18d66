import { EVENT_HEADERS } from '@kbus/core';
import { headerString, RegistryClient } from '@kbus/core/internal';
import { type DeadLetterInfo, readDeadLetter, redrive } from '@kbus/subscriber';
import type { ConsumedRecord } from '@kbus/transport';
import {
  type CommandContext,
  type CommandSpec,
  expectArgs,
  listFlag,
  positiveIntFlag,
  stringFlag,
} from '../command.ts';
import { registryOptions } from '../config.ts';
import { ValueDecoder } from '../decode.ts';
import { EXIT, UsageError } from '../errors.ts';
import { kafkaFor } from '../kafka.ts';
import { readRecords } from '../read.ts';
import { recordObject } from './tail.ts';

const WHERE_KEYS = ['code', 'type', 'key', 'topic'] as const;
type WhereKey = (typeof WHERE_KEYS)[number];

/** A record selection from `--where k=v` flags (all must hold). */
export type Selection = (record: Pick<ConsumedRecord, 'key' | 'headers'>, info: DeadLetterInfo) => boolean;

export function parseWhere(conditions: readonly string[]): Selection {
  const tests = conditions.map((condition) => {
    const match = /^([a-z]+)=(.*)$/.exec(condition);
    const key = match?.[1] as WhereKey | undefined;
    if (!match || !key || !WHERE_KEYS.includes(key)) {
      throw new UsageError(
        `--where ${JSON.stringify(condition)}: use ${WHERE_KEYS.map((k) => `${k}=…`).join(', ')} (e.g. code=HANDLER_FAILED)`,
      );
    }
    const wanted = match[2] as string;
    return (record: Pick<ConsumedRecord, 'key' | 'headers'>, info: DeadLetterInfo): boolean => {
      switch (key) {
        case 'code':
          return info.errorCode === wanted;
        case 'type':
          return headerString(record.headers, EVENT_HEADERS.type) === wanted;
        case 'key':
          return (record.key?.toString('utf8') ?? '') === wanted;
        case 'topic':
          return info.originalTopic === wanted;
      }
    };
  });
  return (record, info) => tests.every((test) => test(record, info));
}

const whereFlag = {
  where: {
    type: 'string',
    multiple: true,
    value: '<k=v>',
    description:
      'select records: code=<error code>, type=<ce_type header>, key=<key>, topic=<original topic> (repeatable: all must hold)',
  },
} as const;

interface DltRecord {
  readonly partition: number;
  readonly record: ConsumedRecord;
  readonly info: DeadLetterInfo;
}

/** Reads a dead-letter topic from `start` (default: the beginning) to its end now. */
async function readDeadLetters(
  context: CommandContext,
  topic: string,
  select: Selection,
  each: (entry: DltRecord) => Promise<boolean> | boolean,
  start?: ReadonlyMap<number, bigint>,
): Promise<void> {
  const kafka = kafkaFor(context);
  const admin = kafka.admin();
  await admin.connect();
  let marks: Awaited<ReturnType<typeof admin.watermarks>>;
  try {
    await admin.topics([topic]);
    marks = await admin.watermarks(topic);
  } finally {
    await admin.disconnect();
  }
  const from = new Map(marks.map((m) => [m.partition, start?.get(m.partition) ?? BigInt(m.low)] as const));
  const end = new Map(marks.map((m) => [m.partition, BigInt(m.high)] as const));
  const total = [...end].reduce(
    (n, [p, high]) => n + (high > (from.get(p) ?? high) ? high - (from.get(p) ?? high) : 0n),
    0n,
  );
  let read = 0;
  try {
    await readRecords(kafka, {
      topic,
      start: from,
      end,
      signal: context.signal,
      timeoutMs: positiveIntFlag(context, 'timeout') ?? 60_000,
      onRecord(partition, record) {
        context.out.progress(`reading ${topic}: ${++read} of at most ${total}`);
        const info = readDeadLetter(record);
        return select(record, info) ? each({ partition, record, info }) : true;
      },
    });
  } finally {
    context.out.progressDone();
  }
}

const timeoutFlag = {
  timeout: { type: 'string', value: '<ms>', description: 'bound of reading the topic (default 60000)' },
} as const;

export const dltLs: CommandSpec = {
  name: 'dlt ls',
  brief: 'count dead letters by error code and original topic',
  summary: 'Counts the records of a dead-letter topic by error code and original topic.',
  args: '<dlt-topic>',
  flags: { ...whereFlag, ...timeoutFlag },
  connects: true,
  examples: [
    'kbus dlt ls auth.user-account.dlt',
    'kbus dlt ls auth.user-account.dlt --where topic=auth.user-account --json',
  ],
  async run(context) {
    const [topic] = expectArgs(context, ['<dlt-topic>']) as [string];
    const counts = new Map<string, { errorCode: string; originalTopic: string; count: number }>();
    await readDeadLetters(context, topic, parseWhere(listFlag(context, 'where')), ({ info }) => {
      const errorCode = info.errorCode ?? '(none)';
      const originalTopic = info.originalTopic ?? '(none)';
      const key = `${errorCode}\u0000${originalTopic}`;
      const entry = counts.get(key) ?? { errorCode, originalTopic, count: 0 };
      entry.count++;
      counts.set(key, entry);
      return true;
    });
    const rows = [...counts.values()].sort((a, b) => b.count - a.count || a.errorCode.localeCompare(b.errorCode));
    for (const row of rows) context.out.object({ topic, ...row });
    context.out.table(
      ['ERROR CODE', 'ORIGINAL TOPIC', 'COUNT'],
      rows.map((r) => [r.errorCode, r.originalTopic, String(r.count)]),
    );
    if (!context.out.json) context.out.line(`${rows.reduce((n, r) => n + r.count, 0)} record(s) in ${topic}`);
    return EXIT.ok;
  },
};

export const dltShow: CommandSpec = {
  name: 'dlt show',
  brief: 'show dead letters: origin, reason, stack, value',
  summary:
    'Shows dead-lettered records: where they came from, the error code, message and stack, attempts, and the value decoded when it can be.',
  args: '<dlt-topic>',
  flags: {
    ...whereFlag,
    max: { type: 'string', value: '<n>', description: 'show at most n records' },
    ...timeoutFlag,
  },
  connects: true,
  examples: [
    'kbus dlt show auth.user-account.dlt --where code=HANDLER_FAILED --max 5',
    'kbus dlt show auth.user-account.dlt --json',
  ],
  async run(context) {
    const [topic] = expectArgs(context, ['<dlt-topic>']) as [string];
    const max = positiveIntFlag(context, 'max');
    const registry = registryOptions(context.connection);
    const decoder = registry ? new ValueDecoder(new RegistryClient(registry)) : undefined;
    const { paint } = context.out;
    let shown = 0;
    await readDeadLetters(
      context,
      topic,
      parseWhere(listFlag(context, 'where')),
      async ({ partition, record, info }) => {
        const decoded = decoder
          ? await decoder.decode(record.value)
          : ({
              kind: 'undecodable',
              code: 'NO_REGISTRY',
              reason: 'no schema registry given',
              bytes: record.value,
            } as const);
        const object = recordObject(topic, partition, record, decoded);
        context.out.object({ ...object, deadLetter: info });
        if (!context.out.json) {
          context.out.line(
            `${paint.cyan(`${partition}/${record.offset}`)} ${paint.red(info.errorCode ?? '(no code)')} from ${info.originalTopic ?? '?'}/${info.originalPartition ?? '?'}/${info.originalOffset ?? '?'}` +
              `${info.consumerGroup ? ` group ${info.consumerGroup}` : ''}${info.attempts === undefined ? '' : `, ${info.attempts} attempt(s)`}${info.failedAt ? `, at ${info.failedAt}` : ''}`,
          );
          context.out.line(`  key      ${object.key ?? '(none)'}`);
          context.out.line(`  type     ${object.type ?? '?'}`);
          // The stack starts with the class and the message; without one, they are all there is.
          if (info.stacktrace) context.out.line(`  error    ${info.stacktrace.replace(/\n/g, `\n${' '.repeat(11)}`)}`);
          else context.out.line(`  error    ${info.exceptionClass ?? ''}: ${info.message ?? ''}`);
          context.out.line(
            `  value    ${decoded.kind === 'undecodable' ? `undecodable (${decoded.code}: ${decoded.reason})` : JSON.stringify(object.payload)}`,
          );
          context.out.line();
        }
        shown++;
        return max === undefined || shown < max;
      },
    );
    if (!context.out.json) context.out.note(`${shown} record(s)`);
    return EXIT.ok;
  },
};

export const dltRedrive: CommandSpec = {
  name: 'dlt redrive',
  brief: 'send a selection of dead letters back (--dry-run to preview)',
  summary:
    'Sends dead-lettered records back to their original topics (original key, value and headers, on the partition of the key). Progress is kept in a consumer group, so a record is sent back once; records a --where leaves out are passed over and not offered again to that group.',
  args: '<dlt-topic>',
  flags: {
    ...whereFlag,
    'dry-run': { type: 'boolean', description: 'list what would be sent back; send and commit nothing' },
    group: {
      type: 'string',
      value: '<group>',
      description: 'the group that remembers progress (default <dlt-topic>.redrive)',
    },
    ...timeoutFlag,
  },
  connects: true,
  examples: [
    'kbus dlt redrive auth.user-account.dlt --where code=HANDLER_FAILED --dry-run',
    'kbus dlt redrive auth.user-account.dlt --where key=4f1c… --where type=user-account.created',
  ],
  async run(context) {
    const [topic] = expectArgs(context, ['<dlt-topic>']) as [string];
    const select = parseWhere(listFlag(context, 'where'));
    const groupId = stringFlag(context, 'group') ?? `${topic}.redrive`;
    const timeoutMs = positiveIntFlag(context, 'timeout') ?? 60_000;
    const kafka = kafkaFor(context);
    if (context.values['dry-run'] === true) {
      const admin = kafka.admin();
      await admin.connect();
      let committed: Map<number, bigint>;
      try {
        await admin.topics([topic]);
        committed = new Map(
          (await admin.committedOffsets(groupId, topic))
            .filter((c) => c.offset !== '-1')
            .map((c) => [c.partition, BigInt(c.offset)] as const),
        );
      } finally {
        await admin.disconnect();
      }
      let selected = 0;
      let passedOver = 0;
      await readDeadLetters(
        context,
        topic,
        () => true,
        ({ partition, record, info }) => {
          const chosen = select(record, info);
          if (chosen) selected++;
          else passedOver++;
          if (chosen) {
            context.out.object({
              wouldRedrive: true,
              topic,
              partition,
              offset: record.offset,
              to: info.originalTopic ?? null,
              key: record.key?.toString('utf8') ?? null,
              errorCode: info.errorCode ?? null,
            });
            context.out.line(
              `would send ${partition}/${record.offset} (${info.errorCode ?? 'no code'}, key ${record.key?.toString('utf8') ?? '(none)'}) back to ${info.originalTopic ?? '?'}`,
            );
          }
          return true;
        },
        committed,
      );
      context.out.object({ dryRun: true, topic, group: groupId, redriven: selected, passedOver });
      context.out.line(
        `dry run: ${selected} record(s) would be sent back, ${passedOver} passed over; nothing sent or committed`,
      );
      return EXIT.ok;
    }
    const result = await redrive({
      kafka,
      deadLetterTopic: topic,
      groupId,
      timeoutMs,
      filter: (record, info) => select(record, info),
    });
    context.out.object({ dryRun: false, topic, group: groupId, ...result });
    context.out.line(`${result.redriven} record(s) sent back, ${result.passedOver} passed over (group ${groupId})`);
    if (result.passedOver > 0) {
      context.out.note(
        `the ${result.passedOver} record(s) passed over will not be offered to group ${groupId} again; redrive them with --group <another group>`,
      );
    }
    return EXIT.ok;
  },
};
