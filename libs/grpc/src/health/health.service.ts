import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  type Health,
  type HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '@cairn/contracts/grpc/health/v1/health';
import { GrpcError, Status } from '../errors/grpc-error.js';
import type { GrpcServiceImpl } from '../server/service-impl.types.js';
import type { HealthStatusRegistry } from './health-status.registry.js';

type HealthResponse = MessageInitShape<typeof HealthCheckResponseSchema>;

/** grpc.health.v1.Health over a {@link HealthStatusRegistry}: Check answers NOT_FOUND for unknown services. */
export function createHealthImpl(registry: HealthStatusRegistry): GrpcServiceImpl<typeof Health> {
  return {
    async check(request): Promise<HealthResponse> {
      const status = registry.get(request.service);
      if (status === undefined) {
        throw new GrpcError(Status.NOT_FOUND, `unknown service '${request.service}'`, {
          reason: 'SERVICE_UNKNOWN',
        });
      }
      return { status };
    },
    async *watch(request, context): AsyncGenerator<HealthResponse> {
      for await (const status of registry.watch(request.service, context.signal)) {
        yield { status };
      }
    },
  };
}

export { ServingStatus };
