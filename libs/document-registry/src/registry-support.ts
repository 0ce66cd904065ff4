import {
  DOCUMENT_STATUSES,
  type DocumentRecord,
  DocumentRegistryError,
  type DocumentStatus,
  type ListDocumentsQuery,
  type RecordVersionInput,
  type RegistryCounts,
} from './document-registry.port.js';

/** Largest page `list` serves. */
export const MAX_PAGE_SIZE = 1000;

/** Fails with INVALID_ARGUMENT when a key part is empty. */
export function requireKey(value: string, name: string): void {
  if (typeof value !== 'string' || value === '') throw new DocumentRegistryError(`${name} is required`);
}

/** Checks a `recordVersion` input before anything is read or written. */
export function validateVersionInput(input: RecordVersionInput): void {
  requireKey(input.tenant, 'tenant');
  requireKey(input.collection, 'collection');
  requireKey(input.externalId, 'externalId');
  requireKey(input.contentHash, 'contentHash');
  if (input.documentId !== undefined) requireKey(input.documentId, 'documentId');
  input.chunks.forEach((chunk, i) => {
    if (chunk.index !== i)
      throw new DocumentRegistryError(`chunks[${i}].index is ${chunk.index}, expected ${i}`);
    requireKey(chunk.chunkId, `chunks[${i}].chunkId`);
  });
}

/** What a `recordVersion` call writes, given the current record (locked by the caller). */
export type VersionDecision =
  | { outcome: 'unchanged' }
  | { outcome: 'created' | 'updated'; record: DocumentRecord; replacesChunks: boolean };

/**
 * The versioning rule shared by the adapters. A tombstone counts as absent (re-ingest → `created`
 * at the next version); a failed version is retried even with the same hash.
 */
export function decideVersion(
  current: DocumentRecord | undefined,
  input: RecordVersionInput,
  documentId: string,
  now: Date,
): VersionDecision {
  const live = current !== undefined && current.status !== 'deleted';
  if (live && current.contentHash === input.contentHash && current.status !== 'failed')
    return { outcome: 'unchanged' };
  const record: DocumentRecord = {
    documentId,
    tenant: input.tenant,
    collection: input.collection,
    externalId: input.externalId,
    title: input.title,
    sourceUri: input.sourceUri,
    mimeType: input.mimeType,
    metadata: { ...input.metadata },
    version: (current?.version ?? 0) + 1,
    contentHash: input.contentHash,
    status: 'chunked',
    chunkCount: input.chunks.length,
    sizeBytes: input.sizeBytes,
    createdAt: live ? current.createdAt : now,
    updatedAt: now,
  };
  return { outcome: live ? 'updated' : 'created', record, replacesChunks: live };
}

/** Whether a status event for `version` applies to `current` (same version, not a tombstone). */
export function statusEventApplies(
  current: Pick<DocumentRecord, 'version' | 'status'> | undefined,
  version: number,
  next: DocumentStatus,
): boolean {
  if (current === undefined || current.status === 'deleted' || current.version !== version) return false;
  return current.status !== next || next === 'failed';
}

/** Validates the page size and decodes the cursor (a position in creation order; 0 = start). */
export function readPageQuery(query: ListDocumentsQuery): { pageSize: number; after: number } {
  const { pageSize } = query;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw new DocumentRegistryError(`pageSize must be an integer in 1..${MAX_PAGE_SIZE}, got ${pageSize}`);
  if (query.status !== undefined && !DOCUMENT_STATUSES.includes(query.status))
    throw new DocumentRegistryError(`unknown status filter ${String(query.status)}`);
  const token = query.pageToken ?? '';
  if (token === '') return { pageSize, after: 0 };
  const match = /^p1:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (match?.[1] === undefined)
    throw new DocumentRegistryError('pageToken is not a token this registry issued');
  return { pageSize, after: Number(match[1]) };
}

/** The opaque token for the page after position `seq`. */
export function encodePageToken(seq: number): string {
  return Buffer.from(`p1:${seq}`, 'utf8').toString('base64url');
}

/** Counts with every status present (zero when absent). */
export function buildCounts(rows: Iterable<{ status: string; n: number }>, chunks: number): RegistryCounts {
  const byStatus = Object.fromEntries(DOCUMENT_STATUSES.map((s) => [s, 0])) as Record<DocumentStatus, number>;
  for (const row of rows)
    if (DOCUMENT_STATUSES.includes(row.status as DocumentStatus))
      byStatus[row.status as DocumentStatus] = row.n;
  const documents = DOCUMENT_STATUSES.filter((s) => s !== 'deleted').reduce((sum, s) => sum + byStatus[s], 0);
  return { documents, chunks, byStatus };
}

/** Parses a stored JSON string map, failing loudly on corrupt data. */
export function parseStringMap(json: string): Record<string, string> {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new DocumentRegistryError('stored metadata is not an object', 'FAILED_PRECONDITION');
  return value as Record<string, string>;
}
