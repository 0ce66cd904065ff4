import { setTimeout as delay } from 'node:timers/promises';
import type { ModelError } from '../model-error.js';

/** When and how long to wait before trying a failed request again. */
export interface RetrySettings {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** Backoff before the first retry; doubles each retry, with ±50 % jitter. */
  readonly initialBackoffMs: number;
  /** Longest wait; a server asking for longer (`Retry-After`) makes the call fail at once instead. */
  readonly maxBackoffMs: number;
  /** A number in [0, 1) for jitter. */
  readonly random: () => number;
}

/** How long the server asks to wait: `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The wait before retry `attempt` (0-based) of `failure`, or undefined when it must not be retried:
 * not retryable, out of retries, or the server asks for longer than `maxBackoffMs`. The error is then
 * annotated with why the caller gets it.
 */
export function plannedBackoffMs(
  failure: ModelError,
  attempt: number,
  serverAsksMs: number | undefined,
  s: RetrySettings,
): number | undefined {
  if (!failure.retryable) return undefined;
  if (attempt >= s.maxRetries) {
    failure.message += ` (gave up after ${attempt + 1} attempts)`;
    return undefined;
  }
  if (serverAsksMs !== undefined) {
    if (serverAsksMs <= s.maxBackoffMs) return serverAsksMs;
    failure.message += ` (the server asks to retry after ${Math.ceil(serverAsksMs / 1000)} s)`;
    return undefined;
  }
  const base = Math.min(s.maxBackoffMs, s.initialBackoffMs * 2 ** attempt);
  return Math.round(base * (0.5 + s.random() / 2));
}

/** Waits `ms`; an abort of `signal` rejects with the signal's own reason. */
export async function waitAbortably(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}
