import type { MessageInitShape } from '@bufbuild/protobuf';
import type { IngestRequestSchema } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { GrpcError, Status } from '@cairn/grpc';
import type { TenantClients } from './fault-topology.js';

/** A document whose Ingest returned OK: what the platform promised to make searchable. */
export interface AckedDocument {
  readonly tenant: string;
  readonly collection: string;
  readonly externalId: string;
  readonly documentId: string;
  readonly version: number;
  readonly chunkCount: number;
  /** The acknowledged text: every chunk of the document must be a part of it. */
  readonly text: string;
}

/** Codes an Ingest may fail with while a dependency is down: the caller retries them. */
const RETRYABLE = new Set([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED]);

/** What the ledger saw of failed calls, for the report and for assertions on the codes. */
export interface FailedCall {
  readonly externalId: string;
  readonly code: string;
  readonly reason: string;
  readonly message: string;
}

/**
 * Documents whose Ingest returned OK, by (tenant, collection, external id), keeping the latest
 * acknowledged version; and the calls that failed. Only acknowledged documents are promised: a
 * failed call's document counts once a retry of it is acknowledged.
 */
export class AckLedger {
  private readonly acked = new Map<string, AckedDocument>();
  readonly failures: FailedCall[] = [];
  /** Requests not acknowledged yet (last attempt failed), by document. */
  private readonly pending = new Map<string, { clients: TenantClients; text: string; collection: string }>();

  get documents(): readonly AckedDocument[] {
    return [...this.acked.values()];
  }

  get size(): number {
    return this.acked.size;
  }

  /** Documents whose last Ingest failed and was not retried to an acknowledgement. */
  get unacknowledged(): readonly string[] {
    return [...this.pending.keys()];
  }

  /**
   * One Ingest call. OK → recorded; a retryable failure (UNAVAILABLE, DEADLINE_EXCEEDED) → kept
   * pending for `settle`; any other failure is thrown (it is a finding: the faults must not turn a
   * good document into an INTERNAL error).
   */
  async ingest(
    clients: TenantClients,
    collection: string,
    externalId: string,
    text: string,
    deadlineMs = 20_000,
  ): Promise<boolean> {
    const key = `${clients.tenant}/${collection}/${externalId}`;
    try {
      const response = await clients.ingestion.ingest(request(collection, externalId, text), { deadlineMs });
      this.pending.delete(key);
      this.acked.set(key, {
        tenant: clients.tenant,
        collection,
        externalId,
        documentId: response.documentId,
        version: response.version,
        chunkCount: response.chunkCount,
        text,
      });
      return true;
    } catch (error) {
      if (!(error instanceof GrpcError)) throw error;
      this.failures.push({
        externalId,
        code: error.codeName,
        reason: error.details?.reason ?? '',
        message: error.message,
      });
      if (!RETRYABLE.has(error.code)) {
        throw new Error(`Ingest of ${externalId} failed with ${error.codeName}: ${error.message}`, {
          cause: error,
        });
      }
      this.pending.set(key, { clients, text, collection });
      return false;
    }
  }

  /** Retries every unacknowledged document until it is acknowledged (a client that keeps trying). */
  async settle(deadlineMs = 120_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (this.pending.size > 0) {
      for (const [key, { clients, text, collection }] of [...this.pending]) {
        const externalId = key.slice(clients.tenant.length + collection.length + 2);
        await this.ingest(clients, collection, externalId, text);
      }
      if (this.pending.size === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`still not acknowledged after ${deadlineMs} ms: ${this.unacknowledged.join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Forgets a document (after a deliberate DeleteDocument). */
  forget(tenant: string, collection: string, externalId: string): void {
    this.acked.delete(`${tenant}/${collection}/${externalId}`);
  }
}

function request(
  collection: string,
  externalId: string,
  text: string,
): MessageInitShape<typeof IngestRequestSchema> {
  return {
    document: {
      collection,
      externalId,
      mimeType: 'text/markdown',
      content: { case: 'text', value: text },
    },
  };
}

/** A Markdown document of three sections; `revision` changes only the last one (two chunks retained). */
export function faultDocument(index: number, revision = 0): string {
  const topics = ['glaciers', 'tides', 'comets', 'volcanoes', 'forests', 'deserts', 'rivers'];
  const topic = topics[index % topics.length] ?? 'notes';
  return [
    `# Field note ${index}`,
    `## Observation ${index}`,
    `The ${topic} near station ${index} were measured at dawn; the team logged ${index * 7} readings.`,
    `## Method ${index}`,
    `Each reading of note ${index} was taken twice and averaged, as the protocol for ${topic} requires.`,
    `## Revision ${index}`,
    `This is revision ${revision} of note ${index}, written after ${revision + 1} visits to the ${topic}.`,
  ].join('\n\n');
}
