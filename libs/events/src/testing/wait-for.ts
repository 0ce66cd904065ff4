import { describeWait, waitFor, type WaitForOptions } from '@cairn/testing';

/** Deadline and description of a wait (the shared options of `@cairn/testing`). */
export type WaitOptions = Pick<WaitForOptions, 'timeoutMs' | 'description'>;

export { waitFor };

/**
 * Items pushed by handlers, with waits that wake on each push (no polling) and fail at a deadline.
 */
export class Collected<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves once `predicate(items)` holds. */
  until(predicate: (items: readonly T[]) => boolean, options: WaitOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate(this.items)) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${describeWait(options.description, 'items')} (have ${this.items.length})`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once at least `count` items were pushed. */
  atLeast(count: number, options: WaitOptions = {}): Promise<void> {
    return this.until((items) => items.length >= count, { description: `${count} items`, ...options });
  }
}
