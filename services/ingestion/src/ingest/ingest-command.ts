/** A document to ingest, as both gRPC and the ingress topic deliver it (transport-free). */
export interface IngestCommand {
  readonly tenant: string;
  readonly collection: string;
  readonly externalId: string;
  readonly title: string;
  readonly sourceUri: string;
  readonly mimeType: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly content: { readonly text: string } | { readonly data: Uint8Array } | undefined;
  readonly idempotencyKey: string;
  readonly requestId: string;
  readonly principal: string;
  readonly traceparent: string | undefined;
}

/** What an ingest did. */
export interface IngestOutcome {
  readonly documentId: string;
  readonly version: number;
  readonly status: 'received' | 'chunked' | 'indexed' | 'failed' | 'deleted';
  /** Same content as the current version: nothing was re-chunked or re-embedded. */
  readonly unchanged: boolean;
  readonly chunkCount: number;
  readonly newChunkCount: number;
  readonly removedChunkCount: number;
}

/** A request the service refuses, with a machine-readable reason (maps to INVALID_ARGUMENT / NOT_FOUND). */
export class IngestRejectedError extends Error {
  override readonly name = 'IngestRejectedError';
  constructor(
    readonly reason: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The document does not exist for this tenant. */
export class DocumentNotFoundError extends Error {
  override readonly name = 'DocumentNotFoundError';
}
