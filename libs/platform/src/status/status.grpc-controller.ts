import { Inject } from '@nestjs/common';
import { StatusService, type GetStatusRequest } from '@cairn/contracts/cairn/ops/v1/status';
import { EVENT_BUS, type EventBus } from '@cairn/events';
import { CairnGrpcServer, GrpcService, type CallContext, type GrpcServiceImpl } from '@cairn/grpc';
import { HealthRegistry } from '@cairn/observability';
import { PROCESS_NAME } from '../platform.tokens.js';
import { readProcessStatus, type ProcessStatusSources } from './process-status.js';
import { TenantCountsRegistry } from './tenant-counts.registry.js';

/** `cairn.ops.v1.StatusService`, served by every process through the platform module. */
@GrpcService(StatusService)
export class StatusGrpcController implements GrpcServiceImpl<typeof StatusService> {
  private readonly sources: ProcessStatusSources;

  constructor(
    @Inject(PROCESS_NAME) processName: string,
    @Inject(EVENT_BUS) eventBus: EventBus,
    server: CairnGrpcServer,
    health: HealthRegistry,
    counts: TenantCountsRegistry,
  ) {
    this.sources = { processName, serviceNames: () => server.serviceNames, health, eventBus, counts };
  }

  async getStatus(_request: GetStatusRequest, context: CallContext) {
    return readProcessStatus(this.sources, context.tenant);
  }
}
