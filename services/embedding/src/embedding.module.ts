import { Module } from '@nestjs/common';
import { EmbeddingGrpcController } from './grpc/embedding.grpc-controller.js';

/** The embedding service: its gRPC controllers, event consumers and domain providers. */
@Module({
  providers: [EmbeddingGrpcController],
})
export class EmbeddingModule {}
