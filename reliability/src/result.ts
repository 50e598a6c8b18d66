export interface Check {
  readonly name: string;
  readonly ok: boolean;
}

/** What a scenario reports; every figure the report table shows. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly published: number;
  readonly acknowledged: number;
  readonly handled: number | undefined;
  readonly lost: number;
  readonly duplicatedInLog: number;
  readonly duplicatesHandled: number | undefined;
  readonly outOfOrder: number;
  readonly errorsToCallers: number;
  /** Distinct error codes callers saw, with counts. */
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly recoveryMs: readonly number[];
  readonly durationMs: number;
  readonly notes: readonly string[];
  readonly checks: readonly Check[];
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** Up to `limit` distinct failure messages, for the report. */
export function sampleMessages(failures: ReadonlyArray<{ code: string; message: string }>, limit = 3): string[] {
  return [...new Set(failures.map((f) => `${f.code}: ${f.message.slice(0, 200)}`))].slice(0, limit);
}

export function passed(result: ScenarioResult): boolean {
  return result.checks.every((c) => c.ok);
}
