import { Kafka, type Admin, type IHeaders, type Producer, type RecordMetadata } from 'kafkajs';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { createLogger, type Logger } from '@cairn/observability';
import type { DeliveryContext, DeliveryTarget } from '../delivery/event-delivery.js';
import { resolveRetryPolicy, validateBatchBounds, type RetryPolicy } from '../delivery/retry-policy.js';
import { derivedEventId, encodeEvent } from '../event-codec.js';
import {
  DLQ_SUFFIX,
  dlqTopicName,
  EventBusUnavailableError,
  type EnsureTopicsOptions,
  type EventBus,
  type PublishedEvent,
  type PublishOptions,
  type RawRecord,
  type BatchSubscribeOptions,
  type ConsumerLag,
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
import { InMemoryIdempotencyStore } from '../idempotency/in-memory.idempotency-store.js';
import { isKafkaUnavailable } from './kafka-errors.js';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-log-creator.js';
import { cairnPartitioner } from './kafka-partitioner.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { kafkaGroupId, type KafkaConsumerTuning, type KafkaEventBusOptions } from './kafka.options.js';

const DEFAULT_TUNING: Required<KafkaConsumerTuning> = {
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  maxWaitTimeMs: 5_000,
  partitionsConsumedConcurrently: 1,
  commitEvery: 100,
  commitIntervalMs: 1_000,
};

interface Connected {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
}

/**
 * `EventBus` on Apache Kafka (kafkajs): idempotent producer (acks=all, one request in flight; an
 * append the cluster could not take is an `EventBusUnavailableError`),
 * topics and DLQs created by an admin step, one consumer per subscription committing offsets only
 * after the handler succeeded, heartbeats while handlers run, crashed consumers restarted.
 */
export class KafkaEventBus implements EventBus {
  private connected: Connected | undefined;
  private starting: Promise<Connected> | undefined;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly knownTopics = new Set<string>();
  private readonly logger: Logger;
  private readonly tuning: Required<KafkaConsumerTuning>;
  private readonly retry: RetryPolicy;
  private readonly idempotency: IdempotencyStore;

  constructor(private readonly options: KafkaEventBusOptions) {
    if (options.brokers.length === 0) throw new Error('KafkaEventBus needs at least one broker');
    this.logger = (options.logger ?? createLogger({ service: 'cairn-events' })).child({
      component: 'kafka-event-bus',
    });
    this.tuning = { ...DEFAULT_TUNING, ...options.consumer };
    this.retry = resolveRetryPolicy(options.retry ?? {});
    this.idempotency = options.idempotencyStore ?? new InMemoryIdempotencyStore();
  }

  async start(): Promise<void> {
    this.starting ??= this.connect();
    this.connected = await this.starting;
  }

  async stop(): Promise<void> {
    const starting = this.starting;
    if (!starting) return;
    const { admin, producer } = await starting;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.subscriptions.clear();
    await producer.disconnect();
    await admin.disconnect();
    if (!this.options.idempotencyStore) await this.idempotency.close();
    this.connected = undefined;
    this.starting = undefined;
  }

  async ensureTopics(topics: readonly TopicRef[], options?: Partial<EnsureTopicsOptions>): Promise<void> {
    const { admin } = this.require();
    const names = new Set<string>();
    for (const topic of topics) {
      const name = typeof topic === 'string' ? topic : topic.name;
      names.add(name);
      if (!name.endsWith(DLQ_SUFFIX)) names.add(dlqTopicName(name));
    }
    const existing = new Set(await admin.listTopics());
    const missing = [...names].filter((name) => !existing.has(name));
    if (missing.length > 0) {
      const numPartitions = options?.partitions ?? this.options.partitions ?? 3;
      const replicationFactor = options?.replicationFactor ?? this.options.replicationFactor ?? 1;
      // Resolves false (no throw) when a concurrent creator won the race for every topic.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor })),
      });
      await this.waitForLeaders(missing);
      this.logger.info({ topics: missing, numPartitions, replicationFactor }, 'created topics');
    }
    for (const name of names) this.knownTopics.add(name);
  }

  /**
   * Waits until every partition of the new topics has a leader. kafkajs's own wait retries only on
   * LEADER_NOT_AVAILABLE, while a KRaft broker under load may still answer UNKNOWN_TOPIC_OR_PARTITION
   * for a topic it has just created; both mean "not yet" here.
   */
  private async waitForLeaders(topics: readonly string[], timeoutMs = 30_000): Promise<void> {
    const { admin } = this.require();
    const deadline = Date.now() + timeoutMs;
    let delayMs = 50;
    for (;;) {
      try {
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
        const ready = metadata.every(
          (topic) =>
            topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0),
        );
        if (ready) return;
      } catch (error) {
        const type = (error as { type?: string }).type;
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
      }
      if (Date.now() > deadline)
        throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 1000);
    }
  }

  async publish<S extends DescMessage>(
    topic: TopicSpec<S>,
    payload: MessageShape<S>,
    options: PublishOptions,
  ): Promise<PublishedEvent> {
    return tracedPublish(topic.name, options, async (traced) => {
      const encoded = encodeEvent(topic, payload, traced);
      const appended = await this.send(topic.name, encoded);
      this.options.observer?.published?.(topic.name);
      return { eventId: encoded.eventId, ...appended };
    });
  }

  async publishRaw(topic: string, record: RawRecord): Promise<PublishedEvent> {
    const appended = await this.send(topic, record, record.partition);
    return { eventId: record.headers[EventHeaders.eventId] ?? derivedEventId(appended), ...appended };
  }

  async subscribe<S extends DescMessage>(
    topic: TopicSpec<S>,
    options: SubscribeOptions<S>,
  ): Promise<Subscription> {
    return this.open(topic.name, options.group, { kind: 'event', topic, options }, options);
  }

  async subscribeBatch<S extends DescMessage>(
    topic: TopicSpec<S>,
    options: BatchSubscribeOptions<S>,
  ): Promise<Subscription> {
    validateBatchBounds(options.batch);
    return this.open(topic.name, options.group, { kind: 'batch', topic, options }, options);
  }

  async subscribeRaw(topic: string, options: RawSubscribeOptions): Promise<Subscription> {
    return this.open(topic, options.group, { kind: 'raw', options }, options);
  }

  async health(): Promise<void> {
    const { admin } = this.require();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('the Kafka cluster reports no broker');
  }

  async consumerLag(): Promise<ConsumerLag[]> {
    const { admin } = this.require();
    const lags: ConsumerLag[] = [];
    for (const subscription of this.subscriptions) {
      const owned = subscription.assignedPartitions();
      if (owned.length === 0) continue;
      const { topic, group } = subscription;
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId: kafkaGroupId(group, topic), topics: [topic] }),
      ]);
      const committedOf = new Map(
        (committed.find((entry) => entry.topic === topic)?.partitions ?? []).map((p) => [
          p.partition,
          Number(p.offset),
        ]),
      );
      for (const end of ends) {
        if (!owned.includes(end.partition)) continue;
        const high = Number(end.high);
        const start = committedOf.get(end.partition) ?? -1;
        const from = start >= 0 ? start : Number(end.low);
        lags.push({ group, topic, partition: end.partition, lag: Math.max(0, high - from) });
      }
    }
    return lags;
  }

  /** Admin: the group restarts `topic` from the earliest offset. The group must have no active member. */
  async resetGroupOffsets(group: string, topic: string): Promise<void> {
    // Our Kafka groups are per (group, topic), so deleting the (empty) group forgets exactly these
    // offsets; kafkajs's admin.resetOffsets does the same but waits out a full fetch (maxWaitTime, 5 s).
    await this.require().admin.deleteGroups([kafkaGroupId(group, topic)]);
  }

  private async connect(): Promise<Connected> {
    const kafka = new Kafka({
      clientId: this.options.clientId ?? 'cairn',
      brokers: [...this.options.brokers],
      logLevel: kafkaLogLevel(this.logger),
      logCreator: kafkaLogCreator(this.logger),
      ...(this.options.connectionTimeoutMs === undefined
        ? {}
        : { connectionTimeout: this.options.connectionTimeoutMs }),
      ...(this.options.requestTimeoutMs === undefined
        ? {}
        : { requestTimeout: this.options.requestTimeoutMs }),
    });
    const admin = kafka.admin();
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: cairnPartitioner,
    });
    await admin.connect();
    await producer.connect();
    this.connected = { kafka, admin, producer };
    if (this.options.topics && this.options.topics.length > 0) await this.ensureTopics(this.options.topics);
    return this.connected;
  }

  private async send(
    topic: string,
    record: RawRecord,
    partition?: number,
  ): Promise<Omit<PublishedEvent, 'eventId'>> {
    const { producer } = this.require();
    const headers: IHeaders = { ...record.headers };
    let sent: RecordMetadata[];
    try {
      sent = await producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key: record.key,
            value: Buffer.from(record.value),
            headers,
            ...(partition === undefined ? {} : { partition }),
          },
        ],
      });
    } catch (error) {
      if (!isKafkaUnavailable(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new EventBusUnavailableError(`Kafka did not acknowledge the append to ${topic}: ${reason}`, {
        cause: error,
      });
    }
    const [metadata] = sent;
    if (!metadata) throw new Error(`no acknowledgement for ${topic}`);
    return { topic, partition: metadata.partition, offset: offsetOf(metadata) };
  }

  private async open(
    topic: string,
    group: string,
    target: DeliveryTarget,
    retry: RetryOptions,
  ): Promise<Subscription> {
    const { kafka } = this.require();
    const logger = this.logger.child({ topic, group });
    const context: Omit<DeliveryContext, 'signal' | 'keepAlive'> = {
      group,
      retry: resolveRetryPolicy(retry, this.retry),
      idempotency: this.idempotency,
      logger,
      ...(this.options.observer ? { observer: this.options.observer } : {}),
      deadLetter: async (dlq, record) => {
        if (!this.knownTopics.has(dlq)) await this.ensureTopics([dlq]);
        await this.send(dlq, record);
      },
    };
    const onClosed = (closed: KafkaSubscription): void => void this.subscriptions.delete(closed);
    const subscription = await KafkaSubscription.open({
      kafka,
      topic,
      group,
      target,
      context,
      tuning: this.tuning,
      logger,
      onClosed,
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  private require(): Connected {
    if (!this.connected) throw new Error('KafkaEventBus is not started: call start()');
    return this.connected;
  }
}

function offsetOf(metadata: RecordMetadata): string {
  const offset = metadata.baseOffset ?? metadata.offset;
  if (offset === undefined)
    throw new Error(`the broker returned no offset for ${metadata.topicName}/${metadata.partition}`);
  return offset;
}
