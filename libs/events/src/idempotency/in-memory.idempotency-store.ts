import type { IdempotencyStore } from './idempotency-store.port.js';

/**
 * Process-local idempotency store (tests, single-process runs). Keys survive only as long as
 * the instance: share one instance between bus instances to cover their restarts. At most
 * `maxKeysPerGroup` keys are kept per group (oldest dropped first).
 */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly groups = new Map<string, Set<string>>();

  constructor(private readonly maxKeysPerGroup = 1_000_000) {}

  async has(group: string, key: string): Promise<boolean> {
    return this.groups.get(group)?.has(key) ?? false;
  }

  async record(group: string, key: string): Promise<void> {
    let keys = this.groups.get(group);
    if (!keys) {
      keys = new Set();
      this.groups.set(group, keys);
    }
    keys.add(key);
    if (keys.size > this.maxKeysPerGroup) {
      const oldest = keys.values().next();
      if (oldest.done !== true) keys.delete(oldest.value);
    }
  }

  async close(): Promise<void> {
    // nothing to release
  }
}
