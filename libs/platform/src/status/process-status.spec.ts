import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsumerLag } from '@cairn/events';
import { HealthRegistry } from '@cairn/observability';
import { readProcessStatus, type ProcessStatusSources } from './process-status.js';
import { TenantCountsRegistry } from './tenant-counts.registry.js';

function sources(overrides: Partial<ProcessStatusSources> = {}): ProcessStatusSources {
  const health = new HealthRegistry();
  health.register('event-bus', async () => undefined);
  const counts = new TenantCountsRegistry();
  counts.register('ingestion', async (tenant) => [
    { name: 'documents', value: tenant === 'acme' ? 3 : 0 },
    { name: 'documents.indexed', value: 2 },
  ]);
  counts.register('audit', async () => [{ name: 'records', value: 7 }]);
  const lags: ConsumerLag[] = [
    { group: 'embedding', topic: 'cairn.ingestion.document-chunked.v1', partition: 1, lag: 4 },
    { group: 'audit', topic: 'cairn.ingestion.document-chunked.v1', partition: 0, lag: 0 },
  ];
  return {
    processName: 'all-in-one',
    serviceNames: () => ['grpc.health.v1.Health', 'cairn.ingestion.v1.IngestionService'],
    health,
    eventBus: { consumerLag: async () => lags },
    counts,
    ...overrides,
  };
}

void describe('readProcessStatus', () => {
  void it('reports the process, its services, components, lag and the tenant counts', async () => {
    const status = await readProcessStatus(sources(), 'acme');
    assert.equal(status.process, 'all-in-one');
    assert.deepEqual(status.services, ['cairn.ingestion.v1.IngestionService', 'grpc.health.v1.Health']);
    assert.equal(status.healthy, true);
    assert.equal(status.shuttingDown, false);
    assert.deepEqual(
      status.components.map((c) => [c.name, c.healthy]),
      [['event-bus', true]],
    );
    assert.deepEqual(
      status.consumerLag.map((l) => [l.group, l.partition, l.lag]),
      [
        ['audit', 0, 0n],
        ['embedding', 1, 4n],
      ],
    );
    assert.equal(status.tenant, 'acme');
    assert.deepEqual(
      status.counts.map((c) => [c.service, c.name, c.value]),
      [
        ['audit', 'records', 7n],
        ['ingestion', 'documents', 3n],
        ['ingestion', 'documents.indexed', 2n],
      ],
    );
    assert.ok(status.time, 'carries the time it was taken');
  });

  void it('is unhealthy, naming the component, when a check fails; still answers', async () => {
    const base = sources();
    base.health.register('audit-store', async () => {
      throw new Error('database is locked');
    });
    const status = await readProcessStatus(base, 'acme');
    assert.equal(status.healthy, false);
    const store = status.components.find((c) => c.name === 'audit-store');
    assert.deepEqual([store?.healthy, store?.detail], [false, 'database is locked']);
  });

  void it('reports a failing lag read and a failing counter as unhealthy components', async () => {
    const counts = new TenantCountsRegistry();
    counts.register('ingestion', async () => {
      throw new Error('registry unavailable');
    });
    const status = await readProcessStatus(
      sources({
        counts,
        eventBus: {
          consumerLag: async () => {
            throw new Error('broker down');
          },
        },
      }),
      'acme',
    );
    assert.equal(status.healthy, false);
    assert.deepEqual(
      status.components.filter((c) => !c.healthy).map((c) => [c.name, c.detail]),
      [
        ['consumer-lag', 'broker down'],
        ['counts:ingestion', 'registry unavailable'],
      ],
    );
    assert.deepEqual(status.consumerLag, []);
    assert.deepEqual(status.counts, []);
  });

  void it('says when the process is shutting down', async () => {
    const base = sources();
    base.health.markShuttingDown();
    const status = await readProcessStatus(base, 'acme');
    assert.equal(status.shuttingDown, true);
    assert.equal(status.healthy, false);
  });
});

void describe('TenantCountsRegistry', () => {
  void it('gives up on a counter that does not answer in time and reports it', async () => {
    const counts = new TenantCountsRegistry();
    counts.register('agent-runner', () => new Promise(() => undefined));
    counts.register('audit', async () => [{ name: 'records', value: 1 }]);
    const collected = await counts.collect('acme', 50);
    assert.deepEqual(collected.counts, [{ service: 'audit', name: 'records', value: 1 }]);
    assert.deepEqual(collected.failures, [
      { service: 'agent-runner', error: 'agent-runner did not count within 50 ms' },
    ]);
  });
});
