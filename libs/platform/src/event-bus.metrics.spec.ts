import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { StringValueSchema } from '@bufbuild/protobuf/wkt';
import { defineTopic, EmbeddedEventBus } from '@cairn/events';
import { createMetricsRegistry, silentLogger } from '@cairn/observability';
import { waitFor } from '@cairn/testing';
import { eventDeliveryMetrics, registerConsumerLag } from './event-bus.metrics.js';

const topic = defineTopic({
  name: 'cairn.spec.greeting-sent.v1',
  schema: StringValueSchema,
  key: (m) => m.value,
});

/** The value of one sample of the registry, or undefined when the series has no such sample. */
async function sample(
  registry: ReturnType<typeof createMetricsRegistry>,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const found = metric?.values.find((value) =>
    Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
  );
  return found?.value;
}

void describe('event bus metrics', () => {
  void it('count published, handled, failed and dead-lettered events, and report lag per partition', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-bus-metrics-'));
    const registry = createMetricsRegistry('spec');
    const bus = new EmbeddedEventBus({
      path: join(dir, 'events.db'),
      logger: silentLogger(),
      partitions: 1,
      observer: eventDeliveryMetrics(registry),
    });
    registerConsumerLag(registry, bus);
    try {
      await bus.start();
      await bus.ensureTopics([topic]);
      const subscription = await bus.subscribe(topic, {
        group: 'spec',
        maxAttempts: 2,
        backoff: { initialMs: 1, maxMs: 1 },
        handler: async (event) => {
          if (event.payload.value === 'bad') throw new Error('cannot handle it');
        },
      });
      for (const value of ['good', 'bad']) {
        await bus.publish(topic, create(StringValueSchema, { value }), { tenant: 'acme' });
      }
      const labels = { topic: topic.name, group: 'spec' };
      await waitFor(async () => (await sample(registry, 'cairn_events_dead_lettered_total', labels)) === 1, {
        timeoutMs: 10_000,
        description: 'the failing event to be dead-lettered',
      });
      assert.equal(await sample(registry, 'cairn_events_published_total', { topic: topic.name }), 2);
      assert.equal(await sample(registry, 'cairn_events_handled_total', labels), 1);
      assert.equal(await sample(registry, 'cairn_events_handler_failures_total', labels), 2);
      assert.equal(
        await sample(registry, 'cairn_events_consumer_lag', { ...labels, partition: '0' }),
        0,
        'both records are committed (one handled, one dead-lettered)',
      );
      await subscription.close();
    } finally {
      await bus.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
