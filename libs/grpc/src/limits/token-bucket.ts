/** Settings of a {@link TokenBuckets} limiter. */
export interface TokenBucketOptions {
  /** Tokens added per second to each bucket (the sustained rate); > 0. */
  readonly ratePerSecond: number;
  /** Most tokens a bucket holds (the burst a quiet key may spend at once); ≥ 1. */
  readonly burst: number;
  /** Milliseconds on a monotonic clock; injectable for tests (default `performance.now`). */
  readonly now?: () => number;
  /** Most buckets kept; past it the least recently used are dropped (they restart full). Default 10 000. */
  readonly maxKeys?: number;
}

/** Outcome of {@link TokenBuckets.take}: allowed, or refused with the wait until a token is there. */
export type TokenDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * One token bucket per key (a tenant, or a tenant and a method class): each call takes a token,
 * tokens come back at `ratePerSecond` up to `burst`. Refills lazily on access, so idle keys cost
 * nothing but their entry.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxKeys: number;
  private readonly perMs: number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond))
      throw new Error(`TokenBuckets: ratePerSecond must be a positive number, got ${options.ratePerSecond}`);
    if (!(options.burst >= 1))
      throw new Error(`TokenBuckets: burst must be at least 1, got ${options.burst}`);
    this.now = options.now ?? (() => performance.now());
    this.maxKeys = options.maxKeys ?? 10_000;
    this.perMs = options.ratePerSecond / 1000;
  }

  /** Takes one token from `key`'s bucket, or says how long until one is available. */
  take(key: string): TokenDecision {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(this.options.burst, bucket.tokens + (now - bucket.updatedAt) * this.perMs);
      bucket.updatedAt = now;
      // Re-insert so the map's order is least recently used first.
      this.buckets.delete(key);
    } else {
      bucket = { tokens: this.options.burst, updatedAt: now };
    }
    this.buckets.set(key, bucket);
    this.evict();
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs)) };
  }

  /** Number of keys tracked. */
  get size(): number {
    return this.buckets.size;
  }

  private evict(): void {
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) return;
      this.buckets.delete(key);
    }
  }
}
