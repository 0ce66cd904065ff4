import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { createLogger, type Logger } from '@cairn/observability';
import type { DeliveryContext, DeliveryTarget } from '../delivery/event-delivery.js';
import { resolveRetryPolicy, validateBatchBounds, type RetryPolicy } from '../delivery/retry-policy.js';
import { derivedEventId, encodeEvent } from '../event-codec.js';
import {
  DLQ_SUFFIX,
  dlqTopicName,
  type EnsureTopicsOptions,
  type EventBus,
  type PublishedEvent,
  type PublishOptions,
  type RawRecord,
  type BatchSubscribeOptions,
  type ConsumerLag,
  type DeliveryObserver,
  type RawSubscribeOptions,
  type RetryOptions,
  type SubscribeOptions,
  type Subscription,
  type TopicRef,
  type TopicSpec,
} from '../event-bus.port.js';
import { EventHeaders } from '../event-headers.js';
import { tracedPublish } from '../tracing/event-tracing.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.port.js';
import { SqliteIdempotencyStore } from '../idempotency/sqlite.idempotency-store.js';
import { partitionFor } from '../partitioner.js';
import { EmbeddedSubscription } from './embedded-subscription.js';
import { acquireLocalBroker, type LocalBroker } from './local-broker.js';
import { PartitionWorker } from './partition-worker.js';
import { SqliteLog } from './sqlite-log.js';

/** Options of the embedded (single-process) event bus. */
export interface EmbeddedEventBusOptions {
  /** Log file (node:sqlite, WAL); `:memory:` for a private, volatile log. */
  readonly path: string;
  readonly logger?: Logger;
  /** Partitions of topics created without explicit options, and of auto-created topics (default 3). */
  readonly partitions?: number;
  /** SQLite `synchronous`: FULL (default) survives power loss, NORMAL only process crashes. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Defaults to a table in the log file, so applied keys survive restarts with the log. */
  readonly idempotencyStore?: IdempotencyStore;
  /** Retry policy of subscriptions that set none (default 5 attempts, 200 ms doubling to 30 s). */
  readonly retry?: RetryOptions;
  /** Records read per query (default 100). */
  readonly batchSize?: number;
  /** Told about published, handled, failed and dead-lettered events (metrics). */
  readonly observer?: DeliveryObserver;
}

interface Running {
  readonly log: SqliteLog;
  readonly broker: LocalBroker;
  readonly idempotency: IdempotencyStore;
  /** Keeps the process alive while the bus runs, as the Kafka adapter's sockets do. */
  readonly keepAlive: NodeJS.Timeout;
}

/**
 * `EventBus` on an in-process log persisted with node:sqlite: N partitions per topic, per-key
 * order, consumer groups whose members (in this process) split the partitions, committed offsets,
 * redelivery of uncommitted records after a restart, retries, DLQ. Delivery is push-based.
 * Topics are created on first use when `ensureTopics` did not create them.
 */
export class EmbeddedEventBus implements EventBus {
  private running: Running | undefined;
  private stopped = false;
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private readonly logger: Logger;
  private readonly partitions: number;
  private readonly retry: RetryPolicy;
  private nextUnkeyed = 0;

