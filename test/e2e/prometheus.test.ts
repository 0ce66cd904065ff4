import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { EmbeddingService } from '@cairn/contracts/cairn/embedding/v1/embedding';
import { DocumentSubmittedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { Health } from '@cairn/contracts/grpc/health/v1/health';
import { ContentTypes, EventHeaders, KafkaEventBus, topicFor } from '@cairn/events';
import { createGrpcClient } from '@cairn/grpc';
import { silentLogger } from '@cairn/observability';
import { waitFor } from '@cairn/testing';
import { FakeQdrantServer } from '@cairn/vector-store/testing';
import { Kafka, logLevel } from 'kafkajs';
import { collectEventCatalogue, type EventCatalogue } from '../docs/event-catalogue.js';
import { buildProtoRegistry } from '../docs/proto-descriptors.js';
import { loadServicePackages } from '../docs/service-packages.js';
import { writeApiKeys } from '../support/api-keys.js';
import { startPrometheus, type PromSample, type TestPrometheus } from '../support/prometheus.js';
import { kafkaBrokers, skipKafka } from '../support/repo.js';
import { startService, type StartedService } from '../support/service-process.js';

const SERVICES = ['ingestion', 'embedding', 'retrieval', 'agent-runner', 'audit'] as const;
type Service = (typeof SERVICES)[number];
const SUBMITTED = topicFor(DocumentSubmittedSchema).name;
const WAIT = { timeoutMs: 90_000, intervalMs: 250 };

/**
 * A real Prometheus (Debian's package) scrapes the five services, each its own process on Kafka, after a
 * little work through gRPC; the expected series are queried through its HTTP API. What the services are
 * seen to publish and consume must also be what the event catalogue (docs/reference/events.md) says.
 */
void describe('Prometheus scrapes every service', { skip: skipKafka(), timeout: 300_000 }, () => {
  const tenant = `prom-${randomUUID().slice(0, 8)}`;
  const groupPrefix = `prom-${randomUUID().slice(0, 8)}`;
  const started = new Map<Service, StartedService>();
  let qdrant: FakeQdrantServer | undefined;
  let prometheus: TestPrometheus | undefined;
  let apiKey = '';
  let catalogue: EventCatalogue;
  let keysDir = '';

  /** Samples of a query, for one job (service). */
  const samples = async (service: Service, promql: string): Promise<PromSample[]> =>
    (await prometheus!.query(promql)).filter((sample) => sample.metric['job'] === service);
  /** Waits until the query has samples for the service, and returns them. */
  const seen = async (service: Service, promql: string, description: string): Promise<PromSample[]> =>
    waitFor(
      async () => {
        const found = await samples(service, promql);
        return found.length > 0 ? found : undefined;
      },
      { ...WAIT, description: `${service}: ${description} (${promql})` },
    );

  before(async () => {
    catalogue = await collectEventCatalogue(buildProtoRegistry(), await loadServicePackages());
    keysDir = mkdtempSync(join(tmpdir(), 'cairn-prometheus-e2e-'));
    const { file, keys } = writeApiKeys(keysDir, [tenant]);
    apiKey = keys[tenant]!;
    qdrant = await FakeQdrantServer.start();
    const shared = {
      CAIRN_AUTH_API_KEYS_FILE: file,
      CAIRN_EVENTS_BACKEND: 'kafka',
      CAIRN_KAFKA_BROKERS: kafkaBrokers().join(','),
    };
    // Embedding and retrieval share the vector tier; the hash model keeps the shared machine's cores free.
    const vectors = {
      CAIRN_EMBEDDING_PROVIDER: 'hash',
      CAIRN_VECTOR_STORE_BACKEND: 'qdrant',
      CAIRN_VECTOR_STORE_QDRANT_URL: qdrant.url,
    };
    const own: Partial<Record<Service, Record<string, string>>> = {
      embedding: vectors,
      retrieval: vectors,
      audit: { CAIRN_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1' },
    };
    for (const service of SERVICES) {
      const env = { ...shared, ...own[service] };
      started.set(service, await startService({ service, env, groupPrefix, timeoutMs: 90_000 }));
    }
    prometheus = await startPrometheus(
      SERVICES.map((service) => ({ job: service, address: new URL(started.get(service)!.httpBase).host })),
    );
  });

  after(async () => {
    const prometheusCode = await prometheus?.stop();
    const codes = await Promise.all([...started.values()].map((service) => service.stop()));
    await qdrant?.stop();
    if (keysDir) rmSync(keysDir, { recursive: true, force: true });
    assert.deepEqual(
      codes,
      [...started.keys()].map(() => 0),
      'every service stops cleanly on SIGTERM',
    );
    assert.equal(prometheusCode, 0, 'prometheus stops cleanly on SIGTERM');
  });

  void it('scrapes every service until each target is up', async () => {
    let targets: Awaited<ReturnType<TestPrometheus['targets']>> = [];
    await waitFor(
      async () => {
        targets = await prometheus!.targets();
        return SERVICES.every((job) => targets.some((t) => t.job === job && t.health === 'up'));
      },
      { ...WAIT, description: () => `every target up; targets: ${JSON.stringify(targets)}` },
    );
    for (const service of SERVICES) {
      const up = await samples(service, 'up');
      assert.deepEqual(
        up.map((sample) => sample.value),
        [1],
        `${service} is up`,
      );
    }
  });

  void it('does a little work through gRPC and Kafka', async () => {
    const address = (service: Service): string => started.get(service)!.grpcAddress;
    const ingestion = createGrpcClient(IngestionService, address('ingestion'), { apiKey });
    const retrieval = createGrpcClient(RetrievalService, address('retrieval'), { apiKey });
    const audit = createGrpcClient(AuditService, address('audit'), { apiKey });
    const embedding = createGrpcClient(EmbeddingService, address('embedding'), { apiKey });
    const bus = new KafkaEventBus({
      brokers: kafkaBrokers(),
      clientId: 'prometheus-e2e',
      logger: silentLogger(),
    });
    try {
      for (const service of SERVICES) {
        const health = createGrpcClient(Health, address(service));
        await health.check({ service: '' }, { deadlineMs: 5_000 }).finally(() => health.close());
      }
      const { documentId } = await ingestion.ingest({
        document: {
          collection: 'metrics',
          externalId: 'travel',
          mimeType: 'text/markdown',
          content: { case: 'text', value: '# Travel\n\nBook economy class for flights under six hours.' },
        },
      });
      await waitFor(
        async () => (await ingestion.getDocument({ documentId })).document?.status === DocumentStatus.INDEXED,
        { ...WAIT, description: 'the document to be indexed' },
      );
      const found = await retrieval.search({
        query: 'which class do I fly?',
        mode: SearchMode.HYBRID,
        topK: 3,
      });
      assert.ok(found.chunks.some((chunk) => chunk.chunk?.documentId === documentId));
      await embedding.getModel({});
      await waitFor(async () => (await audit.query({})).records.length >= 3, {
        ...WAIT,
        description: 'the audit trail to record the ingest and the search',
      });
      // A record no consumer can decode: ingestion and audit both dead-letter it.
      await bus.start();
      await bus.publishRaw(SUBMITTED, {
        key: 'not-json',
        value: new TextEncoder().encode('{ this is not JSON'),
        headers: { [EventHeaders.contentType]: ContentTypes.json, [EventHeaders.tenant]: tenant },
      });
    } finally {
      for (const client of [ingestion, retrieval, audit, embedding]) client.close();
      await bus.stop();
    }
  });

  void it('has per-RPC request counters and latency histograms with method and code labels', async () => {
    const calls: Record<Service, string> = {
      ingestion: '/cairn.ingestion.v1.IngestionService/Ingest',
      embedding: '/cairn.embedding.v1.EmbeddingService/GetModel',
      retrieval: '/cairn.retrieval.v1.RetrievalService/Search',
      'agent-runner': '/grpc.health.v1.Health/Check',
      audit: '/cairn.audit.v1.AuditService/Query',
    };
    for (const service of SERVICES) {
      const method = calls[service];
      const handled = await seen(
        service,
        `cairn_grpc_server_handled_total{method="${method}",code="OK"}`,
        'the RPC counter',
      );
      assert.ok(handled[0]!.value >= 1);
      const buckets = await seen(
        service,
        `cairn_grpc_server_handling_seconds_bucket{method="${method}",code="OK"}`,
        'the latency histogram',
      );
      assert.ok(buckets.length > 1 && buckets.some((b) => b.metric['le'] === '+Inf' && b.value >= 1));
      await seen(
        service,
        `cairn_grpc_server_handling_seconds_count{method="${method}"}`,
        'the latency count',
      );
    }
  });

  void it('has the consumer lag of every (group, topic, partition) each service consumes, as the catalogue says', async () => {
    const partitions = await partitionCounts(catalogue.events.map((e) => e.topic));
    for (const service of SERVICES) {
      const expected = new Set(
        catalogue.events.flatMap((e) =>
          e.consumers
            .filter((c) => c.service === service)
            .flatMap((c) =>
              Array.from({ length: partitions.get(e.topic) ?? 0 }, (_, p) => `${c.group} ${e.topic} ${p}`),
            ),
        ),
      );
      const lag = await waitFor(
        async () => {
          const found = await samples(service, 'cairn_events_consumer_lag');
          return found.length >= expected.size ? found : undefined;
        },
        {
          ...WAIT,
          description: `${service}: a lag series for each of ${expected.size} partitions it consumes`,
        },
      );
      const labels = lag.map(
        (s) =>
          `${s.metric['group']!.replace(`${groupPrefix}-`, '')} ${s.metric['topic']} ${s.metric['partition']}`,
      );
      assert.deepEqual(new Set(labels), expected, `${service} consumes what the event catalogue says`);
    }
  });

  void it('publishes only what the event catalogue says each service produces', async () => {
    // Exercised above: an ingest (ingestion), its indexing (embedding), a search (retrieval), checkpoints (audit).
    const exercised: Partial<Record<Service, string[]>> = {
      ingestion: ['cairn.ingestion.document-chunked.v1'],
      embedding: ['cairn.embedding.chunks-indexed.v1'],
      retrieval: ['cairn.retrieval.search-performed.v1'],
      audit: ['cairn.audit.checkpoint-signed.v1'],
    };
    for (const service of SERVICES) {
      const declared = catalogue.events
        .filter((e) => e.producers.some((p) => p.service === service))
        .map((e) => e.topic);
      for (const topic of exercised[service] ?? []) {
        await seen(service, `cairn_events_published_total{topic="${topic}"}`, `events published to ${topic}`);
      }
      const published = (await samples(service, 'cairn_events_published_total')).map(
        (s) => s.metric['topic'],
      );
      for (const topic of published) {
        assert.ok(
          declared.includes(topic!),
          `${service} publishes ${topic}, which the catalogue does not list for it`,
        );
      }
      const handled = await samples(service, 'cairn_events_handled_total');
      for (const sample of handled) {
        const group = sample.metric['group']!.replace(`${groupPrefix}-`, '');
        const listed = catalogue.events.some(
          (e) =>
            e.topic === sample.metric['topic'] &&
            e.consumers.some((c) => c.service === service && c.group === group),
        );
        assert.ok(
          listed,
          `${service} handled ${sample.metric['topic']} in ${group}, which the catalogue does not list`,
        );
      }
    }
  });

  void it('has the embedding batch sizes and token counts', async () => {
    for (const histogram of ['cairn_embedding_batch_chunks', 'cairn_embedding_batch_documents']) {
      const count = await seen('embedding', `${histogram}_count`, `the ${histogram} histogram`);
      assert.ok(count[0]!.value >= 1);
      const buckets = await samples('embedding', `${histogram}_bucket`);
      assert.ok(buckets.length > 1, `${histogram} has buckets`);
    }
    const tokens = await seen('embedding', 'cairn_embedding_chunk_tokens_total', 'the model token counter');
    assert.ok(tokens[0]!.value > 0 && tokens[0]!.metric['model'], 'tokens are counted per model');
    await seen('embedding', 'cairn_embedding_chunks_embedded_total', 'the embedded chunk counter');
  });

  void it('counts dead-lettered records per topic and group', async () => {
    for (const service of ['ingestion', 'audit'] as const) {
      const dead = await seen(
        service,
        `cairn_events_dead_lettered_total{topic="${SUBMITTED}"}`,
        'the dead-letter counter of the undecodable record',
      );
      assert.equal(dead[0]!.metric['group'], `${groupPrefix}-${service}`);
      assert.ok(dead[0]!.value >= 1);
    }
  });

  void it('has the process metrics of every service', async () => {
    for (const service of SERVICES) {
      for (const name of [
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
      ]) {
        const [sample] = await seen(service, name, 'a process metric');
        assert.equal(sample!.metric['service'], service, `${name} carries the service label`);
      }
    }
  });
});

/** Partition count of each topic, from the broker. */
async function partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
  const admin = new Kafka({
    brokers: kafkaBrokers(),
    clientId: 'prometheus-e2e-admin',
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
    return new Map(metadata.map((topic) => [topic.name, topic.partitions.length]));
  } finally {
    await admin.disconnect();
  }
}
