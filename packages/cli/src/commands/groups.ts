import { isKbusError } from '@kbus/core';
import { partitionLag, resetOffsets } from '@kbus/subscriber';
import { type CommandContext, type CommandSpec, expectArgs, listFlag, stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { kafkaFor } from '../kafka.ts';
import { parseStart } from '../read.ts';

export const groupsLs: CommandSpec = {
  name: 'groups ls',
  brief: 'list consumer groups, their state and members',
  summary: 'Lists the consumer groups of the cluster with their state and member count.',
  args: '',
  flags: {},
  connects: true,
  examples: ['kbus groups ls', 'kbus groups ls --json | jq -r "select(.members == 0) | .group"'],
  async run(context) {
    expectArgs(context, []);
    const admin = kafkaFor(context).admin();
    await admin.connect();
    try {
      const rows: string[][] = [];
      const ids = await admin.listGroups();
      // A few descriptions in flight at a time: one request each.
      for (let i = 0; i < ids.length; i += 16) {
        for (const group of await Promise.all(ids.slice(i, i + 16).map((id) => admin.describeGroup(id)))) {
          context.out.object({ group: group.groupId, state: group.state, members: group.members });
          rows.push([group.groupId, group.state, String(group.members)]);
        }
      }
      context.out.table(['GROUP', 'STATE', 'MEMBERS'], rows);
    } finally {
      await admin.disconnect();
    }
    return EXIT.ok;
  },
};

/** The topics to look at: --topic flags, else every topic the group committed on. */
async function groupTopics(
  admin: ReturnType<ReturnType<typeof kafkaFor>['admin']>,
  context: CommandContext,
  groupId: string,
) {
  const given = listFlag(context, 'topic');
  if (given.length > 0) return given;
  return [...new Set((await admin.groupOffsets(groupId)).map((o) => o.topic))];
}

const topicFlag = {
  topic: {
    type: 'string',
    multiple: true,
    value: '<topic>',
    description: 'only this topic (repeatable; default: every topic the group committed on)',
  },
} as const;

export const groupsLag: CommandSpec = {
  name: 'groups lag',
  brief: 'committed offset, end and lag per partition',
  summary: "Shows a group's committed offset, the partition's end and the lag, per partition.",
  args: '<group>',
  flags: {
    ...topicFlag,
    'max-lag': { type: 'string', value: '<n>', description: 'a check: exit 1 when the total lag is above n' },
  },
  connects: true,
  examples: [
    'kbus groups lag group-management',
    'kbus groups lag audit --topic auth.user-account --json',
    'kbus groups lag audit --max-lag 1000   # in a health check',
  ],
  async run(context) {
    const [groupId] = expectArgs(context, ['<group>']) as [string];
    const maxLagText = stringFlag(context, 'max-lag');
    const maxLag = maxLagText === undefined ? undefined : Number(maxLagText);
    if (maxLag !== undefined && (!Number.isInteger(maxLag) || maxLag < 0)) {
      throw new UsageError(`--max-lag must be a whole number of records, not ${JSON.stringify(maxLagText)}`);
    }
    const admin = kafkaFor(context).admin();
    await admin.connect();
    try {
      const topics = await groupTopics(admin, context, groupId);
      if (topics.length === 0) {
        context.out.note(`group ${groupId} has committed nothing; name a topic with --topic`);
        return EXIT.ok;
      }
      const lags = await partitionLag(
        admin,
        groupId,
        topics.map((name) => ({ name })),
      );
      for (const l of lags) context.out.object({ group: groupId, ...l });
      context.out.table(
        ['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG'],
        lags.map((l) => [l.topic, String(l.partition), l.committed === '-1' ? '-' : l.committed, l.end, String(l.lag)]),
      );
      const total = lags.reduce((n, l) => n + l.lag, 0);
      if (!context.out.json) context.out.line(`total lag ${total}`);
      if (maxLag !== undefined && total > maxLag) {
        context.out.note(`group ${groupId} lags ${total} record(s), more than --max-lag ${maxLag}`);
        return EXIT.failed;
      }
    } finally {
      await admin.disconnect();
    }
    return EXIT.ok;
  },
};

export const groupsReset: CommandSpec = {
  name: 'groups reset',
  brief: 'move a stopped group to earliest, latest or a time',
  summary:
    "Moves a group's committed offsets to the start of the log, its end, or the first record at or after a time; shows them before and after. Refused (exit 1) while the group has members: stop its consumers first.",
  args: '<group>',
  flags: {
    to: { type: 'string', value: '<where>', description: 'earliest | latest | an ISO time (required)' },
    ...topicFlag,
    'dry-run': { type: 'boolean', description: 'show the new offsets without setting them' },
  },
  connects: true,
  examples: [
    'kbus groups reset audit --to 2026-12-01T10:00:00Z --dry-run',
    'kbus groups reset audit --to earliest --topic auth.user-account',
  ],
  async run(context) {
    const [groupId] = expectArgs(context, ['<group>']) as [string];
    const toText = stringFlag(context, 'to');
    if (!toText) throw new UsageError('missing --to earliest|latest|<ISO time>');
    const to = parseStart(toText);
    if (to.kind === 'offset')
      throw new UsageError('--to takes earliest, latest or an ISO time, not <partition>:<offset>');
    const dryRun = context.values['dry-run'] === true;
    const kafka = kafkaFor(context);
    const admin = kafka.admin();
    await admin.connect();
    const before: Array<{ topic: string; partition: number; offset: string }> = [];
    let topics: string[];
    try {
      topics = await groupTopics(admin, context, groupId);
      if (topics.length === 0)
        throw new UsageError(`group ${groupId} has committed nothing: name the topic(s) with --topic`);
      await admin.topics(topics);
      for (const topic of topics)
        before.push(...(await admin.committedOffsets(groupId, topic)).map((o) => ({ topic, ...o })));
    } finally {
      await admin.disconnect();
    }
    let after: Array<{ topic: string; partition: number; offset: string }>;
    try {
      after = await resetOffsets({
        kafka,
        groupId,
        topics,
        to: to.kind === 'time' ? { timestamp: to.timestamp } : to.kind,
        dryRun,
      });
    } catch (error) {
      if (isKbusError(error, 'GROUP_ACTIVE')) {
        context.out.object({ group: groupId, refused: true, code: error.code, message: error.message });
        context.out.note(`kbus groups reset: refused: ${error.message}`);
        return EXIT.failed;
      }
      throw error;
    }
    const rows = after.map((a) => {
      const was = before.find((b) => b.topic === a.topic && b.partition === a.partition)?.offset ?? '-1';
      context.out.object({
        group: groupId,
        topic: a.topic,
        partition: a.partition,
        before: was,
        after: a.offset,
        dryRun,
      });
      return [a.topic, String(a.partition), was === '-1' ? '-' : was, a.offset];
    });
    context.out.table(['TOPIC', 'PARTITION', 'BEFORE', dryRun ? 'AFTER (dry run)' : 'AFTER'], rows);
    if (!context.out.json) {
      context.out.line(dryRun ? 'dry run: nothing changed' : `group ${groupId} moved to ${toText}`);
    }
    return EXIT.ok;
  },
};
