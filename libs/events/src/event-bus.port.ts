import type { DescMessage, MessageShape } from '@bufbuild/protobuf';

/**
 * A Kafka topic and the protobuf message every event on it carries.
 * Build it from the payload's `(cairn.common.v1.event)` option with `topicFor(schema)`,
 * or with `defineTopic(...)` for ad-hoc and test topics.
 */
export interface TopicSpec<S extends DescMessage = DescMessage> {
  /** Versioned, dotted topic name: `cairn.<area>.<event>.v1`. */
  readonly name: string;
  /** Payload message of every event on the topic. */
  readonly schema: S;
  /** Kafka message key of a payload: the id of the entity the event is about (per-key order). */
  key(message: MessageShape<S>): string;
  /** True when producers outside the platform may publish: JSON payloads are accepted only here. */
  readonly ingress: boolean;
  /** One-line description for the event catalogue. */
  readonly description?: string;
}

/** A topic given by its spec or, for raw access (DLQs, bridges), by its name. */
export type TopicRef = TopicSpec | string;

/** Suffix of dead-letter topics. */
export const DLQ_SUFFIX = '.dlq';

/** Name of the dead-letter topic of `topic`: `<topic>.dlq`. */
export function dlqTopicName(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`;
}

/** Layout of created topics. */
export interface EnsureTopicsOptions {
  readonly partitions: number;
  readonly replicationFactor: number;
}

/** Per-event metadata given to `publish`. */
export interface PublishOptions {
  /** Tenant owning the event (header `cairn-tenant`). */
  readonly tenant: string;
  /** Overrides `topic.key(payload)`. */
  readonly key?: string;
  /** Defaults to a random UUID; pass a stable id to make re-publishing idempotent for consumers. */
  readonly eventId?: string;
  /** W3C trace context (`00-<trace-id>-<span-id>-<flags>`). */
  readonly traceparent?: string;
  /** Extra headers; the `cairn-*`, `content-type` and `traceparent` headers cannot be overridden. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Where an event was appended. */
export interface PublishedEvent {
  readonly eventId: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset assigned by the log (string: Kafka offsets are 64-bit). */
  readonly offset: string;
}

/** Record bytes as they travel, for raw publishing (DLQ redrive, bridges, tests). */
export interface RawRecord {
  readonly key: string | null;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  /** Explicit partition; defaults to the stable hash of the key. */
  readonly partition?: number;
}

/** A record read from the log, not decoded. */
export interface RawEnvelope {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Uint8Array;
  readonly timestamp: Date;
  /** 1 on first delivery to the handler, incremented on each retry. */
  readonly attempt: number;
}

/** A decoded event delivered to a handler. */
export interface EventEnvelope<T> {
  /** Event id (header `cairn-event-id`; for foreign producers a hash of topic/partition/offset). */
  readonly id: string;
  /** Protobuf type name of the payload, e.g. `cairn.ingestion.v1.DocumentChunked`. */
  readonly type: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly tenant: string;
  readonly schemaVersion: string;
  /** `application/x-protobuf` or `application/json`. */
  readonly contentType: string;
  readonly traceparent?: string;
  readonly timestamp: Date;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: T;
  /** 1 on first delivery to the handler, incremented on each retry. */
  readonly attempt: number;
}

/** Exponential backoff between handler attempts: `min(maxMs, initialMs * multiplier^(attempt-1))`. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
}

/** Retry policy of a subscription. */
export interface RetryOptions {
  /** Handler attempts before the event goes to `<topic>.dlq` (default 5). */
  readonly maxAttempts?: number;
  readonly backoff?: Partial<BackoffOptions>;
}

/** A typed subscription. */
export interface SubscribeOptions<S extends DescMessage> extends RetryOptions {
  /** Consumer group: the group's members share the partitions; offsets are committed per group. */
  readonly group: string;
  /** Resolves when the event is handled; a rejection is retried, then dead-lettered. */
  handler(event: EventEnvelope<MessageShape<S>>): Promise<void>;
  /**
   * Idempotency key of an event (e.g. `e => e.id`): the handler is applied at most once per key
   * and group; keys are recorded in the bus's `IdempotencyStore` after the handler succeeded.
   */
  idempotencyKey?(event: EventEnvelope<MessageShape<S>>): string | undefined;
}

/** Size and time bounds of the batches a batch subscription receives. */
export interface BatchBounds {
  /** At most this many events per handler call (>= 1). */
  readonly maxSize: number;
  /**
   * How long a partition waits for more events before it delivers a batch that is not full (ms; 0 =
   * deliver what is there). Kafka: the broker holds the fetch this long (fetch.max.wait.ms) until
   * `minBytes` arrived.
   */
  readonly maxWaitMs: number;
  /** Kafka: bytes a fetch waits for, up to `maxWaitMs` (fetch.min.bytes; default 64 KiB). */
  readonly minBytes?: number;
}

/**
 * A typed subscription receiving events in batches (per partition, in offset order), for handlers
 * that amortise work across events (embedding, bulk writes). A batch is committed when its handler
 * resolves. When a batch fails on every attempt, its events are retried one at a time, so only the
 * event that keeps failing goes to `<topic>.dlq`.
 */
export interface BatchSubscribeOptions<S extends DescMessage> extends RetryOptions {
  readonly group: string;
  readonly batch: BatchBounds;
  /** Resolves when every event of the batch is handled; a rejection retries the batch. */
  handleBatch(events: readonly EventEnvelope<MessageShape<S>>[]): Promise<void>;
  /** As in `SubscribeOptions`: duplicates are dropped from batches before the handler sees them. */
  idempotencyKey?(event: EventEnvelope<MessageShape<S>>): string | undefined;
}

/** A raw subscription (dead-letter inspection and redrive, bridges). */
export interface RawSubscribeOptions extends RetryOptions {
  readonly group: string;
  handler(record: RawEnvelope): Promise<void>;
}

/** An active subscription. */
export interface Subscription {
  /** Partitions currently owned by this member of the group. */
  assignedPartitions(): readonly number[];
  /** Leaves the group after in-flight work finished; uncommitted events go to the next owner. */
  close(): Promise<void>;
}

/** Committed-offset lag of one partition for one consumer group of this process. */
export interface ConsumerLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** Records appended and not yet committed by the group. */
  readonly lag: number;
}

/** What delivery reports, for metrics (every method optional, none may throw). */
export interface DeliveryObserver {
  /** Events handled (and committed) on a topic by a group. */
  handled?(topic: string, group: string, count: number): void;
  /** A handler attempt failed (it will be retried or dead-lettered). */
  failedAttempt?(topic: string, group: string): void;
  /** A record went to `<topic>.dlq`. */
  deadLettered?(topic: string, group: string): void;
  /** An event was published (typed `publish`, acknowledged by the log or broker). */
  published?(topic: string): void;
}

/**
 * The event backbone port. Adapters: `KafkaEventBus` (kafkajs) and `EmbeddedEventBus`
 * (in-process log on node:sqlite). Both give per-key order (key -> partition by a stable
 * hash), consumer groups with offsets committed only after the handler succeeded,
 * retries with exponential backoff, then `<topic>.dlq`; undecodable events go to the DLQ at once.
 */
export interface EventBus {
  /** Connects; idempotent. */
  start(): Promise<void>;
  /** Closes every subscription (in-flight work finishes) and disconnects; idempotent. */
  stop(): Promise<void>;
  /** Creates missing topics and their `<topic>.dlq`; existing topics are left as they are. */
  ensureTopics(topics: readonly TopicRef[], options?: Partial<EnsureTopicsOptions>): Promise<void>;
  /** Resolves once the broker acknowledged (Kafka: all in-sync replicas) or the log durably appended. */
  publish<S extends DescMessage>(
    topic: TopicSpec<S>,
    payload: MessageShape<S>,
    options: PublishOptions,
  ): Promise<PublishedEvent>;
  /** Appends a record as given (no encoding, no headers added). */
  publishRaw(topic: string, record: RawRecord): Promise<PublishedEvent>;
  subscribe<S extends DescMessage>(topic: TopicSpec<S>, options: SubscribeOptions<S>): Promise<Subscription>;
  /** Subscribes a handler that receives up to `batch.maxSize` events of a partition at a time. */
  subscribeBatch<S extends DescMessage>(
    topic: TopicSpec<S>,
    options: BatchSubscribeOptions<S>,
  ): Promise<Subscription>;
  subscribeRaw(topic: string, options: RawSubscribeOptions): Promise<Subscription>;
  /** Resolves when the log answers (Kafka: the cluster's metadata); rejects with the reason. */
  health(): Promise<void>;
  /** Lag of the partitions this process's subscriptions own. */
  consumerLag(): Promise<ConsumerLag[]>;
}

/**
 * The log could not be reached, or did not acknowledge an append in time (broker down, no leader,
 * timeouts): nothing was promised, and the same call may succeed later. Callers answering a request
 * map it to UNAVAILABLE.
 */
export class EventBusUnavailableError extends Error {
  override readonly name = 'EventBusUnavailableError';
}
