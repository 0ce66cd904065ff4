import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PlatformConfig } from '@cairn/config';
import { HealthRegistry, type Logger, OpsHttpServer } from '@cairn/observability';
import type { Registry } from 'prom-client';
import { LOGGER, METRICS_REGISTRY, PLATFORM_CONFIG } from './platform.tokens.js';

/** Serves `/healthz`, `/readyz` and `/metrics` for the life of the application. */
@Injectable()
export class OpsHttpLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly server: OpsHttpServer;
  private boundPort: number | undefined;

  constructor(
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    private readonly health: HealthRegistry,
  ) {
    this.server = new OpsHttpServer({
      host: config.http.host,
      port: config.http.port,
      health,
      metrics,
      logger,
    });
  }

  /** The bound HTTP port, once listening. */
  get port(): number | undefined {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.boundPort = await this.server.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.health.markShuttingDown();
    await this.server.stop();
  }
}
