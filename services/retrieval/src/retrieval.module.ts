import { Module } from '@nestjs/common';
import { RetrievalGrpcController } from './grpc/retrieval.grpc-controller.js';

/** The retrieval service: its gRPC controllers, event consumers and domain providers. */
@Module({
  providers: [RetrievalGrpcController],
})
export class RetrievalModule {}
