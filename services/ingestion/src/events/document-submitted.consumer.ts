import type { MessageShape } from '@bufbuild/protobuf';
import { DocumentSubmittedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { EventConsumer, type EventEnvelope, type EventHandler } from '@cairn/events';
import { DocumentIngestor } from '../ingest/document-ingestor.js';

/**
 * Ingress from other systems' producers (protobuf or JSON). A document that cannot be ingested is
 * retried, then dead-lettered with its cause.
 */
@EventConsumer(DocumentSubmittedSchema, { group: 'ingestion', idempotencyKey: (event) => event.id })
export class DocumentSubmittedConsumer implements EventHandler<typeof DocumentSubmittedSchema> {
  constructor(private readonly ingestor: DocumentIngestor) {}

  async handle(event: EventEnvelope<MessageShape<typeof DocumentSubmittedSchema>>): Promise<void> {
    const document = event.payload;
    await this.ingestor.ingest({
      tenant: event.tenant,
      collection: document.collection || 'default',
      externalId: document.externalId,
      title: document.title,
      sourceUri: document.sourceUri,
      mimeType: document.mimeType,
      metadata: document.metadata,
      content:
        document.content.case === 'text'
          ? { text: document.content.value }
          : document.content.case === 'data'
            ? { data: document.content.value }
            : undefined,
      idempotencyKey: document.idempotencyKey,
      requestId: document.meta?.requestId || event.id,
      principal: document.meta?.principal || `kafka:${event.topic}`,
      traceparent: event.traceparent,
    });
  }
}
