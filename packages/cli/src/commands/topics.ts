import { ensureTopics, type TopicReport } from '@kbus/publisher';
import { type CommandSpec, expectArgs } from '../command.ts';
import { loadTopics } from '../contracts.ts';
import { EXIT } from '../errors.ts';
import { kafkaFor } from '../kafka.ts';

type Row = Omit<TopicReport, 'status'> & { readonly status: TopicReport['status'] | 'missing' };

export const topicsEnsure: CommandSpec = {
  name: 'topics ensure',
  brief: 'create missing declared topics, check existing ones',
  summary:
    'Creates the declared topics that do not exist (partitions, replication factor, configs) and checks the existing ones against their declaration; exit 1 when one differs.',
  args: '<module> [module…]',
  flags: {
    'dry-run': {
      type: 'boolean',
      description: 'create nothing: report missing topics as "missing" and check the existing ones',
    },
  },
  connects: true,
  examples: [
    'kbus topics ensure src/contracts.ts',
    'kbus topics ensure dist/contracts.js --dry-run --brokers kafka:9092 --json',
  ],
  async run(context) {
    expectArgs(context, ['<module>'], true);
    const topics = await loadTopics(context.positionals);
    const dryRun = context.values['dry-run'] === true;
    const admin = kafkaFor(context).admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const toEnsure = dryRun ? topics.filter((t) => existing.has(t.name)) : topics;
      const rows: Row[] = [
        ...(toEnsure.length > 0 ? await ensureTopics(admin, toEnsure, { onMismatch: 'report' }) : []),
        ...(dryRun
          ? topics
              .filter((t) => !existing.has(t.name))
              .map((t) => ({ topic: t.name, status: 'missing' as const, mismatches: [] }))
          : []),
      ];
      const { paint } = context.out;
      for (const r of rows) context.out.object({ ...r, ...(dryRun ? { dryRun } : {}) });
      context.out.table(
        ['TOPIC', 'STATUS', 'DIFFERENCES'],
        rows.map((r) => [
          r.topic,
          r.status === 'mismatch'
            ? paint.red(r.status)
            : r.status === 'created'
              ? paint.green(r.status)
              : r.status === 'missing'
                ? paint.yellow('missing (would be created)')
                : r.status,
          r.mismatches.join('; '),
        ]),
      );
      return rows.some((r) => r.status === 'mismatch') ? EXIT.failed : EXIT.ok;
    } finally {
      await admin.disconnect();
    }
  },
};
