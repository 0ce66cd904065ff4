import 'reflect-metadata';
import { Module, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ConfigError,
  loadConfig,
  spanExportRequested,
  type LoadConfigOptions,
  type PlatformConfig,
} from '@cairn/config';
import { CairnGrpcServer } from '@cairn/grpc';
import { createLogger, createMetricsRegistry, startTracing } from '@cairn/observability';
import type { z } from 'zod';
import { setUpApiKeys } from './api-keys.js';
import { createEventBus } from './event-bus.factory.js';
import { NestPinoLogger } from './nest-logger.js';
import { OpsHttpLifecycle } from './ops-http.lifecycle.js';
import { PlatformModule } from './platform.module.js';
import { ProcessBanner, type BannerLine } from './process-banner.js';

/** A process to run: one service, or several composed in one process (the all-in-one). */
export interface ServiceProcessSpec<S extends z.ZodObject> {
  /** Process name in logs, metrics and Kafka client ids: `ingestion`, …, `all-in-one`. */
  readonly name: string;
  /** The process's config schema: the platform schema extended with each service's keys. */
  readonly configSchema: S;
  /** The service modules to run. */
  readonly modules: readonly Type<unknown>[];
  /** Where config is read from (default: the process environment). */
  readonly configSource?: LoadConfigOptions;
}

/** A started process: its ports, config and a way to stop it cleanly. */
export interface RunningServiceProcess<C> {
  readonly app: INestApplicationContext;
  readonly config: C;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** The development key created by this start, if any. */
  readonly createdDevKey: string | undefined;
  readonly devKeyFile: string | undefined;
  /** Other endpoints the services opened (label and address). */
  readonly endpoints: readonly BannerLine[];
  close(): Promise<void>;
}

/** Validates config, builds the platform (keys, event bus, metrics) and boots the Nest application. */
export async function startServiceProcess<S extends z.ZodObject>(
  spec: ServiceProcessSpec<S>,
): Promise<RunningServiceProcess<z.infer<S>>> {
  const config = loadConfig(spec.configSchema, spec.configSource) as z.infer<S> & PlatformConfig;
  const logger = createLogger({ service: spec.name, level: config.log.level });
  const stopTracing = startTracing({
    service: `cairn-${spec.name}`,
    exportSpans: spanExportRequested(),
    onError: (error) => logger.warn({ err: error }, 'could not flush spans at shutdown'),
  });
  const apiKeys = await setUpApiKeys(config, logger);
  const metrics = createMetricsRegistry(spec.name);
  const eventBus = createEventBus(config, logger.child({ component: 'events' }), spec.name, metrics);

  @Module({
    imports: [
      PlatformModule.forRoot({
        processName: spec.name,
        config,
        logger,
        metrics,
        apiKeyStore: apiKeys.store,
        serviceApiKey: apiKeys.serviceApiKey,
        eventBus,
      }),
      ...spec.modules,
    ],
  })
  class ProcessRootModule {}

  let app: INestApplicationContext;
  try {
    app = await NestFactory.createApplicationContext(ProcessRootModule, {
      logger: new NestPinoLogger(logger.child({ component: 'nest' })),
      abortOnError: false,
    });
    await app.init();
  } catch (error) {
    await stopTracing();
    throw error;
  }
  const grpcPort = app.get(CairnGrpcServer).port ?? config.grpc.port;
  const httpPort = app.get(OpsHttpLifecycle).port ?? config.http.port;
  logger.info(
    { grpc: `${config.grpc.host}:${grpcPort}`, http: `${config.http.host}:${httpPort}` },
    'started',
  );
  return {
    app,
    config,
    grpcPort,
    httpPort,
    createdDevKey: apiKeys.createdDevKey,
    devKeyFile: apiKeys.devKeyFile,
    endpoints: app.get(ProcessBanner).lines,
    close: async () => {
      try {
        await app.close();
      } finally {
        await stopTracing();
      }
    },
  };
}

/**
 * Entry point of a service's `main.ts`: starts the process, prints where it listens, and stops
 * cleanly on SIGTERM/SIGINT. A bad configuration stops it with the key and the reason (exit 78).
 */
export async function runServiceProcess<S extends z.ZodObject>(spec: ServiceProcessSpec<S>): Promise<void> {
  let running: RunningServiceProcess<z.infer<S>>;
  try {
    running = await startServiceProcess(spec);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`cairn ${spec.name}: ${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`cairn ${spec.name}: failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
  const config = running.config as PlatformConfig;
  const lines = [
    `cairn ${spec.name} is running`,
    `  gRPC    ${config.grpc.host}:${running.grpcPort}   (grpcurl -plaintext ${config.grpc.host}:${running.grpcPort} list)`,
    `  HTTP    http://${config.http.host}:${running.httpPort}   (/healthz /readyz /metrics)`,
    ...running.endpoints.map((line) => `  ${line.label.padEnd(7)} ${line.value}`),
    `  data    ${config.dataDir}`,
  ];
  if (running.createdDevKey)
    lines.push(`  API key ${running.createdDevKey}   (created; also in ${running.devKeyFile})`);
  else if (running.devKeyFile) lines.push(`  API key in ${running.devKeyFile}`);
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`cairn ${spec.name}: ${signal}, stopping\n`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`cairn ${spec.name}: error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
