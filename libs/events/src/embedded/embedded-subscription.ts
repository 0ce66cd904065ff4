import type { Subscription } from '../event-bus.port.js';
import type { GroupCoordinator, GroupMember } from './group-coordinator.js';
import type { PartitionWorker } from './partition-worker.js';

/** One member of an embedded consumer group: a worker per owned partition. */
export class EmbeddedSubscription implements Subscription, GroupMember {
  private readonly workers = new Map<number, PartitionWorker>();
  private closing: Promise<void> | undefined;

  constructor(
    readonly group: string,
    readonly topic: string,
    private readonly coordinator: GroupCoordinator,
    private readonly startWorker: (partition: number) => PartitionWorker,
    private readonly onClosed: (subscription: EmbeddedSubscription) => void,
  ) {}

  assign(partitions: readonly number[]): void {
    for (const partition of partitions) {
      if (!this.workers.has(partition)) this.workers.set(partition, this.startWorker(partition));
    }
  }

  async revoke(partitions: readonly number[]): Promise<void> {
    await Promise.all(
      partitions.map(async (partition) => {
        // The partition stays owned (and listed) until its in-flight record finished.
        await this.workers.get(partition)?.stop();
        this.workers.delete(partition);
      }),
    );
  }

  assignedPartitions(): readonly number[] {
    return [...this.workers.keys()].sort((a, b) => a - b);
  }

  close(): Promise<void> {
    this.closing ??= this.coordinator
      .leave(this.group, this.topic, [this])
      .finally(() => this.onClosed(this));
    return this.closing;
  }

  /** Marks the subscription closed by a bus-wide shutdown (the coordinator already removed it). */
  markClosed(closing: Promise<void>): void {
    this.closing ??= closing;
  }
}
