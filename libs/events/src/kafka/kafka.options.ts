import type { Logger } from '@cairn/observability';
import type { DeliveryObserver, RetryOptions, TopicRef } from '../event-bus.port.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.port.js';

/** Group membership and fetch tuning of the bus's consumers (one consumer per subscription). */
export interface KafkaConsumerTuning {
  /** Broker drops a member that sent no heartbeat for this long (default 30 000; broker minimum 6 000). */
  readonly sessionTimeoutMs?: number;
  /** Heartbeat period, also while a handler runs (default 3 000). */
  readonly heartbeatIntervalMs?: number;
  /** Time members get to finish in-flight work and rejoin on a rebalance (default 60 000). */
  readonly rebalanceTimeoutMs?: number;
  /** Fetch long-poll when the partition is caught up (default 5 000). */
  readonly maxWaitTimeMs?: number;
  /** Partitions handled concurrently by one consumer (default 1); order stays per partition. */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Commit after this many handled records (default 100), or after `commitIntervalMs`, whichever
   * comes first; handled records are also committed at the end of each fetched batch and before the
   * partitions are given up (close, rebalance). 1 commits every record (one broker round trip each).
   * A crash redelivers at most this many handled records per partition: idempotency keys or
   * idempotent handlers make that harmless.
   */
  readonly commitEvery?: number;
  /** Commit at least this often while records are handled (default 1 000 ms). */
  readonly commitIntervalMs?: number;
}

/** Options of `KafkaEventBus`. */
export interface KafkaEventBusOptions {
  /** `host:port` of bootstrap brokers. */
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly logger?: Logger;
  /** Topics (and their DLQs) created at start. */
  readonly topics?: readonly TopicRef[];
  /** Layout of topics this bus creates (defaults 3 partitions, replication factor 1). */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly consumer?: KafkaConsumerTuning;
  /** Defaults to an in-memory store: pass a persistent one to skip duplicates across restarts. */
  readonly idempotencyStore?: IdempotencyStore;
  /** Retry policy of subscriptions that set none (default 5 attempts, 200 ms doubling to 30 s). */
  readonly retry?: RetryOptions;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Told about published, handled, failed and dead-lettered events (metrics). */
  readonly observer?: DeliveryObserver;
}

/** Kafka consumer group id of a subscription: one Kafka group per (group, topic). */
export function kafkaGroupId(group: string, topic: string): string {
  // kafkajs's assigners assume every member of a group subscribes to the same topics, so
  // services reusing a group name across topics would silently lose partitions in one group.
  return `${group}:${topic}`;
}
