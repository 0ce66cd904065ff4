import { Inject, Injectable } from '@nestjs/common';
import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { EventMetaSchema } from '@cairn/contracts/cairn/common/v1/common';
import {
  DocumentChunkedSchema,
  DocumentDeletedSchema,
  ChunkSchema,
} from '@cairn/contracts/cairn/ingestion/v1/events';
import type {
  ChunkRecord,
  DocumentRecord,
  DocumentRegistry,
  ListDocumentsQuery,
} from '@cairn/document-registry';
import { EVENT_BUS, topicFor, type EventBus } from '@cairn/events';
import {
  chunkDocument,
  chunkId,
  contentHash,
  diffChunks,
  documentId as documentIdOf,
  parseDocument,
  resolveMediaType,
  type Chunk,
  type TokenCounter,
} from '@cairn/ingestion-domain';
import { PLATFORM_CONFIG } from '@cairn/platform';
import type { IngestionConfig } from '../ingestion.config.js';
import { DOCUMENT_REGISTRY } from '../registry/document-registry.provider.js';
import {
  DocumentNotFoundError,
  IngestRejectedError,
  type IngestCommand,
  type IngestOutcome,
} from './ingest-command.js';
import { TOKEN_COUNTER } from './token-counter.provider.js';

const chunkedTopic = topicFor(DocumentChunkedSchema);
const deletedTopic = topicFor(DocumentDeletedSchema);

/**
 * Parse → chunk → version → publish. The registry decides what changed, so re-ingesting an
 * unchanged document embeds nothing and a changed one re-embeds only its new chunks.
 */
@Injectable()
export class DocumentIngestor {
  constructor(
    @Inject(DOCUMENT_REGISTRY) private readonly registry: DocumentRegistry,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(TOKEN_COUNTER) private readonly countTokens: TokenCounter,
    @Inject(PLATFORM_CONFIG) private readonly config: IngestionConfig,
  ) {}

  async ingest(command: IngestCommand): Promise<IngestOutcome> {
    validate(command);
    const content =
      command.content && 'text' in command.content
        ? { text: command.content.text }
        : { data: command.content?.data ?? new Uint8Array() };
    const mediaType = resolveMediaType(
      command.mimeType,
      command.sourceUri,
      'data' in content ? content.data : undefined,
    );
    const parsed = await parseDocument(
      { mimeType: command.mimeType || mediaType.type, sourceUri: command.sourceUri, ...content },
      { maxBytes: this.config.ingestion.maxDocumentBytes },
    );
    const chunks = chunkDocument(parsed, this.countTokens, chunkingOf(this.config, command.collection));
    const documentId = documentIdOf(command.tenant, command.collection, command.externalId);
    const title = command.title || parsed.title || command.externalId;
    const hash = contentHash({ text: parsed.text, title, metadata: { ...command.metadata } });
    const sizeBytes =
      command.content && 'text' in command.content
        ? Buffer.byteLength(command.content.text, 'utf8')
        : (command.content?.data.byteLength ?? 0);

    const result = await this.registry.recordVersion({
      tenant: command.tenant,
      documentId,
      collection: command.collection,
      externalId: command.externalId,
      title,
      sourceUri: command.sourceUri,
      mimeType: mediaType.type,
      metadata: { ...command.metadata },
      contentHash: hash,
      sizeBytes,
      chunks: chunks.map((chunk) => toChunkRecord(documentId, chunk)),
    });
    const { record } = result;

    if (result.outcome === 'unchanged') {
      // Unchanged, but never acknowledged by the embedding service (e.g. the event was lost before
      // a crash): publish again. Chunk ids are deterministic and the embedding cache is keyed by
      // chunk hash, so this costs no second embedding.
      if (record.status === 'chunked' || record.status === 'received') {
        await this.publishChunked(command, record, chunks, chunks, [], []);
      }
      return outcome(record, true, 0, 0);
    }

    const diff = diffChunks(
      result.previousChunks.map((chunk) => chunk.chunkHash),
      chunks,
    );
    const removedIds = diff.removed.map((removed) => chunkId(documentId, removed.hash, removed.occurrence));
    // Only an indexed version is known to be in the vector tier: after one whose event may never
    // have gone out (the log was down, or this process died before publishing), send every chunk
    // (the embedding cache keeps unchanged ones from reaching the model again).
    const diffable = result.previousStatus === 'indexed';
    const retainedIds = diffable
      ? diff.retained.map((chunk) => chunkId(documentId, chunk.hash, chunk.occurrence))
      : [];
    await this.publishChunked(
      command,
      record,
      chunks,
      diffable ? diff.toEmbed : chunks,
      removedIds,
      retainedIds,
    );
    return outcome(record, false, diff.toEmbed.length, removedIds.length);
  }

