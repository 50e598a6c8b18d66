/**
 * Runs every benchmark, each in a fresh Node process, and writes bench/results/latest.json
 * and bench/results/latest.md (a table ready for the README).
 *
 *   npm run bench                      # from the repo root or bench/, with a stack up
 *   BENCH_ONLY=serialization npm run bench
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BenchResult, machine, markdownTable, resultsDir } from './common.ts';

const ALL = ['serialization', 'publish', 'consume', 'outbox', 'otel'] as const;
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const selected = ALL.filter((name) => !only || only.includes(name));

if (!process.env.KAFKA_BROKERS || !process.env.SCHEMA_REGISTRY_URL) {
  console.error(
    'KAFKA_BROKERS and SCHEMA_REGISTRY_URL must be set. Start a stack and export its two lines, e.g.\n' +
      '  eval "$(npm run -s stack -- up)" && npm run bench',
  );
  process.exit(2);
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}

const results: BenchResult[] = [];
const failures: string[] = [];
for (const name of selected) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  console.error(`\n=== ${name}`);
  const run = spawnSync(process.execPath, ['--conditions=source', '--no-warnings', '--expose-gc', file], {
    stdio: 'inherit',
    env: process.env,
  });
  if (run.status !== 0) {
    failures.push(`${name} exited with ${run.status ?? run.signal}`);
    continue;
  }
  results.push(JSON.parse(readFileSync(new URL(`${name}.json`, resultsDir), 'utf8')) as BenchResult);
}

const revision = git(['rev-parse', '--short', 'HEAD']);
const dirty = git(['status', '--porcelain', '--', 'packages']);
const source = `${revision}${dirty && dirty !== 'unknown' ? ' + uncommitted changes in packages/' : ''}`;
const rows = results.flatMap((r) => r.rows);
const latest = { generatedAt: new Date().toISOString(), source, machine: machine(), results };
writeFileSync(new URL('latest.json', resultsDir), `${JSON.stringify(latest, null, 2)}\n`);

interface VariantFigures {
  msgsPerSMedian?: number;
  cpuUsPerMsgMedian?: number;
  nsPerOpMedian?: number;
  opsPerSMedian?: number;
  rssPeakMb?: number;
  runs?: Array<{ quarterMsgsPerS?: number[]; abortListeners?: number; commits?: number }>;
}

function variantTable(title: string, figures: Record<string, VariantFigures> | undefined): string[] {
  if (!figures) return [];
  const lines = [
    `**${title}**`,
    '',
    '| Variant | Median | CPU µs/msg | Peak RSS MB | Notes |',
    '|---|---:|---:|---:|---|',
  ];
  for (const [variant, f] of Object.entries(figures)) {
    const value =
      f.msgsPerSMedian !== undefined
        ? `${f.msgsPerSMedian.toLocaleString('en-US')} msgs/s`
        : `${f.nsPerOpMedian} ns/op (${f.opsPerSMedian?.toLocaleString('en-US')} ops/s)`;
    const last = f.runs?.[f.runs.length - 1];
    const notes = [
      last?.quarterMsgsPerS?.length ? `per quarter of the run: ${last.quarterMsgsPerS.join(' → ')} msgs/s` : '',
      last?.abortListeners !== undefined ? `${last.abortListeners} abort listeners left` : '',
      last?.commits !== undefined ? `${last.commits} commits` : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`| ${variant} | ${value} | ${f.cpuUsPerMsgMedian ?? '—'} | ${f.rssPeakMb ?? '—'} | ${notes} |`);
  }
  lines.push('');
  return lines;
}

const m = latest.machine as { node: string; cpu: string; cores: number };
const md = [
  '# kbus benchmark results',
  '',
  `Generated ${latest.generatedAt} from ${source}; Node ${m.node}, ${m.cores} cores (${m.cpu}), shared with the`,
  'Kafka broker and the registry. Ratios are SDK / baseline, medians of per-round ratios of runs made next to',
  'each other in one process (latency rows: pooled percentiles). See bench/README.md for what each row means.',
  '',
  markdownTable(rows),
  '',
  ...(failures.length ? [`**Failed:** ${failures.join('; ')}`, ''] : []),
  '## Notes per row',
  '',
  ...rows.filter((r) => r.note).map((r) => `- **${r.benchmark}** (${r.metric}): ${r.note}`),
  '',
  '## Per-variant figures',
  '',
  ...results.flatMap((r) => {
    const d = r.details as Record<string, Record<string, VariantFigures> | undefined>;
    if (r.name === 'serialization') return variantTable('serialization', d.variants);
    if (r.name === 'publish')
      return [...variantTable('publish (a)', d.bulk), ...variantTable('publish (b)', d.concurrent)];
    if (r.name === 'consume') return [...variantTable('consume (a)', d.bulk), ...variantTable('consume (b)', d.slow)];
    return [];
  }),
  '## Configuration',
  '',
  ...results.map((r) => `- ${r.name} (${r.durationS} s): \`${JSON.stringify(r.config)}\``),
  '',
].join('\n');
writeFileSync(new URL('latest.md', resultsDir), md);
console.log(`\n${markdownTable(rows)}\n\nwrote bench/results/latest.json and latest.md`);
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
