/**
 * Records the idempotency keys a consumer group has applied, so that a redelivered event
 * (after a crash between handling and offset commit, a rebalance, or a producer retry) is skipped.
 * Keys are recorded after the handler succeeded: a crash between the handler's effect and
 * `record` can still apply an event twice; handlers with external effects should make them idempotent too.
 */
export interface IdempotencyStore {
  /** True when `key` was recorded for `group`. */
  has(group: string, key: string): Promise<boolean>;
  /** Records `key` as applied for `group` (recording twice is a no-op). */
  record(group: string, key: string): Promise<void>;
  /** Releases resources; idempotent. */
  close(): Promise<void>;
}
