import type { ChunkRecord, DocumentRecord, DocumentStatus } from '../document-registry.port.js';
import { DocumentRegistryError } from '../document-registry.port.js';

/** Qualified table names of one registry schema. */
export interface RegistryTables {
  schema: string;
  documents: string;
  chunks: string;
  claims: string;
}

/** Validates `schema` (a plain SQL identifier) and returns the quoted table names inside it. */
export function registryTables(schema: string): RegistryTables {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new DocumentRegistryError(
      `schema must match [a-z_][a-z0-9_]* (max 63 chars), got ${JSON.stringify(schema)}`,
    );
  return {
    schema: `"${schema}"`,
    documents: `"${schema}".registry_documents`,
    chunks: `"${schema}".registry_chunks`,
    claims: `"${schema}".registry_request_claims`,
  };
}

/** DDL of the registry (idempotent). `seq` orders `list` pages; placeholder rows have version 0. */
export function schemaStatements(t: RegistryTables): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${t.schema}`,
    `CREATE TABLE IF NOT EXISTS ${t.documents} (
      seq BIGINT GENERATED ALWAYS AS IDENTITY,
      tenant TEXT NOT NULL, document_id TEXT NOT NULL, collection TEXT NOT NULL, external_id TEXT NOT NULL,
      title TEXT NOT NULL DEFAULT '', source_uri TEXT NOT NULL DEFAULT '', mime_type TEXT NOT NULL DEFAULT '',
      metadata JSONB NOT NULL DEFAULT '{}', version INTEGER NOT NULL DEFAULT 0, content_hash TEXT NOT NULL DEFAULT '',
      status TEXT NOT NULL DEFAULT 'received', failure_reason TEXT,
      chunk_count INTEGER NOT NULL DEFAULT 0, size_bytes BIGINT NOT NULL DEFAULT 0,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, document_id),
      UNIQUE (tenant, collection, external_id))`,
    `CREATE INDEX IF NOT EXISTS registry_documents_seq ON ${t.documents} (tenant, seq)`,
    `CREATE INDEX IF NOT EXISTS registry_documents_status ON ${t.documents} (tenant, status, seq)`,
    `CREATE INDEX IF NOT EXISTS registry_documents_collection ON ${t.documents} (tenant, collection, seq)`,
    `CREATE TABLE IF NOT EXISTS ${t.chunks} (
      tenant TEXT NOT NULL, document_id TEXT NOT NULL, chunk_index INTEGER NOT NULL,
      chunk_id TEXT NOT NULL, chunk_hash TEXT NOT NULL, start_offset INTEGER NOT NULL, end_offset INTEGER NOT NULL,
      heading_path JSONB NOT NULL, token_count INTEGER NOT NULL,
      PRIMARY KEY (tenant, document_id, chunk_index))`,
    `CREATE TABLE IF NOT EXISTS ${t.claims} (
      tenant TEXT NOT NULL, idempotency_key TEXT NOT NULL, document_id TEXT NOT NULL,
      claimed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant, idempotency_key))`,
  ];
}

/** A row as `pg` returns it (int8 and COUNT as strings, jsonb parsed, timestamptz as Date). */
export type PgRow = Record<string, unknown>;

function str(row: PgRow, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new Error(`registry row: column ${column} is not text`);
  return value;
}

function int(row: PgRow, column: string): number {
  const value = Number(row[column]);
  if (!Number.isFinite(value)) throw new Error(`registry row: column ${column} is not a number`);
  return value;
}

function date(row: PgRow, column: string): Date {
  const value = row[column];
  if (!(value instanceof Date)) throw new Error(`registry row: column ${column} is not a timestamp`);
  return value;
}

/** Maps a `registry_documents` row. */
export function pgToDocument(row: PgRow): DocumentRecord {
  const metadata = row['metadata'];
  if (typeof metadata !== 'object' || metadata === null)
    throw new Error('registry row: metadata is not an object');
  const record: DocumentRecord = {
    documentId: str(row, 'document_id'),
    tenant: str(row, 'tenant'),
    collection: str(row, 'collection'),
    externalId: str(row, 'external_id'),
    title: str(row, 'title'),
    sourceUri: str(row, 'source_uri'),
    mimeType: str(row, 'mime_type'),
    metadata: { ...(metadata as Record<string, string>) },
    version: int(row, 'version'),
    contentHash: str(row, 'content_hash'),
    status: str(row, 'status') as DocumentStatus,
    chunkCount: int(row, 'chunk_count'),
    sizeBytes: int(row, 'size_bytes'),
    createdAt: date(row, 'created_at'),
    updatedAt: date(row, 'updated_at'),
  };
  if (typeof row['failure_reason'] === 'string') record.failureReason = row['failure_reason'];
  return record;
}

/** Maps a `registry_chunks` row. */
export function pgToChunk(row: PgRow): ChunkRecord {
  const headingPath = row['heading_path'];
  if (!Array.isArray(headingPath)) throw new Error('registry row: heading_path is not an array');
  return {
    chunkId: str(row, 'chunk_id'),
    chunkHash: str(row, 'chunk_hash'),
    index: int(row, 'chunk_index'),
    startOffset: int(row, 'start_offset'),
    endOffset: int(row, 'end_offset'),
    headingPath: headingPath.map(String),
    tokenCount: int(row, 'token_count'),
  };
}
