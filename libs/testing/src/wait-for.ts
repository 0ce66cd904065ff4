/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Re-check interval while the condition is false (default 25 ms). */
  readonly intervalMs?: number;
  /** Said in the error when the deadline passes (a function is evaluated then, to show the state reached). */
  readonly description?: string | (() => string);
}

/**
 * Waits until `condition` returns a truthy value (or a promise of one) and returns it; fails with
 * a clear message at the deadline. For conditions that have no event to await.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${describeWait(options.description, 'condition')}${cause}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves with the first value `source` yields that matches, or fails at the deadline. */
export async function nextMatching<T>(
  source: AsyncIterator<T>,
  predicate: (value: T) => boolean,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${describeWait(options.description, 'a matching value')}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    for (;;) {
      const next = await Promise.race([source.next(), deadline]);
      if (next.done)
        throw new Error(`stream ended before ${describeWait(options.description, 'a matching value')}`);
      if (predicate(next.value)) return next.value;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The text of a wait's description, evaluating a lazy one. */
export function describeWait(description: WaitForOptions['description'], fallback: string): string {
  const text = description ?? fallback;
  return typeof text === 'function' ? text() : text;
}
