/** A remote embedding request failed; `retryable` says whether trying again may help. */
export class EmbeddingRequestError extends Error {
  override name = 'EmbeddingRequestError';

  constructor(
    message: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
    readonly retryable = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Backoff settings used by {@link retryDelayMs}. */
export interface BackoffSettings {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly random: () => number;
}

/**
 * Delay before retry number `attempt + 1`: the server's `Retry-After` (seconds or HTTP date) when
 * given, else exponential backoff with full jitter; both capped at `maxBackoffMs`.
 */
export function retryDelayMs(attempt: number, retryAfter: string | null, s: BackoffSettings): number {
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), s.maxBackoffMs);
  }
  const ceiling = Math.min(s.maxBackoffMs, s.initialBackoffMs * 2 ** attempt);
  return Math.floor(s.random() * ceiling);
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/** Waits `ms`, rejecting with the signal's reason if it is aborted first. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
