import type { Logger } from '@cairn/observability';
import {
  deliver,
  deliverBatch,
  type DeliveryContext,
  type DeliveryTarget,
} from '../delivery/event-delivery.js';
import type { ConsumedRecord } from '../event-codec.js';
import { pause } from '../delivery/retry-policy.js';
import type { LogNotifier } from './log-notifier.js';
import type { SqliteLog } from './sqlite-log.js';

/** What a partition worker needs. */
export interface PartitionWorkerDeps {
  readonly log: SqliteLog;
  readonly notifier: LogNotifier;
  readonly topic: string;
  readonly partition: number;
  readonly target: DeliveryTarget;
  readonly context: Omit<DeliveryContext, 'signal'>;
  readonly logger: Logger;
  readonly batchSize: number;
}

const ERROR_PAUSE_MS = 1_000;

/**
 * Consumes one partition for one group member: reads from the committed offset, delivers each
 * record in order, commits after each record is handled (or dead-lettered), and sleeps on the
 * notifier when caught up. `stop()` lets the in-flight record finish (and commit when it succeeded).
 */
export class PartitionWorker {
  private readonly abort = new AbortController();
  private readonly running: Promise<void>;

  constructor(private readonly deps: PartitionWorkerDeps) {
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { log, topic, partition, logger } = this.deps;
    const { group } = this.deps.context;
    const signal = this.abort.signal;
    const context: DeliveryContext = { ...this.deps.context, signal };
    const { target } = this.deps;
    while (!signal.aborted) {
      try {
        let next = log.committedOffset(group, topic, partition);
        if (target.kind === 'batch') {
          const records = await this.readBatch(next, target.options.batch, signal);
          if (records.length === 0 || signal.aborted) continue;
          const outcome = await deliverBatch(records, target, context);
          if (outcome === 'aborted') return;
          log.commit(
            group,
            topic,
            partition,
            Number((records[records.length - 1] as ConsumedRecord).offset) + 1,
          );
          continue;
        }
        const records = log.read(topic, partition, next, this.deps.batchSize);
        if (records.length === 0) {
          await this.deps.notifier.wait(topic, partition, signal);
          continue;
        }
        for (const record of records) {
          if (signal.aborted) return;
          const outcome = await deliver(record, target, context);
          if (outcome === 'aborted') return;
          next = Number(record.offset) + 1;
          log.commit(group, topic, partition, next);
        }
      } catch (error) {
        // DLQ, idempotency store or log failure: nothing was committed for the record; retry it.
        logger.error(
          { err: error, topic, partition, group },
          'embedded consumer failed, retrying from the committed offset',
        );
        await pause(ERROR_PAUSE_MS, signal);
      }
    }
  }

  /**
   * Up to `maxSize` records from `from`: waits for the first one, then up to `maxWaitMs` for the
   * batch to fill (each append wakes the wait, so a full batch goes at once).
   */
  private async readBatch(
    from: number,
    bounds: { readonly maxSize: number; readonly maxWaitMs: number },
    signal: AbortSignal,
  ): Promise<ConsumedRecord[]> {
    const { log, notifier, topic, partition } = this.deps;
    let records = log.read(topic, partition, from, bounds.maxSize);
    if (records.length === 0) {
      await notifier.wait(topic, partition, signal);
      return [];
    }
    const deadline = Date.now() + bounds.maxWaitMs;
    while (records.length < bounds.maxSize && !signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await notifier.wait(topic, partition, AbortSignal.any([signal, AbortSignal.timeout(left)]));
      records = log.read(topic, partition, from, bounds.maxSize);
    }
    return records;
  }
}
