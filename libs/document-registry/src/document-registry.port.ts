/** Lifecycle of one document version. `deleted` is a tombstone: the record stays, its chunks are gone. */
export type DocumentStatus = 'received' | 'chunked' | 'indexed' | 'failed' | 'deleted';

/** Every status, in a stable order (for `counts().byStatus`). */
export const DOCUMENT_STATUSES: readonly DocumentStatus[] = [
  'received',
  'chunked',
  'indexed',
  'failed',
  'deleted',
];

/** The registry's view of one document: its current version, content hash and status. */
export interface DocumentRecord {
  documentId: string;
  tenant: string;
  collection: string;
  /** The client's id for the document; unique per (tenant, collection). */
  externalId: string;
  title: string;
  sourceUri: string;
  mimeType: string;
  metadata: Record<string, string>;
  /** 1 for the first ingest; +1 on each change (including a re-ingest after delete). */
  version: number;
  contentHash: string;
  status: DocumentStatus;
  /** Set while `status` is `failed`. */
  failureReason?: string;
  chunkCount: number;
  sizeBytes: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One chunk of the current version of a document, in document order (`index` from 0). */
export interface ChunkRecord {
  chunkId: string;
  chunkHash: string;
  index: number;
  startOffset: number;
  endOffset: number;
  headingPath: string[];
  tokenCount: number;
}

/** A new (or unchanged) version of a document, as the ingestion service computed it. */
export interface RecordVersionInput {
  tenant: string;
  /**
   * The document to version. Without it the document is found by (tenant, collection, externalId)
   * and a new id is generated if there is none.
   */
  documentId?: string;
  collection: string;
  externalId: string;
  title: string;
  sourceUri: string;
  mimeType: string;
  metadata: Record<string, string>;
  contentHash: string;
  sizeBytes: number;
  /** The complete chunk set of this version (replaces the previous set). */
  chunks: ChunkRecord[];
}

/** What `recordVersion` did. */
export interface RecordVersionResult {
  /**
   * `created`: first version, or the first after a delete; `updated`: the content changed (or the
   * previous version failed) and the version was bumped; `unchanged`: same hash, nothing written.
   */
  outcome: 'created' | 'updated' | 'unchanged';
  record: DocumentRecord;
  /** The chunk set this call replaced (empty for `created` and `unchanged`). */
  previousChunks: ChunkRecord[];
  /**
   * Status of the version this call replaced (undefined for a first version): only an `indexed`
   * one is known to be in the vector tier, so only against it may a new version send just its
   * new chunks.
   */
  previousStatus: DocumentStatus | undefined;
}

/** Filter and page of `list`. */
export interface ListDocumentsQuery {
  collection?: string;
  /** Without it, tombstones (`deleted`) are left out. */
  status?: DocumentStatus;
  /** 1..1000. */
  pageSize: number;
  /** Opaque token from a previous page; empty or absent for the first page. */
  pageToken?: string;
}

/** One page of documents, oldest first; `nextPageToken` is empty on the last page. */
export interface DocumentPage {
  documents: DocumentRecord[];
  nextPageToken: string;
}

/** A tenant's totals. `documents` excludes tombstones; `byStatus` counts every status. */
export interface RegistryCounts {
  documents: number;
  chunks: number;
  byStatus: Record<DocumentStatus, number>;
}

/** Health of the registry backend. */
export interface DocumentRegistryHealth {
  ok: boolean;
  backend: 'sqlite' | 'postgres';
  detail?: string;
}

/**
 * Per-tenant record of each document's versions, hashes, chunks and status: the basis of the
 * ingestion service's exactly-once effect. The tenant is part of every key; no call crosses tenants.
 */
export interface DocumentRegistry {
  /** Creates tables and indexes if missing (idempotent). Call once before anything else. */
  migrate(): Promise<void>;
  get(tenant: string, documentId: string): Promise<DocumentRecord | undefined>;
  findByExternalId(
    tenant: string,
    collection: string,
    externalId: string,
  ): Promise<DocumentRecord | undefined>;
  /** Pages in a stable order (creation order) with an opaque cursor. */
  list(tenant: string, query: ListDocumentsQuery): Promise<DocumentPage>;
  /**
   * Atomically records a version: same `contentHash` as the current (non-failed, non-deleted)
   * version → `unchanged`, nothing written; otherwise bumps the version, replaces the chunk set and
   * sets status `chunked`. Concurrent calls for one document serialize.
   */
  recordVersion(input: RecordVersionInput): Promise<RecordVersionResult>;
  /**
   * Marks `version` indexed. Ignored (returns false) when `version` is not the current one (a late
   * event), the document is deleted or already indexed; idempotent.
   */
  markIndexed(tenant: string, documentId: string, version: number): Promise<boolean>;
  /** Marks `version` failed with `reason`; ignored (false) under the same rules as `markIndexed`. */
  markFailed(tenant: string, documentId: string, version: number, reason: string): Promise<boolean>;
  /**
   * Removes the document's chunks and leaves a tombstone (status `deleted`, same version).
   * Returns the removed chunks (empty if unknown or already deleted).
   */
  markDeleted(tenant: string, documentId: string): Promise<ChunkRecord[]>;
  /** The current chunk set, by index. */
  chunks(tenant: string, documentId: string): Promise<ChunkRecord[]>;
  counts(tenant: string): Promise<RegistryCounts>;
  /**
   * Stores a client-supplied idempotency key for `documentId`; true only for the first claim of
   * (tenant, key), whatever the document.
   */
  claimRequest(tenant: string, idempotencyKey: string, documentId: string): Promise<boolean>;
  health(): Promise<DocumentRegistryHealth>;
  close(): Promise<void>;
}

/** Error raised for invalid arguments or a conflicting request. */
export class DocumentRegistryError extends Error {
  constructor(
    message: string,
    readonly code: 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION' | 'UNAVAILABLE' = 'INVALID_ARGUMENT',
  ) {
    super(message);
    this.name = 'DocumentRegistryError';
  }
}
