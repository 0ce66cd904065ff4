import { Module } from '@nestjs/common';
import { AuditGrpcController } from './grpc/audit.grpc-controller.js';

/** The audit service: its gRPC controllers, event consumers and domain providers. */
@Module({
  providers: [AuditGrpcController],
})
export class AuditModule {}
