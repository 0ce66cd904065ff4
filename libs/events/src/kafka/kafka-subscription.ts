import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@cairn/observability';
import {
  deliver,
  deliverBatch,
  type DeliveryContext,
  type DeliveryTarget,
} from '../delivery/event-delivery.js';
import type { ConsumedRecord } from '../event-codec.js';
import type { Subscription } from '../event-bus.port.js';
import { kafkaGroupId, type KafkaConsumerTuning } from './kafka.options.js';

/** What a Kafka subscription needs from its bus. */
export interface KafkaSubscriptionDeps {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly group: string;
  readonly target: DeliveryTarget;
  readonly context: Omit<DeliveryContext, 'signal' | 'keepAlive'>;
  readonly tuning: Required<KafkaConsumerTuning>;
  readonly logger: Logger;
  readonly onClosed: (subscription: KafkaSubscription) => void;
}

/**
 * One kafkajs consumer (its own member of Kafka group `<group>:<topic>`).
 *
 * Commit strategy: `eachBatch` with `eachBatchAutoResolve: false`. Records of a partition are
 * delivered one at a time; only after a record was handled (or dead-lettered) is its offset
 * resolved. Resolved offsets are committed in batches: after `commitEvery` records or
 * `commitIntervalMs`, whichever comes first, at the end of every fetched batch, and before the
 * consumer gives up its partitions (close, rebalance, a failed heartbeat): a record that was handled
 * is committed before another member can own its partition. A crash can still lose the commit of
 * up to `commitEvery` handled records per partition; they are redelivered (at-least-once) and
 * skipped by their idempotency key or applied again by idempotent handlers.
 * Unlike `eachMessage`, this lets us stop mid-batch on shutdown or rebalance (`isRunning`,
 * `isStale`) without resolving the rest, and heartbeat between and during records.
 */
export class KafkaSubscription implements Subscription {
  private assigned: readonly number[] = [];
  private readonly closed = new AbortController();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly deps: KafkaSubscriptionDeps,
    private readonly consumer: Consumer,
  ) {}

  static async open(deps: KafkaSubscriptionDeps): Promise<KafkaSubscription> {
    const { tuning, logger } = deps;
    const consumer = deps.kafka.consumer({
      groupId: kafkaGroupId(deps.group, deps.topic),
      sessionTimeout: tuning.sessionTimeoutMs,
      heartbeatInterval: tuning.heartbeatIntervalMs,
      rebalanceTimeout: tuning.rebalanceTimeoutMs,
      ...fetchBounds(deps.target, tuning),
      allowAutoTopicCreation: false,
      retry: {
        restartOnFailure: async (error) => {
          logger.error({ err: error }, 'kafka consumer failed with a non-retriable error, restarting it');
          return true;
        },
      },
    });
    const subscription = new KafkaSubscription(deps, consumer);
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      subscription.assigned = [...(event.payload.memberAssignment[deps.topic] ?? [])].sort((a, b) => a - b);
      logger.info(
        { memberId: event.payload.memberId, partitions: subscription.assigned },
        'joined consumer group',
      );
    });
    consumer.on(consumer.events.CRASH, (event) => {
      logger.error({ err: event.payload.error, restart: event.payload.restart }, 'kafka consumer crashed');
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [deps.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      autoCommitThreshold: tuning.commitEvery,
      autoCommitInterval: tuning.commitIntervalMs,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
      eachBatch: (payload) => subscription.eachBatch(payload),
    });
    return subscription;
  }

  assignedPartitions(): readonly number[] {
    return this.assigned;
  }

  get topic(): string {
    return this.deps.topic;
  }

  get group(): string {
    return this.deps.group;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed.abort();
      // Waits for the running eachBatch (the in-flight record), then leaves the group.
      try {
        await this.consumer.disconnect();
      } finally {
        this.assigned = [];
        this.deps.onClosed(this);
      }
    })();
    return this.closing;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    let stoppedEarly = false;
    // Aborted on close or when a heartbeat fails (rebalance): pending retry waits stop, nothing more is resolved.
    const abort = new AbortController();
    const onClose = (): void => abort.abort();
    this.closed.signal.addEventListener('abort', onClose, { once: true });
    let heartbeatError: unknown;
    const context: DeliveryContext = {
      ...this.deps.context,
      signal: abort.signal,
      keepAlive: {
        intervalMs: this.deps.tuning.heartbeatIntervalMs,
        tick: async () => {
          try {
            await heartbeat();
          } catch (error) {
            heartbeatError ??= error;
            abort.abort();
          }
        },
      },
    };
    const { target } = this.deps;
    const step = target.kind === 'batch' ? target.options.batch.maxSize : 1;
    try {
      for (let start = 0; start < batch.messages.length; start += step) {
        if (!isRunning() || isStale() || abort.signal.aborted) {
          stoppedEarly = true;
          break;
        }
        const messages = batch.messages.slice(start, start + step);
        const records = messages.map((message) => toRecord(batch.topic, batch.partition, message));
        const outcome =
          target.kind === 'batch'
            ? await deliverBatch(records, target, context)
            : await deliver(records[0] as ConsumedRecord, target, context);
        if (outcome === 'aborted') {
          stoppedEarly = true;
          break;
        }
        resolveOffset((messages[messages.length - 1] as KafkaMessage).offset);
        await commitOffsetsIfNecessary();
        if (heartbeatError !== undefined) break;
        try {
          await heartbeat();
        } catch (error) {
          heartbeatError = error;
          break;
        }
      }
    } finally {
      this.closed.signal.removeEventListener('abort', onClose);
    }
    if (stoppedEarly || heartbeatError !== undefined) await this.commitHandled(payload);
    // Let kafkajs see the group error (rebalance, unknown member) and rejoin.
    if (heartbeatError !== undefined) {
      throw heartbeatError instanceof Error
        ? heartbeatError
        : new Error('heartbeat failed', { cause: heartbeatError });
    }
  }

  /**
   * Commits every resolved offset now, before the partitions may move (close, rebalance). A commit the
   * group refuses (this member was already evicted) leaves the records to their next owner.
   */
  private async commitHandled(payload: EachBatchPayload): Promise<void> {
    const handled = payload.uncommittedOffsets();
    if (handled.topics.length === 0) return;
    try {
      await payload.commitOffsetsIfNecessary(handled);
    } catch (error) {
      this.deps.logger.warn(
        { err: error },
        'could not commit handled records before giving up the partitions: their next owner gets them again',
      );
    }
  }
}

/** Batch subscriptions let the broker hold a fetch until it is worth a batch (fetch.min.bytes / max.wait). */
function fetchBounds(
  target: DeliveryTarget,
  tuning: Required<KafkaConsumerTuning>,
): { maxWaitTimeInMs: number; minBytes?: number } {
  if (target.kind !== 'batch') return { maxWaitTimeInMs: tuning.maxWaitTimeMs };
  const { maxWaitMs, minBytes } = target.options.batch;
  if (maxWaitMs <= 0) return { maxWaitTimeInMs: tuning.maxWaitTimeMs };
  return { maxWaitTimeInMs: maxWaitMs, minBytes: minBytes ?? DEFAULT_BATCH_MIN_BYTES };
}

const DEFAULT_BATCH_MIN_BYTES = 64 * 1024;

function toRecord(topic: string, partition: number, message: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    headers: toHeaders(message.headers),
    value: message.value ?? new Uint8Array(),
    timestamp: new Date(Number(message.timestamp)),
  };
}

function toHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) result[name] = last.toString();
  }
  return result;
}
