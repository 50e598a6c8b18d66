import { KbusError } from '@kbus/core';

/**
 * Counts records accepted but not yet settled, and holds (or refuses) callers past the
 * limit, so memory stays bounded whatever the callers do.
 */
export class RecordBuffer {
  private used = 0;
  private readonly waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private readonly max: number;
  private readonly whenFull: 'wait' | 'fail';

  constructor(max: number, whenFull: 'wait' | 'fail') {
    this.max = max;
    this.whenFull = whenFull;
  }

  get size(): number {
    return this.used;
  }

  /** Takes one slot, now if there is room (returns undefined), else a promise for the slot. */
  acquire(): Promise<void> | undefined {
    if (this.used < this.max && this.waiting.length === 0) {
      this.used++;
      return undefined;
    }
    if (this.whenFull === 'fail') {
      throw new KbusError(
        'BUFFER_FULL',
        `the publisher already holds ${this.used} unacknowledged records (buffer.maxRecords = ${this.max}); ` +
          'slow down, raise buffer.maxRecords, or use whenFull: "wait"',
        { retriable: true, details: { buffered: this.used } },
      );
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Takes `count` slots if there is room for all of them now, without waiting or failing. */
  tryAcquire(count: number): boolean {
    if (this.used + count > this.max || this.waiting.length > 0) return false;
    this.used += count;
    return true;
  }

  release(): void {
    const next = this.waiting.shift();
    // Hand the slot straight to the next waiter; the count does not change.
    if (next) next.resolve();
    else this.used--;
  }
}
