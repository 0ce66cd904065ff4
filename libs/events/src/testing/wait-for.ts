import { setTimeout as delay } from 'node:timers/promises';

/** Deadline and description of a wait. */
export interface WaitOptions {
  readonly timeoutMs?: number;
  /** What is awaited, for the timeout error (a function is evaluated at the deadline). */
  readonly what?: string | (() => string);
}

/**
 * Polls `predicate` (every 20 ms) until it holds; rejects after `timeoutMs` (default 15 s).
 * For conditions that cannot notify (another process's file, a broker's group state).
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${describeWait(options, 'a condition')}`);
    await delay(20);
  }
}

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
            `timed out after ${timeoutMs} ms waiting for ${describeWait(options, 'items')} (have ${this.items.length})`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Resolves once at least `count` items were pushed. */
  atLeast(count: number, options: WaitOptions = {}): Promise<void> {
    return this.until((items) => items.length >= count, { what: `${count} items`, ...options });
  }
}

function describeWait(options: WaitOptions, fallback: string): string {
  const what = options.what ?? fallback;
  return typeof what === 'function' ? what() : what;
}
