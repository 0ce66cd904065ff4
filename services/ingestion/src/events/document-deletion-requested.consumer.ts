import type { MessageShape } from '@bufbuild/protobuf';
import { DocumentDeletionRequestedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { EventConsumer, type EventEnvelope, type EventHandler } from '@cairn/events';
import { DocumentIngestor } from '../ingest/document-ingestor.js';

/** Ingress deletions, by document id or by (collection, external id); deleting a missing document is a no-op. */
@EventConsumer(DocumentDeletionRequestedSchema, { group: 'ingestion', idempotencyKey: (event) => event.id })
export class DocumentDeletionRequestedConsumer implements EventHandler<
  typeof DocumentDeletionRequestedSchema
> {
  constructor(private readonly ingestor: DocumentIngestor) {}

  async handle(event: EventEnvelope<MessageShape<typeof DocumentDeletionRequestedSchema>>): Promise<void> {
    const request = event.payload;
    const documentId =
      request.documentId ||
      (
        await this.ingestor.findByExternalId(
          event.tenant,
          request.collection || 'default',
          request.externalId,
        )
      )?.documentId;
    if (!documentId) return;
    const existing = await this.ingestor.get(event.tenant, documentId).catch(() => undefined);
    if (!existing || existing.status === 'deleted') return;
    await this.ingestor.delete(
      event.tenant,
      documentId,
      request.meta?.principal || `kafka:${event.topic}`,
      event.id,
    );
  }
}
