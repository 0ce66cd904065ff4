import { Module } from '@nestjs/common';
import { RetrievalGrpcController } from './grpc/retrieval.grpc-controller.js';
import { Retriever } from './search/retriever.js';

/** The retrieval service: dense, keyword and hybrid search with filters; context packed with citations. */
@Module({
  providers: [Retriever, RetrievalGrpcController],
})
export class RetrievalModule {}
