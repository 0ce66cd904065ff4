import type { DeliveryObserver, EventBus } from '@cairn/events';
import type { MetricsRegistry } from '@cairn/observability';
import { Counter, Gauge } from 'prom-client';

/** Counts what event delivery does, per topic and consumer group (`cairn_events_*`). */
export function eventDeliveryMetrics(registry: MetricsRegistry): DeliveryObserver {
  const labelNames = ['topic', 'group'] as const;
  const published = new Counter({
    name: 'cairn_events_published_total',
    help: 'Events this process published, by topic.',
    labelNames: ['topic'],
    registers: [registry],
  });
  const handled = new Counter({
    name: 'cairn_events_handled_total',
    help: 'Events handled and committed, by topic and consumer group.',
    labelNames,
    registers: [registry],
  });
  const failed = new Counter({
    name: 'cairn_events_handler_failures_total',
    help: 'Failed handler attempts (retried, then dead-lettered), by topic and consumer group.',
    labelNames,
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'cairn_events_dead_lettered_total',
    help: 'Records moved to <topic>.dlq, by original topic and consumer group.',
    labelNames,
    registers: [registry],
  });
  return {
    published: (topic) => published.inc({ topic }),
    handled: (topic, group, count) => handled.inc({ topic, group }, count),
    failedAttempt: (topic, group) => failed.inc({ topic, group }),
    deadLettered: (topic, group) => deadLettered.inc({ topic, group }),
  };
}

/** `cairn_events_consumer_lag`: read from the bus at each scrape, for the partitions this process owns. */
export function registerConsumerLag(registry: MetricsRegistry, bus: EventBus): void {
  new Gauge({
    name: 'cairn_events_consumer_lag',
    help: 'Records appended and not yet committed, by consumer group, topic and partition (owned here).',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      const lags = await bus.consumerLag().catch(() => []);
      for (const { group, topic, partition, lag } of lags) {
        this.set({ group, topic, partition: String(partition) }, lag);
      }
    },
  });
}
