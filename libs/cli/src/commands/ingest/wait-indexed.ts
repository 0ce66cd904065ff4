import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import type { CommandContext } from '../command.js';
import type { IngestTally } from './ingest-summary.js';
import type { ProgressBar } from './progress-bar.js';

const POLL_MS = 250;

/** How waiting for the index ended. */
export interface WaitOutcome {
  /** Documents searchable at their ingested version. */
  readonly indexed: number;
  /** Documents the embedding service could not index, with why. */
  readonly failed: readonly { readonly name: string; readonly reason: string }[];
  /** Documents still not indexed when the time was up. */
  readonly pending: readonly string[];
}

/**
 * `ingest --wait`: polls GetDocument for every document ingested (or unchanged) until its version
 * is INDEXED — searchable — or FAILED, or `timeoutMs` passed. Ingestion acknowledges a document once
 * it is chunked; embedding and indexing follow asynchronously.
 */
export async function waitIndexed(
  context: CommandContext,
  tally: IngestTally,
  progress: ProgressBar,
  timeoutMs: number,
): Promise<WaitOutcome> {
  const client = context.client(IngestionService);
  const waiting = new Map(tally.accepted().map((a) => [a.documentId, a]));
  const failed: { name: string; reason: string }[] = [];
  const total = waiting.size;
  const deadline = Date.now() + timeoutMs;
  let indexed = 0;
  while (waiting.size > 0 && Date.now() < deadline) {
    for (const [documentId, accepted] of waiting) {
      const { document } = await client.getDocument(
        { tenant: context.global.tenant, documentId },
        context.unary(),
      );
      if (!document || document.version < accepted.version) continue;
      if (document.status === DocumentStatus.INDEXED) {
        indexed++;
        waiting.delete(documentId);
      } else if (document.status === DocumentStatus.FAILED) {
        failed.push({ name: accepted.name, reason: document.failureReason || 'indexing failed' });
        waiting.delete(documentId);
      }
    }
    progress.update(indexed + failed.length, failed.length, `indexing ${indexed}/${total}`);
    if (waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    context.signal.throwIfAborted();
  }
  return { indexed, failed, pending: [...waiting.values()].map((a) => a.name) };
}
