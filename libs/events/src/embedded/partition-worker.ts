import type { Logger } from '@cairn/observability';
import { deliver, type DeliveryContext, type DeliveryTarget } from '../delivery/event-delivery.js';
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
    while (!signal.aborted) {
      try {
        let next = log.committedOffset(group, topic, partition);
        const records = log.read(topic, partition, next, this.deps.batchSize);
        if (records.length === 0) {
          await this.deps.notifier.wait(topic, partition, signal);
          continue;
        }
        for (const record of records) {
          if (signal.aborted) return;
          const outcome = await deliver(record, this.deps.target, context);
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
}
