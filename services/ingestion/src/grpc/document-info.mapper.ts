import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  DocumentInfoSchema,
  DocumentStatus,
  IngestResponseSchema,
  type DocumentInfo,
  type IngestResponse,
} from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import type { DocumentRecord, DocumentStatus as RegistryStatus } from '@cairn/document-registry';
import type { IngestOutcome } from '../ingest/ingest-command.js';

const STATUS: Record<RegistryStatus, DocumentStatus> = {
  received: DocumentStatus.RECEIVED,
  chunked: DocumentStatus.CHUNKED,
  indexed: DocumentStatus.INDEXED,
  failed: DocumentStatus.FAILED,
  deleted: DocumentStatus.DELETED,
};

/** Registry status → protobuf enum. */
export function toStatus(status: RegistryStatus): DocumentStatus {
  return STATUS[status];
}

/** Registry record → `DocumentInfo`. */
export function toDocumentInfo(record: DocumentRecord): DocumentInfo {
  return create(DocumentInfoSchema, {
    documentId: record.documentId,
    tenant: record.tenant,
    collection: record.collection,
    externalId: record.externalId,
    title: record.title,
    sourceUri: record.sourceUri,
    mimeType: record.mimeType,
    metadata: record.metadata,
    version: record.version,
    contentHash: record.contentHash,
    status: toStatus(record.status),
    failureReason: record.failureReason ?? '',
    chunkCount: record.chunkCount,
    createdAt: timestampFromDate(record.createdAt),
    updatedAt: timestampFromDate(record.updatedAt),
    sizeBytes: record.sizeBytes,
  });
}

/** Ingest outcome → `IngestResponse`. */
export function toIngestResponse(outcome: IngestOutcome, requestId: string): IngestResponse {
  return create(IngestResponseSchema, {
    documentId: outcome.documentId,
    version: outcome.version,
    status: toStatus(outcome.status),
    unchanged: outcome.unchanged,
    chunkCount: outcome.chunkCount,
    newChunkCount: outcome.newChunkCount,
    removedChunkCount: outcome.removedChunkCount,
    requestId,
  });
}
