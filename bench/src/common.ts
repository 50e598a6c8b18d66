/**
 * Shared helpers of the benchmarks: configuration from the environment, statistics,
 * alternating rounds, an RSS sampler that keeps sampling while the main thread is busy,
 * and the result files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';

export { sleep };

/** An integer from the environment (BENCH_*), with a default. */
export function intEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Nearest-rank percentile (p in 0–100). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;
export const round = (value: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/**
 * Samples process RSS every `everyMs` from a worker thread (RSS is per process), so the
 * peak is seen even while the main thread runs a synchronous loop. The worker itself adds
 * a few MB to every figure, baselines included.
 */
export class RssSampler {
  private readonly shared = new Float64Array(new SharedArrayBuffer(16));
  private readonly worker: Worker;

  constructor(everyMs = 10) {
    this.worker = new Worker(
      `const { workerData } = require('node:worker_threads');
       const peak = new Float64Array(workerData.buffer);
       setInterval(() => { const rss = process.memoryUsage.rss(); if (rss > peak[0]) peak[0] = rss; }, workerData.everyMs);`,
      { eval: true, workerData: { buffer: this.shared.buffer, everyMs } },
    );
    this.worker.unref();
  }

  /** Starts a new measurement window; returns the RSS now (MB). */
  reset(): number {
    const rss = process.memoryUsage.rss();
    this.shared[0] = rss;
    return mb(rss);
  }

  /** Peak RSS (MB) since the last reset. */
  peak(): number {
    return mb(Math.max(this.shared[0] as number, process.memoryUsage.rss()));
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export const rssNow = () => mb(process.memoryUsage.rss());

/** Forces a full GC when the process runs with --expose-gc (the npm scripts do). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export interface VariantRun<T> {
  readonly variant: string;
  readonly round: number;
  readonly result: T;
  /** RSS when the run started and its peak during the run (MB, whole process). */
  readonly rssStartMb: number;
  readonly rssPeakMb: number;
}

/**
 * Runs each variant once per round, rotating the order every round (A B C, B C A, …) so
 * that drift of a shared machine does not favour one side. Returns the runs in order.
 */
export async function alternate<T>(
  rounds: number,
  variants: ReadonlyArray<readonly [string, () => Promise<T>]>,
  sampler: RssSampler,
  log: (line: string) => void = () => {},
): Promise<Array<VariantRun<T>>> {
  const runs: Array<VariantRun<T>> = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < variants.length; i++) {
      const [variant, run] = variants[(i + round) % variants.length] as readonly [string, () => Promise<T>];
      collectGarbage();
      const rssStartMb = sampler.reset();
      const result = await run();
      const rssPeakMb = sampler.peak();
      runs.push({ variant, round, result, rssStartMb, rssPeakMb });
      log(`  round ${round + 1}/${rounds} ${variant}: ${JSON.stringify(result)} (peak RSS ${rssPeakMb} MB)`);
    }
  }
  return runs;
}

/** Peak RSS and growth of the baseline and SDK variants, for a result row. */
export function rssOf<T>(runs: ReadonlyArray<VariantRun<T>>, baseline: string, sdk: string) {
  const growth = (variant: string) =>
    round(Math.max(...runsOf(runs, variant).map((r) => r.rssPeakMb - r.rssStartMb)), 1);
  return {
    baseline: peakRss(runs, baseline),
    sdk: peakRss(runs, sdk),
    baselineGrowth: growth(baseline),
    sdkGrowth: growth(sdk),
  };
}

/** The highest peak RSS (MB) over a variant's runs. */
export function peakRss<T>(runs: ReadonlyArray<VariantRun<T>>, variant: string): number {
  return Math.max(...runsOf(runs, variant).map((r) => r.rssPeakMb));
}

