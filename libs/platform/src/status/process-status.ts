import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  GetStatusResponseSchema,
  type ComponentHealth,
  type GetStatusResponse,
} from '@cairn/contracts/cairn/ops/v1/status';
import type { EventBus } from '@cairn/events';
import type { HealthRegistry } from '@cairn/observability';
import type { TenantCountsRegistry } from './tenant-counts.registry.js';

/** What a process's status is made of; all of it exists before the first call. */
export interface ProcessStatusSources {
  /** `all-in-one`, `ingestion`, … */
  readonly processName: string;
  /** Names of the gRPC services served (read at each call: services are added at bootstrap). */
  readonly serviceNames: () => readonly string[];
  readonly health: HealthRegistry;
  readonly eventBus: Pick<EventBus, 'consumerLag'>;
  readonly counts: TenantCountsRegistry;
}

/**
 * The answer of `StatusService.GetStatus`: the process, its services, the readiness checks of its
 * components, the lag of its consumer groups and the tenant's counts. A source that fails shows as
 * an unhealthy component (`consumer-lag`, `counts:<service>`) instead of failing the call, so the
 * status of a sick process can still be read.
 */
export async function readProcessStatus(
  sources: ProcessStatusSources,
  tenant: string,
): Promise<GetStatusResponse> {
  const [readiness, lag, counted] = await Promise.all([
    sources.health.readiness(),
    sources.eventBus.consumerLag().then(
      (lags) => ({ lags, error: undefined }),
      (error: unknown) => ({ lags: [], error: error instanceof Error ? error.message : String(error) }),
    ),
    sources.counts.collect(tenant),
  ]);
  const components: Omit<ComponentHealth, '$typeName'>[] = Object.entries(readiness.checks)
    .map(([name, check]) => ({ name, healthy: check.ok, detail: check.ok ? '' : (check.error ?? '') }))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (lag.error !== undefined) components.push({ name: 'consumer-lag', healthy: false, detail: lag.error });
  for (const failure of counted.failures)
    components.push({ name: `counts:${failure.service}`, healthy: false, detail: failure.error });
  return create(GetStatusResponseSchema, {
    process: sources.processName,
    services: [...sources.serviceNames()].sort(),
    healthy: readiness.ready && components.every((component) => component.healthy),
    shuttingDown: !sources.health.alive,
    components,
    consumerLag: lag.lags
      .map(({ group, topic, partition, lag: behind }) => ({
        group,
        topic,
        partition,
        lag: BigInt(Math.max(0, behind)),
      }))
      .sort(
        (a, b) =>
          a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition,
      ),
    tenant,
    counts: counted.counts.map(({ service, name, value }) => ({ service, name, value: BigInt(value) })),
    time: timestampFromDate(new Date()),
  });
}
