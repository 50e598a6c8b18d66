import { ensureTopics } from '@kbus/publisher';
import type { CommandSpec } from '../command.ts';
import { loadTopics } from '../contracts.ts';
import { EXIT } from '../errors.ts';
import { kafkaFor } from '../kafka.ts';

export const topicsEnsure: CommandSpec = {
  name: 'topics ensure',
  brief: 'create missing declared topics, check existing ones',
  summary:
    'Creates the declared topics that do not exist (partitions, replication factor, configs) and checks the existing ones against their declaration; exit 1 when one differs.',
  args: '<module> [module…]',
  flags: {},
  connects: true,
  examples: ['kbus topics ensure src/contracts.ts', 'kbus topics ensure dist/contracts.js --brokers kafka:9092 --json'],
  async run(context) {
    const topics = await loadTopics(context.positionals);
    const admin = kafkaFor(context).admin();
    await admin.connect();
    try {
      const reports = await ensureTopics(admin, topics, { onMismatch: 'report' });
      const { paint } = context.out;
      for (const r of reports) context.out.object({ ...r });
      context.out.table(
        ['TOPIC', 'STATUS', 'DIFFERENCES'],
        reports.map((r) => [
          r.topic,
          r.status === 'mismatch' ? paint.red(r.status) : r.status === 'created' ? paint.green(r.status) : r.status,
          r.mismatches.join('; '),
        ]),
      );
      return reports.some((r) => r.status === 'mismatch') ? EXIT.failed : EXIT.ok;
    } finally {
      await admin.disconnect();
    }
  },
};