/** Runs `task(0 … count-1)` with at most `limit` in flight. */
export async function withConcurrency(count: number, limit: number, task: (i: number) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

export function runsOf<T>(runs: ReadonlyArray<VariantRun<T>>, variant: string): Array<VariantRun<T>> {
  return runs.filter((r) => r.variant === variant);
}

/**
 * Median over rounds of the per-round ratio `value(sdk) / value(baseline)`: each ratio
 * compares two runs made next to each other.
 */
export function medianRatio<T>(
  runs: ReadonlyArray<VariantRun<T>>,
  sdk: string,
  baseline: string,
  value: (result: T) => number,
): number {
  const ratios: number[] = [];
  for (const run of runsOf(runs, sdk)) {
    const base = runs.find((r) => r.variant === baseline && r.round === run.round);
    if (base) ratios.push(value(run.result) / value(base.result));
  }
  return median(ratios);
}

/** One line of the results table. */
export interface ResultRow {
  readonly benchmark: string;
  /** What is measured, e.g. "msgs/s" or "p99 ms". */
  readonly metric: string;
  readonly baseline: string;
  readonly baselineValue: number;
  readonly sdk: string;
  readonly sdkValue: number;
  /** sdkValue / baselineValue (median of per-round ratios where rounds exist). */
  readonly ratio: number;
  /** Whether a higher ratio is better (throughput) or a lower one (cost, latency). */
  readonly better: 'higher' | 'lower';
  /** The target on the ratio, if the project states one. */
  readonly target?: number;
  readonly met?: boolean;
  /**
   * Peak process RSS (MB) during the baseline's and the SDK's runs (max over rounds), and
   * the largest growth over a run (peak minus RSS at its start).
   */
  readonly rssPeakMb?: {
    readonly baseline: number;
    readonly sdk: number;
    readonly baselineGrowth: number;
    readonly sdkGrowth: number;
  };
  readonly note?: string;
}

export function row(r: Omit<ResultRow, 'met'>): ResultRow {
  const met = r.target === undefined ? undefined : r.better === 'higher' ? r.ratio >= r.target : r.ratio <= r.target;
  return met === undefined ? r : { ...r, met };
}

/** What a row states besides the figures it computes. */
type RowLabels = Omit<ResultRow, 'met' | 'metric' | 'baselineValue' | 'sdkValue' | 'ratio' | 'rssPeakMb'>;

/**
 * A row from alternating runs: the median value of each side (rounded to `digits`) and the
 * median of the per-round ratios.
 */
export function pairedRow<T>(
  runs: ReadonlyArray<VariantRun<T>>,
  metric: string,
  value: (result: T) => number,
  digits: number,
  labels: RowLabels,
): ResultRow {
  const side = (variant: string) => round(median(runsOf(runs, variant).map((r) => value(r.result))), digits);
  return row({
    ...labels,
    metric,
    baselineValue: side(labels.baseline),
    sdkValue: side(labels.sdk),
    ratio: round(medianRatio(runs, labels.sdk, labels.baseline, value), 2),
    rssPeakMb: rssOf(runs, labels.baseline, labels.sdk),
  });
}

/** The median msgs/s of one variant's runs. */
export function medianMsgsPerS(runs: ReadonlyArray<VariantRun<{ readonly msgsPerS: number }>>, variant: string) {
  return Math.round(median(runsOf(runs, variant).map((r) => r.result.msgsPerS)));
}

/** A msgs/s row (higher is better) from alternating runs. */
export function throughputRow(
  runs: ReadonlyArray<VariantRun<{ readonly msgsPerS: number }>>,
  benchmark: string,
  baseline: string,
  sdk: string,
  target: number | undefined,
  note: string,
): ResultRow {
  return pairedRow(runs, 'msgs/s', (r) => r.msgsPerS, 0, {
    benchmark,
    baseline,
    sdk,
    better: 'higher',
    ...(target === undefined ? {} : { target }),
    note,
  });
}

/** A latency row: percentile `p` of each side's pooled samples (ms); lower is better. */
export function percentileRow(
  p: number,
  samples: { readonly baseline: readonly number[]; readonly sdk: readonly number[] },
  rssPeakMb: ResultRow['rssPeakMb'],
  labels: Omit<RowLabels, 'better'>,
): ResultRow {
  const base = percentile(samples.baseline, p);
  const sdk = percentile(samples.sdk, p);
  return row({
    ...labels,
    metric: `p${p} ms`,
    baselineValue: round(base, 2),
    sdkValue: round(sdk, 2),
    ratio: round(sdk / base, 2),
    better: 'lower',
    ...(rssPeakMb === undefined ? {} : { rssPeakMb }),
  });
}

export interface BenchResult {
  readonly name: string;
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: Record<string, unknown>;
  readonly config: Record<string, unknown>;
  readonly rows: readonly ResultRow[];
  /** Per-variant figures (absolute numbers, RSS) and every run. */
  readonly details: Record<string, unknown>;
}

export function machine(): Record<string, unknown> {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    loadavg1m: round(loadavg()[0] ?? 0),
  };
}

export const resultsDir = new URL('../results/', import.meta.url);

function writeResult(result: BenchResult): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(new URL(`${result.name}.json`, resultsDir), `${JSON.stringify(result, null, 2)}\n`);
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function markdownTable(rows: readonly ResultRow[]): string {
  const lines = [
    '| Benchmark | Metric | Baseline | Baseline value | SDK | SDK value | Ratio SDK/baseline | Target | Met | Peak RSS MB (growth) base / SDK |',
    '|---|---|---|---:|---|---:|---:|---|---|---|',
  ];
  for (const r of rows) {
    const target = r.target === undefined ? '—' : `${r.better === 'higher' ? '≥' : '≤'} ${r.target}`;
    const met = r.met === undefined ? '—' : r.met ? 'yes' : '**no**';
    const rss = r.rssPeakMb
      ? `${Math.round(r.rssPeakMb.baseline)} (+${Math.round(r.rssPeakMb.baselineGrowth)}) / ${Math.round(r.rssPeakMb.sdk)} (+${Math.round(r.rssPeakMb.sdkGrowth)})`
      : '—';
    lines.push(
      `| ${r.benchmark} | ${r.metric} | ${r.baseline} | ${formatNumber(r.baselineValue)} | ${r.sdk} | ${formatNumber(r.sdkValue)} | ${r.ratio.toFixed(2)}x | ${target} | ${met} | ${rss} |`,
    );
  }
  return lines.join('\n');
}

/** Prints a run's rows and writes its JSON file. */
export function report(result: BenchResult): void {
  writeResult(result);
  console.log(`\n${result.name} (${result.durationS} s)\n${markdownTable(result.rows)}\n`);
}

export const log = (line: string) => console.error(line);
