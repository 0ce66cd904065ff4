import type { MessageShape } from '@bufbuild/protobuf';
import { DocumentDeletionRequestedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { EventConsumer, type EventEnvelope, type EventHandler } from '@cairn/events';
import { DocumentIngestor } from '../ingest/document-ingestor.js';
import { DocumentNotFoundError } from '../ingest/ingest-command.js';

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
    try {
      await this.ingestor.delete(
        event.tenant,
        documentId,
        request.meta?.principal || `kafka:${event.topic}`,
        event.id,
      );
    } catch (error) {
      // Already deleted, or never existed: nothing to do.
      if (!(error instanceof DocumentNotFoundError)) throw error;
    }
  }
}
