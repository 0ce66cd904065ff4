import { Module } from '@nestjs/common';
import { DocumentChunkedConsumer, DocumentDeletedConsumer } from './events/document-chunked.consumer.js';
import { EmbeddingGrpcController } from './grpc/embedding.grpc-controller.js';
import { ChunkIndexer } from './indexing/chunk-indexer.js';
import { EmbeddingRuntime } from './indexing/embedding-runtime.js';
import { EmbeddingMetrics } from './indexing/embedding.metrics.js';
import { IndexingFailures } from './indexing/indexing-failures.js';

/** The embedding service: chunk events in, embeddings into the vector tier, indexed events out. */
@Module({
  providers: [
    EmbeddingRuntime,
    EmbeddingMetrics,
    ChunkIndexer,
    IndexingFailures,
    EmbeddingGrpcController,
    DocumentChunkedConsumer,
    DocumentDeletedConsumer,
  ],
  exports: [],
})
export class EmbeddingModule {}
