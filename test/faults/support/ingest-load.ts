import { faultDocument, type AckLedger } from './ack-ledger.js';
import type { TenantClients } from './fault-topology.js';

/** Collection every fault scenario writes its documents to. */
export const FAULT_COLLECTION = 'field-notes';

/**
 * Ingests documents one after the other while a scenario breaks things: new documents, and every
 * third call a new revision of an earlier one (chunks retained, one replaced). Each call goes into
 * the ledger; a non-retryable failure stops the load and is reported by `stop()`.
 */
export class IngestLoad {
  private running = true;
  private next = 0;
  private readonly revisions = new Map<number, number>();
  private failure: Error | undefined;
  private readonly loop: Promise<void>;
  calls = 0;

  constructor(
    private readonly ledger: AckLedger,
    private readonly clients: TenantClients,
    private readonly prefix: string,
    private readonly pauseMs = 50,
  ) {
    this.loop = this.run();
  }

  /** Documents created so far. */
  get created(): number {
    return this.next;
  }

  /** Waits until `count` more calls were made (acknowledged or not). */
  async advance(count: number, timeoutMs = 60_000): Promise<void> {
    const target = this.calls + count;
    const deadline = Date.now() + timeoutMs;
    while (this.calls < target) {
      if (!this.running) throw new Error(`the load stopped: ${String(this.failure)}`);
      if (Date.now() > deadline)
        throw new Error(`the load made ${this.calls} of ${target} calls in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops after the call in flight; rethrows what stopped the load early. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    if (this.failure !== undefined) throw this.failure;
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.calls++;
      const update = this.calls % 3 === 0 && this.next > 0;
      const index = update ? (this.calls * 7) % this.next : this.next++;
      const revision = update ? (this.revisions.get(index) ?? 0) + 1 : 0;
      this.revisions.set(index, revision);
      try {
        await this.ledger.ingest(
          this.clients,
          FAULT_COLLECTION,
          `${this.prefix}-${index}`,
          faultDocument(index, revision),
        );
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        this.running = false;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}
