import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { GrpcService, type GrpcServiceImpl } from '@cairn/grpc';
import { notYetAvailable } from '@cairn/platform';

/** gRPC surface of the audit service. */
@GrpcService(AuditService)
export class AuditGrpcController implements GrpcServiceImpl<typeof AuditService> {
  async query(): Promise<never> {
    throw notYetAvailable('AuditService.Query');
  }

  async *export(): AsyncGenerator<never> {
    throw notYetAvailable('AuditService.Export');
  }

  async verify(): Promise<never> {
    throw notYetAvailable('AuditService.Verify');
  }

  async explain(): Promise<never> {
    throw notYetAvailable('AuditService.Explain');
  }
}