  constructor(private readonly options: EmbeddedEventBusOptions) {
    this.logger = (options.logger ?? createLogger({ service: 'cairn-events' })).child({
      component: 'embedded-event-bus',
    });
    this.partitions = options.partitions ?? 3;
    this.retry = resolveRetryPolicy(options.retry ?? {});
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (this.stopped)
      throw new Error('this EmbeddedEventBus was stopped; create a new instance on the same path to resume');
    const log = new SqliteLog(this.options.path, this.options.synchronous ?? 'FULL');
    const idempotency = this.options.idempotencyStore ?? new SqliteIdempotencyStore({ database: log.db });
    const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);
    this.running = { log, broker: acquireLocalBroker(this.options.path), idempotency, keepAlive };
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.stopped = true;
    if (!running) return;
    const byGroup = new Map<string, EmbeddedSubscription[]>();
    for (const subscription of this.subscriptions) {
      const id = `${subscription.group}\u0000${subscription.topic}`;
      byGroup.set(id, [...(byGroup.get(id) ?? []), subscription]);
    }
    await Promise.all(
      [...byGroup.values()].map((members) => {
        const leaving = running.broker.coordinator.leave(members[0]!.group, members[0]!.topic, members);
        for (const member of members) member.markClosed(leaving);
        return leaving;
      }),
    );
    this.subscriptions.clear();
    this.running = undefined;
    clearInterval(running.keepAlive);
    running.broker.release();
    if (!this.options.idempotencyStore) await running.idempotency.close();
    running.log.close();
  }

  async ensureTopics(topics: readonly TopicRef[], options?: Partial<EnsureTopicsOptions>): Promise<void> {
    const { log } = this.require();
    const partitions = options?.partitions ?? this.partitions;
    for (const topic of topics) {
      const name = typeof topic === 'string' ? topic : topic.name;
      const actual = log.createTopic(name, partitions);
      if (!name.endsWith(DLQ_SUFFIX)) log.createTopic(dlqTopicName(name), actual);
    }
  }

  async publish<S extends DescMessage>(
    topic: TopicSpec<S>,
    payload: MessageShape<S>,
    options: PublishOptions,
  ): Promise<PublishedEvent> {
    return tracedPublish(topic.name, options, async (traced) => {
      const encoded = encodeEvent(topic, payload, traced);
      const appended = this.append(topic.name, encoded);
      this.options.observer?.published?.(topic.name);
      return { eventId: encoded.eventId, ...appended };
    });
  }

  async publishRaw(topic: string, record: RawRecord): Promise<PublishedEvent> {
    const appended = this.append(topic, record, record.partition);
    return { eventId: record.headers[EventHeaders.eventId] ?? derivedEventId(appended), ...appended };
  }

  async subscribe<S extends DescMessage>(
    topic: TopicSpec<S>,
    options: SubscribeOptions<S>,
  ): Promise<Subscription> {
    return this.join(topic.name, options.group, { kind: 'event', topic, options }, options);
  }

  async subscribeBatch<S extends DescMessage>(
    topic: TopicSpec<S>,
    options: BatchSubscribeOptions<S>,
  ): Promise<Subscription> {
    validateBatchBounds(options.batch);
    return this.join(topic.name, options.group, { kind: 'batch', topic, options }, options);
  }

  async subscribeRaw(topic: string, options: RawSubscribeOptions): Promise<Subscription> {
    return this.join(topic, options.group, { kind: 'raw', options }, options);
  }

  health(): Promise<void> {
    this.require();
    return Promise.resolve();
  }

  consumerLag(): Promise<ConsumerLag[]> {
    const { log } = this.require();
    const lags: ConsumerLag[] = [];
    for (const subscription of this.subscriptions) {
      const { group, topic } = subscription;
      for (const partition of subscription.assignedPartitions()) {
        const lag = log.endOffset(topic, partition) - log.committedOffset(group, topic, partition);
        lags.push({ group, topic, partition, lag: Math.max(0, lag) });
      }
    }
    return Promise.resolve(lags);
  }

  /** Admin: the group restarts `topic` from offset 0. Call while the group has no active member. */
  async resetGroupOffsets(group: string, topic: string): Promise<void> {
    this.require().log.resetOffsets(group, topic);
  }

  private append(topic: string, record: RawRecord, partition?: number): Omit<PublishedEvent, 'eventId'> {
    const { log, broker } = this.require();
    const count = log.partitions(topic) ?? log.createTopic(topic, this.partitions);
    const target =
      partition ?? (record.key === null ? this.nextUnkeyed++ % count : partitionFor(record.key, count));
    if (!Number.isInteger(target) || target < 0 || target >= count) {
      throw new Error(`partition ${target} does not exist on ${topic} (${count} partitions)`);
    }
    const offset = log.append(topic, target, record, Date.now());
    broker.notifier.notify(topic, target);
    return { topic, partition: target, offset: String(offset) };
  }

  private async join(
    topic: string,
    group: string,
    target: DeliveryTarget,
    retry: RetryOptions,
  ): Promise<Subscription> {
    const { log, broker, idempotency } = this.require();
    const partitions = log.partitions(topic) ?? log.createTopic(topic, this.partitions);
    const logger = this.logger.child({ topic, group });
    const context: Omit<DeliveryContext, 'signal'> = {
      group,
      retry: resolveRetryPolicy(retry, this.retry),
      idempotency,
      logger,
      ...(this.options.observer ? { observer: this.options.observer } : {}),
      deadLetter: async (dlq, record) => {
        this.append(dlq, record);
      },
    };
    const startWorker = (partition: number): PartitionWorker =>
      new PartitionWorker({
        log,
        notifier: broker.notifier,
        topic,
        partition,
        target,
        context,
        logger,
        batchSize: this.options.batchSize ?? 100,
      });
    const subscription = new EmbeddedSubscription(group, topic, broker.coordinator, startWorker, (closed) =>
      this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    await broker.coordinator.join(group, topic, partitions, subscription);
    return subscription;
  }

  private require(): Running {
    if (!this.running)
      throw new Error(
        this.stopped ? 'EmbeddedEventBus is stopped' : 'EmbeddedEventBus is not started: call start()',
      );
    return this.running;
  }
}
