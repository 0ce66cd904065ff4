import { Inject } from '@nestjs/common';
import type { MessageShape } from '@bufbuild/protobuf';
import { ChunksIndexedSchema, ChunksIndexingFailedSchema } from '@cairn/contracts/cairn/embedding/v1/events';
import type { DocumentRegistry } from '@cairn/document-registry';
import { EventConsumer, type EventEnvelope, type EventHandler } from '@cairn/events';
import { DOCUMENT_REGISTRY } from '../registry/document-registry.provider.js';

/** The embedding service indexed a version: the document becomes `indexed` (late events for older versions are ignored). */
@EventConsumer(ChunksIndexedSchema, { group: 'ingestion' })
export class ChunksIndexedConsumer implements EventHandler<typeof ChunksIndexedSchema> {
  constructor(@Inject(DOCUMENT_REGISTRY) private readonly registry: DocumentRegistry) {}

  async handle(event: EventEnvelope<MessageShape<typeof ChunksIndexedSchema>>): Promise<void> {
    await this.registry.markIndexed(event.tenant, event.payload.documentId, event.payload.documentVersion);
  }
}

/** The embedding service gave up on a version: the document becomes `failed` with the reason. */
@EventConsumer(ChunksIndexingFailedSchema, { group: 'ingestion' })
export class ChunksIndexingFailedConsumer implements EventHandler<typeof ChunksIndexingFailedSchema> {
  constructor(@Inject(DOCUMENT_REGISTRY) private readonly registry: DocumentRegistry) {}

  async handle(event: EventEnvelope<MessageShape<typeof ChunksIndexingFailedSchema>>): Promise<void> {
    const { documentId, documentVersion, reason } = event.payload;
    await this.registry.markFailed(event.tenant, documentId, documentVersion, reason || 'indexing failed');
  }
}
