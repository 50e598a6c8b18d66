/** Which part of the local stack failed; the CLI prints it first. */
export type StackPart = 'prerequisites' | 'download' | 'kafka' | 'registry' | 'lock';

/** A failure of the local stack, naming the part that failed and, where there is one, its log tail. */
export class StackError extends Error {
  override readonly name = 'StackError';
  readonly part: StackPart;
  readonly logTail: string | undefined;

  constructor(part: StackPart, message: string, options: { cause?: unknown; logTail?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.part = part;
    this.logTail = options.logTail;
  }
}
