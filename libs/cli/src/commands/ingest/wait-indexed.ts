import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { GrpcError, Status } from '@cairn/grpc';
import type { CommandContext } from '../command.js';
import type { IngestTally } from './ingest-summary.js';
import type { ProgressBar } from './progress-bar.js';

const POLL_MS = 250;
/** Longest one look at a document may take. */
const LOOK_TIMEOUT_MS = 60_000;
/** Looks that fail with these are tried again. */
const RETRIED = new Set([Status.DEADLINE_EXCEEDED, Status.UNAVAILABLE]);

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
      // A busy server (it is embedding what was just sent) may answer slowly: a look that times out
      // is tried again on the next round, until the wait's own deadline.
      const remaining = Math.max(1, deadline - Date.now());
      const look = await client
        .getDocument(
          { tenant: context.global.tenant, documentId },
          { ...context.stream(), deadlineMs: Math.min(remaining, LOOK_TIMEOUT_MS) },
        )
        .catch((error: unknown) => {
          if (error instanceof GrpcError && RETRIED.has(error.code)) return undefined;
          throw error;
        });
      if (Date.now() >= deadline) break;
      const document = look?.document;
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
