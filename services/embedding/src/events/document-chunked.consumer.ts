import type { MessageShape } from '@bufbuild/protobuf';
import { DocumentChunkedSchema, DocumentDeletedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { EventConsumer, type EventEnvelope, type EventHandler } from '@cairn/events';
import { ChunkIndexer } from '../indexing/chunk-indexer.js';

/** New chunks of a document version → embedded and written to the vector tier. */
@EventConsumer(DocumentChunkedSchema, { group: 'embedding' })
export class DocumentChunkedConsumer implements EventHandler<typeof DocumentChunkedSchema> {
  constructor(private readonly indexer: ChunkIndexer) {}

  handle(event: EventEnvelope<MessageShape<typeof DocumentChunkedSchema>>): Promise<void> {
    return this.indexer.index(event);
  }
}

/** A deleted document → every one of its chunks leaves the vector tier. */
@EventConsumer(DocumentDeletedSchema, { group: 'embedding' })
export class DocumentDeletedConsumer implements EventHandler<typeof DocumentDeletedSchema> {
  constructor(private readonly indexer: ChunkIndexer) {}

  handle(event: EventEnvelope<MessageShape<typeof DocumentDeletedSchema>>): Promise<void> {
    return this.indexer.remove(event);
  }
}
