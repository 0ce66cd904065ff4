import { Module } from '@nestjs/common';
import { IngestionGrpcController } from './grpc/ingestion.grpc-controller.js';

/** The ingestion service: its gRPC controllers, event consumers and domain providers. */
@Module({
  providers: [IngestionGrpcController],
})
export class IngestionModule {}
