import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { DocumentRegistry } from '@cairn/document-registry';
import { ChunksIndexedConsumer, ChunksIndexingFailedConsumer } from './events/chunks-indexed.consumer.js';
import { DocumentDeletionRequestedConsumer } from './events/document-deletion-requested.consumer.js';
import { DocumentSubmittedConsumer } from './events/document-submitted.consumer.js';
import { IngestionGrpcController } from './grpc/ingestion.grpc-controller.js';
import { DocumentIngestor } from './ingest/document-ingestor.js';
import { tokenCounterProvider } from './ingest/token-counter.provider.js';
import { DOCUMENT_REGISTRY, documentRegistryProvider } from './registry/document-registry.provider.js';

/** The ingestion service: documents in over gRPC and Kafka; parse, chunk, dedupe, version, delete. */
@Module({
  providers: [
    documentRegistryProvider,
    tokenCounterProvider,
    DocumentIngestor,
    IngestionGrpcController,
    DocumentSubmittedConsumer,
    DocumentDeletionRequestedConsumer,
    ChunksIndexedConsumer,
    ChunksIndexingFailedConsumer,
  ],
})
export class IngestionModule implements OnApplicationShutdown {
  constructor(@Inject(DOCUMENT_REGISTRY) private readonly registry: DocumentRegistry) {}

  async onApplicationShutdown(): Promise<void> {
    await this.registry.close();
  }
}
