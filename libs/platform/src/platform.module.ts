import { Module, type DynamicModule } from '@nestjs/common';
import type { PlatformConfig } from '@cairn/config';
import { allFiles, eventSchemas } from '@cairn/contracts';
import { EventsModule, topicFor, type EventBus } from '@cairn/events';
import {
  GrpcServerModule,
  serverCredentialsFromFiles,
  type ApiKeyStore,
  type ServerTlsFiles,
} from '@cairn/grpc';
import { HealthRegistry, type Logger } from '@cairn/observability';
import type { Registry } from 'prom-client';
import { OpsHttpLifecycle } from './ops-http.lifecycle.js';
import {
  LOGGER,
  METRICS_REGISTRY,
  PLATFORM_CONFIG,
  PROCESS_NAME,
  SERVICE_API_KEY,
} from './platform.tokens.js';
import { ProcessBanner } from './process-banner.js';
import { StatusGrpcController } from './status/status.grpc-controller.js';
import { TenantCountsRegistry } from './status/tenant-counts.registry.js';

/** What the composition root hands to the platform: everything built before Nest starts. */
export interface PlatformModuleOptions {
  /** Process name (`all-in-one`, `ingestion`, …), reported by `StatusService.GetStatus`. */
  readonly processName: string;
  readonly config: PlatformConfig;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly apiKeyStore: ApiKeyStore;
  /** The key (role SERVICE) the process's services call other Cairn services with. */
  readonly serviceApiKey: string;
  readonly eventBus: EventBus;
}

/**
 * What every Cairn process shares (global): validated config, logger, metrics, health, one gRPC
 * server (auth, health, reflection, `cairn.ops.v1.StatusService`) and the event bus. Service
 * modules only inject what they use; they register their readiness checks in the HealthRegistry and
 * their tenant counts in the TenantCountsRegistry.
 */
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const { config, logger } = options;
    const health = new HealthRegistry();
    health.register('event-bus', () => options.eventBus.health());
    return {
      module: PlatformModule,
      global: true,
      imports: [
        GrpcServerModule.forRoot({
          apiKeyStore: options.apiKeyStore,
          logger: logger.child({ component: 'grpc' }),
          reflectionFiles: allFiles,
          metrics: options.metrics,
          host: config.grpc.host,
          port: config.grpc.port,
          credentials: serverCredentialsFromFiles(tlsFilesOf(config)),
          maxReceiveMessageLength: config.grpc.maxMessageBytes,
          maxSendMessageLength: config.grpc.maxMessageBytes,
          rateLimit: config.grpc.rateLimit,
        }),
        EventsModule.forRoot({
          bus: options.eventBus,
          topics: eventSchemas.map((schema) => topicFor(schema)),
          groupPrefix: config.events.groupPrefix,
          topicLayout: {
            partitions: config.events.partitions,
            replicationFactor: config.events.replicationFactor,
          },
        }),
      ],
      providers: [
        { provide: PLATFORM_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: METRICS_REGISTRY, useValue: options.metrics },
        { provide: SERVICE_API_KEY, useValue: options.serviceApiKey },
        { provide: PROCESS_NAME, useValue: options.processName },
        { provide: HealthRegistry, useValue: health },
        { provide: TenantCountsRegistry, useValue: new TenantCountsRegistry() },
        OpsHttpLifecycle,
        ProcessBanner,
        StatusGrpcController,
      ],
      exports: [
        PLATFORM_CONFIG,
        LOGGER,
        METRICS_REGISTRY,
        PROCESS_NAME,
        SERVICE_API_KEY,
        HealthRegistry,
        TenantCountsRegistry,
        OpsHttpLifecycle,
        ProcessBanner,
      ],
    };
  }
}

/** The gRPC server's TLS files, when TLS is configured (the schema requires cert and key together). */
function tlsFilesOf(config: PlatformConfig): ServerTlsFiles | undefined {
  const { certFile, keyFile, clientCaFile } = config.grpc.tls;
  return certFile && keyFile ? { certFile, keyFile, clientCaFile } : undefined;
}
