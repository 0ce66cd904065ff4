import type { BackoffOptions, BatchBounds, RetryOptions } from '../event-bus.port.js';

/** A fully resolved retry policy. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
}

/** Defaults: 5 attempts, 200 ms doubling up to 30 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  backoff: { initialMs: 200, maxMs: 30_000, multiplier: 2 },
};

/** Merges subscription options over adapter defaults, validating the numbers. */
export function resolveRetryPolicy(
  options: RetryOptions,
  defaults: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryPolicy {
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? defaults.maxAttempts,
    backoff: { ...defaults.backoff, ...options.backoff },
  };
  const { initialMs, maxMs, multiplier } = policy.backoff;
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new Error(`maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  if (!(initialMs >= 0 && maxMs >= initialMs && multiplier >= 1)) {
    throw new Error(`invalid backoff {initialMs: ${initialMs}, maxMs: ${maxMs}, multiplier: ${multiplier}}`);
  }
  return policy;
}

/** Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed. */
export function backoffDelay(attempt: number, backoff: BackoffOptions): number {
  return Math.min(backoff.maxMs, backoff.initialMs * backoff.multiplier ** (attempt - 1));
}

/** Waits `ms`; resolves false early when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects batch bounds no adapter can honour. */
export function validateBatchBounds(batch: BatchBounds): void {
  if (!Number.isInteger(batch.maxSize) || batch.maxSize < 1) {
    throw new Error(`batch.maxSize must be an integer >= 1, got ${batch.maxSize}`);
  }
  if (!(Number.isFinite(batch.maxWaitMs) && batch.maxWaitMs >= 0)) {
    throw new Error(`batch.maxWaitMs must be a number >= 0, got ${batch.maxWaitMs}`);
  }
  if (batch.minBytes !== undefined && !(Number.isInteger(batch.minBytes) && batch.minBytes >= 1)) {
    throw new Error(`batch.minBytes must be an integer >= 1, got ${batch.minBytes}`);
  }
}

/** Longest wait between retries of a handler whose dependency is unavailable. */
export const UNAVAILABLE_RETRY_MAX_MS = 5_000;

/**
 * True when a handler failed because something it depends on is out of reach — an error (or one of
 * its causes) whose `code` is `UNAVAILABLE` (the registry, audit and vector store errors) or an
 * `EventBusUnavailableError`. Such failures say nothing about the event: it is retried until the
 * dependency is back, without using up attempts, instead of being dead-lettered.
 */
export function isUnavailableFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 10; depth++) {
    if ((current as { code?: unknown }).code === 'UNAVAILABLE') return true;
    if (current.name === 'EventBusUnavailableError') return true;
    current = current.cause;
  }
  return false;
}