  /** Removes the document and, through the DocumentDeleted event, every one of its chunks. */
  async delete(
    tenant: string,
    documentId: string,
    principal: string,
    requestId: string,
  ): Promise<DocumentRecord> {
    const existing = await this.registry.get(tenant, documentId);
    if (!existing || existing.status === 'deleted')
      throw new DocumentNotFoundError(`no document ${documentId}`);
    const removed = await this.registry.markDeleted(tenant, documentId);
    await this.bus.publish(
      deletedTopic,
      create(DocumentDeletedSchema, {
        tenant,
        documentId,
        meta: meta(requestId, principal),
        documentVersion: existing.version,
        collection: existing.collection,
        externalId: existing.externalId,
        removedChunkIds: removed.map((chunk) => chunk.chunkId),
      }),
      { tenant },
    );
    return { ...existing, status: 'deleted' };
  }

  /** Finds a document by (collection, external id) for deletions that name the external id. */
  async findByExternalId(
    tenant: string,
    collection: string,
    externalId: string,
  ): Promise<DocumentRecord | undefined> {
    return this.registry.findByExternalId(tenant, collection, externalId);
  }

  async get(tenant: string, documentId: string): Promise<DocumentRecord> {
    const record = await this.registry.get(tenant, documentId);
    if (!record) throw new DocumentNotFoundError(`no document ${documentId}`);
    return record;
  }

  list(tenant: string, query: ListDocumentsQuery) {
    return this.registry.list(tenant, query);
  }

  private async publishChunked(
    command: IngestCommand,
    record: DocumentRecord,
    all: readonly Chunk[],
    toEmbed: readonly Chunk[],
    removedIds: readonly string[],
    retainedIds: readonly string[],
  ): Promise<void> {
    await this.bus.publish(
      chunkedTopic,
      create(DocumentChunkedSchema, {
        tenant: record.tenant,
        documentId: record.documentId,
        meta: meta(command.requestId, command.principal),
        documentVersion: record.version,
        collection: record.collection,
        externalId: record.externalId,
        title: record.title,
        sourceUri: record.sourceUri,
        mimeType: record.mimeType,
        metadata: record.metadata,
        contentHash: record.contentHash,
        chunks: toEmbed.map((chunk) =>
          create(ChunkSchema, {
            chunkId: chunkId(record.documentId, chunk.hash, chunk.occurrence),
            chunkHash: chunk.hash,
            index: chunk.index,
            text: chunk.text,
            startOffset: chunk.startOffset,
            endOffset: chunk.endOffset,
            headingPath: [...chunk.headingPath],
            tokenCount: chunk.tokenCount,
          }),
        ),
        removedChunkIds: [...removedIds],
        retainedChunkIds: [...retainedIds],
        chunkCount: all.length,
      }),
      { tenant: record.tenant, ...(command.traceparent ? { traceparent: command.traceparent } : {}) },
    );
  }
}

function validate(command: IngestCommand): void {
  if (!command.collection)
    throw new IngestRejectedError('MISSING_FIELD', 'document.collection is required', 'collection');
  if (!command.externalId)
    throw new IngestRejectedError('MISSING_FIELD', 'document.external_id is required', 'external_id');
  if (!command.content)
    throw new IngestRejectedError('MISSING_FIELD', 'document content (text or data) is required', 'content');
}

function toChunkRecord(documentId: string, chunk: Chunk): ChunkRecord {
  return {
    chunkId: chunkId(documentId, chunk.hash, chunk.occurrence),
    chunkHash: chunk.hash,
    index: chunk.index,
    startOffset: chunk.startOffset,
    endOffset: chunk.endOffset,
    headingPath: [...chunk.headingPath],
    tokenCount: chunk.tokenCount,
  };
}

function outcome(
  record: DocumentRecord,
  unchanged: boolean,
  newChunks: number,
  removed: number,
): IngestOutcome {
  return {
    documentId: record.documentId,
    version: record.version,
    status: record.status,
    unchanged,
    chunkCount: record.chunkCount,
    newChunkCount: newChunks,
    removedChunkCount: removed,
  };
}

function meta(requestId: string, principal: string) {
  return create(EventMetaSchema, { occurredAt: timestampNow(), requestId, principal });
}

/** Chunk size and overlap of a collection: its own settings, else the service's defaults. */
export function chunkingOf(
  config: Pick<IngestionConfig, 'ingestion'>,
  collection: string,
): { maxTokens: number; overlapTokens: number } {
  const own = config.ingestion.collectionChunking?.[collection];
  const maxTokens = own?.maxTokens ?? config.ingestion.chunkMaxTokens;
  // An overlap must stay below the chunk size, also when only the size is set for the collection.
  const overlapTokens = Math.min(own?.overlapTokens ?? config.ingestion.chunkOverlapTokens, maxTokens - 1);
  return { maxTokens, overlapTokens };
}
