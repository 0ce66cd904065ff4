import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PlatformConfig } from '@cairn/config';
import { EmbeddedEventBus, KafkaEventBus, type EventBus } from '@cairn/events';
import type { Logger, MetricsRegistry } from '@cairn/observability';
import { eventDeliveryMetrics, registerConsumerLag } from './event-bus.metrics.js';

/**
 * The one place the event backbone adapter is chosen: the embedded log for the single-process mode,
 * Kafka when the services run apart. Consumers never know which one runs.
 */
export function createEventBus(
  config: PlatformConfig,
  logger: Logger,
  clientName: string,
  metrics?: MetricsRegistry,
): EventBus {
  const bus = openEventBus(config, logger, clientName, metrics);
  if (metrics) registerConsumerLag(metrics, bus);
  return bus;
}

function openEventBus(
  config: PlatformConfig,
  logger: Logger,
  clientName: string,
  metrics: MetricsRegistry | undefined,
): EventBus {
  const retry = { maxAttempts: config.events.maxAttempts };
  const observer = metrics ? { observer: eventDeliveryMetrics(metrics) } : {};
  switch (config.events.backend) {
    case 'embedded': {
      const dir = resolve(config.dataDir);
      mkdirSync(dir, { recursive: true });
      return new EmbeddedEventBus({
        path: join(dir, 'events.db'),
        logger,
        partitions: config.events.partitions,
        retry,
        ...observer,
      });
    }
    case 'kafka':
      return new KafkaEventBus({
        brokers: config.kafka.brokers,
        clientId: `${config.kafka.clientId}-${clientName}`,
        logger,
        partitions: config.events.partitions,
        replicationFactor: config.events.replicationFactor,
        consumer: {
          sessionTimeoutMs: config.kafka.sessionTimeoutMs,
          heartbeatIntervalMs: Math.min(3_000, Math.floor(config.kafka.sessionTimeoutMs / 3)),
        },
        retry,
        ...observer,
      });
  }
}
