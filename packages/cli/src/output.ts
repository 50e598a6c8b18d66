/**
 * How commands write: aligned, coloured text for people (colour only on a TTY, never with
 * NO_COLOR or --no-color), or one JSON object per line for scripts (`--json`).
 */
export interface Output {
  readonly json: boolean;
  /** A line of text (human mode only). */
  line(text?: string): void;
  /** One JSON object per line in --json mode. */
  object(value: Record<string, unknown>): void;
  /** Rows with aligned columns (human mode only). */
  table(headings: readonly string[], rows: ReadonlyArray<readonly string[]>): void;
  /** Diagnostics, always on stderr so stdout stays parseable. */
  note(text: string): void;
  /** A progress line on a terminal's stderr, rewritten in place (at most 5 times a second); nothing otherwise. */
  progress(text: string): void;
  /** Clears the progress line. */
  progressDone(): void;
  readonly paint: Paint;
}

export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export interface Streams {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour codes is the point
const ANSI_PATTERN = /\u001b\[[0-9;]*m/g;

function painter(enabled: boolean): Paint {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
  };
}

/** Turns values JSON cannot carry as they are into readable ones: bigints, dates, bytes. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
    const data = (value as { data?: unknown }).data;
    if (Array.isArray(data)) return { base64: Buffer.from(data as number[]).toString('base64') };
  }
  return value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer);
}

export function createOutput(streams: Streams, options: { json: boolean; color: boolean | undefined }): Output {
  const colour =
    !options.json && (options.color ?? (Boolean(streams.stdout.isTTY) && process.env.NO_COLOR === undefined));
  const paint = painter(colour);
  const write = (text: string) => streams.stdout.write(`${text}\n`);
  const showProgress = !options.json && Boolean(streams.stderr.isTTY);
  let progressAt = 0;
  let progressShown = false;
  return {
    json: options.json,
    paint,
    line(text = '') {
      if (!options.json) write(text);
    },
    object(value) {
      if (options.json) write(toJson(value));
    },
    table(headings, rows) {
      if (options.json) return;
      const all = [headings.map((h) => paint.bold(h)), ...rows];
      const widths = headings.map((_, i) =>
        Math.max(...all.map((row) => (row[i] ?? '').replace(ANSI_PATTERN, '').length)),
      );
      for (const row of all) {
        const cells = row.map((cell, i) =>
          i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - cell.replace(ANSI_PATTERN, '').length),
        );
        write(cells.join('  ').trimEnd());
      }
    },
    note(text) {
      streams.stderr.write(`${text}\n`);
    },
    progress(text) {
      if (!showProgress || Date.now() - progressAt < 200) return;
      progressAt = Date.now();
      progressShown = true;
      streams.stderr.write(`\r\u001b[K${text}`);
    },
    progressDone() {
      if (progressShown) streams.stderr.write('\r\u001b[K');
      progressShown = false;
    },
  };
}
