import type { ChunkRecord, DocumentRecord, DocumentStatus } from '../document-registry.port.js';
import { parseStringMap } from '../registry-support.js';

/** Schema of the SQLite registry (idempotent). `seq` orders `list` pages. */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS registry_documents (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant TEXT NOT NULL, document_id TEXT NOT NULL, collection TEXT NOT NULL, external_id TEXT NOT NULL,
  title TEXT NOT NULL, source_uri TEXT NOT NULL, mime_type TEXT NOT NULL, metadata TEXT NOT NULL,
  version INTEGER NOT NULL, content_hash TEXT NOT NULL, status TEXT NOT NULL, failure_reason TEXT,
  chunk_count INTEGER NOT NULL, size_bytes INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  UNIQUE (tenant, document_id), UNIQUE (tenant, collection, external_id));
CREATE INDEX IF NOT EXISTS registry_documents_status ON registry_documents (tenant, status, seq);
CREATE INDEX IF NOT EXISTS registry_documents_collection ON registry_documents (tenant, collection, seq);
CREATE TABLE IF NOT EXISTS registry_chunks (
  tenant TEXT NOT NULL, document_id TEXT NOT NULL, chunk_index INTEGER NOT NULL,
  chunk_id TEXT NOT NULL, chunk_hash TEXT NOT NULL, start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL,
  heading_path TEXT NOT NULL, token_count INTEGER NOT NULL,
  PRIMARY KEY (tenant, document_id, chunk_index)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registry_request_claims (
  tenant TEXT NOT NULL, idempotency_key TEXT NOT NULL, document_id TEXT NOT NULL, claimed_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, idempotency_key)) WITHOUT ROWID;
`;

/** A row as node:sqlite returns it. */
export type SqliteRow = Record<string, unknown>;

function text(row: SqliteRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new Error(`registry row: column ${column} is not text`);
  return value;
}

function num(row: SqliteRow, column: string): number {
  const value = row[column];
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'number') throw new Error(`registry row: column ${column} is not a number`);
  return value;
}

/** Maps a `registry_documents` row. */
export function toDocument(row: SqliteRow): DocumentRecord {
  const record: DocumentRecord = {
    documentId: text(row, 'document_id'),
    tenant: text(row, 'tenant'),
    collection: text(row, 'collection'),
    externalId: text(row, 'external_id'),
    title: text(row, 'title'),
    sourceUri: text(row, 'source_uri'),
    mimeType: text(row, 'mime_type'),
    metadata: parseStringMap(text(row, 'metadata')),
    version: num(row, 'version'),
    contentHash: text(row, 'content_hash'),
    status: text(row, 'status') as DocumentStatus,
    chunkCount: num(row, 'chunk_count'),
    sizeBytes: num(row, 'size_bytes'),
    createdAt: new Date(num(row, 'created_at')),
    updatedAt: new Date(num(row, 'updated_at')),
  };
  const reason = row['failure_reason'];
  if (typeof reason === 'string') record.failureReason = reason;
  return record;
}

/** Maps a `registry_chunks` row. */
export function toChunk(row: SqliteRow): ChunkRecord {
  const headingPath: unknown = JSON.parse(text(row, 'heading_path'));
  if (!Array.isArray(headingPath)) throw new Error('registry row: heading_path is not an array');
  return {
    chunkId: text(row, 'chunk_id'),
    chunkHash: text(row, 'chunk_hash'),
    index: num(row, 'chunk_index'),
    startOffset: num(row, 'start_offset'),
    endOffset: num(row, 'end_offset'),
    headingPath: headingPath.map(String),
    tokenCount: num(row, 'token_count'),
  };
}
