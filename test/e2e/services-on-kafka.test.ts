import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventSchemas } from '@cairn/contracts';
import { StatusService } from '@cairn/contracts/cairn/ops/v1/status';
import { Health, HealthCheckResponse_ServingStatus } from '@cairn/contracts/grpc/health/v1/health';
import { topicFor } from '@cairn/events';
import { createGrpcClient } from '@cairn/grpc';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers, skipKafka } from '../support/repo.js';
import { startService, type StartedService } from '../support/service-process.js';

const SERVICES = [
  ['ingestion', 'cairn.ingestion.v1.IngestionService'],
  ['embedding', 'cairn.embedding.v1.EmbeddingService'],
  ['retrieval', 'cairn.retrieval.v1.RetrievalService'],
  ['agent-runner', 'cairn.agent.v1.AgentService'],
  ['audit', 'cairn.audit.v1.AuditService'],
] as const;

/** Each service started alone, as in production, against the real broker. */
void describe('each service as its own process on Kafka', { skip: skipKafka() }, () => {
  const started: StartedService[] = [];
  before(async () => {
    const env = { CAIRN_EVENTS_BACKEND: 'kafka', CAIRN_KAFKA_BROKERS: kafkaBrokers().join(',') };
    for (const [service] of SERVICES) started.push(await startService({ service, env, timeoutMs: 60_000 }));
  });
  after(async () => {
    const codes = await Promise.all(started.map((service) => service.stop()));
    assert.deepEqual(
      codes,
      SERVICES.map(() => 0),
      'every service stops cleanly on SIGTERM',
    );
  });

  void it('each boots and answers grpc.health.v1 SERVING for its own API', async () => {
    for (const [index, [name, typeName]] of SERVICES.entries()) {
      const client = createGrpcClient(Health, started[index]!.grpcAddress);
      try {
        const own = await client.check({ service: typeName }, { deadlineMs: 5000 });
        assert.equal(own.status, HealthCheckResponse_ServingStatus.SERVING, `${name} serves ${typeName}`);
        const overall = await client.check({ service: '' }, { deadlineMs: 5000 });
        assert.equal(overall.status, HealthCheckResponse_ServingStatus.SERVING);
      } finally {
        client.close();
      }
    }
  });

  void it('each serves cairn.ops.v1.StatusService under its own name, with the counts of its own data', async () => {
    const countsBy: Record<string, string[]> = {
      ingestion: ['ingestion'],
      audit: ['audit'],
      'agent-runner': ['agent-runner'],
    };
    for (const [index, [name, typeName]] of SERVICES.entries()) {
      const { grpcAddress, dataDir } = started[index]!;
      const apiKey = readFileSync(join(dataDir, '.cairn', 'api-key'), 'utf8').trim();
      const client = createGrpcClient(StatusService, grpcAddress, { apiKey });
      try {
        const status = await client.getStatus({}, { deadlineMs: 10_000 });
        assert.equal(status.process, name);
        assert.ok(status.services.includes(typeName), `${name} lists ${typeName}`);
        assert.ok(status.services.includes(StatusService.typeName), `${name} lists the status service`);
        assert.equal(status.healthy, true, `${name}: ${JSON.stringify(status.components)}`);
        assert.ok(status.components.some((c) => c.name === 'event-bus'));
        assert.deepEqual([...new Set(status.counts.map((c) => c.service))], countsBy[name] ?? [], name);
      } finally {
        client.close();
      }
    }
  });

  void it('the admin step created every event topic and its dead-letter topic', async () => {
    const admin = new Kafka({
      brokers: kafkaBrokers(),
      clientId: 'topics-check',
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const topics = new Set(await admin.listTopics());
      for (const schema of eventSchemas) {
        const name = topicFor(schema).name;
        assert.ok(topics.has(name), `${name} exists`);
        assert.ok(topics.has(`${name}.dlq`), `${name}.dlq exists`);
      }
    } finally {
      await admin.disconnect();
    }
  });
});
