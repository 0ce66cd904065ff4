import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { publishAgentRun } from '@cairn/audit/testing';
import { AuditService, VerifyFailure, type AuditRecord } from '@cairn/contracts/cairn/audit/v1/audit';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { KafkaEventBus } from '@cairn/events';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import { silentLogger } from '@cairn/observability';
import { waitFor } from '@cairn/testing';
import { writeApiKeys } from '../support/api-keys.js';
import { kafkaBrokers, postgresUrl, skipKafka } from '../support/repo.js';
import { startDistributedServices } from '../support/distributed-services.js';
import { startService } from '../support/service-process.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

interface Topology {
  readonly ingestion: string;
  readonly retrieval: string;
  readonly audit: string;
  /** Publishes events as another service would (undefined when the log is inside the process). */
  readonly bus?: KafkaEventBus;
  /** Runs SQL on the audit store behind the service's back (`schema` qualifies its tables). */
  readonly auditSql: (sql: (schema: string) => string) => Promise<void>;
  stop(): Promise<void>;
}

async function embeddedTopology(keysFile: string): Promise<Topology> {
  const aio = await startService({ service: 'all-in-one', env: { CAIRN_AUTH_API_KEYS_FILE: keysFile } });
  return {
    ingestion: aio.grpcAddress,
    retrieval: aio.grpcAddress,
    audit: aio.grpcAddress,
    // The audit store is a SQLite file in the process's data dir; another connection can write it.
    auditSql: async (sql) => {
      const db = new DatabaseSync(join(aio.dataDir, '.cairn', 'audit.db'), { timeout: 5_000 });
      try {
        db.exec(sql('main'));
      } finally {
        db.close();
      }
    },
    stop: async () => assert.equal(await aio.stop(), 0),
  };
}

/** Ingestion, embedding, retrieval and audit apart, on Kafka and PostgreSQL (registry and audit store). */
async function distributedTopology(keysFile: string): Promise<Topology> {
  const services = await startDistributedServices(keysFile, {
    serviceEnv: { audit: { CAIRN_AUDIT_CHECKPOINT_EVERY: '4' } },
  });
  const bus = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: 'audit-e2e', logger: silentLogger() });
  try {
    await bus.start();
  } catch (error) {
    await services.stop();
    throw error;
  }
  return {
    ingestion: services.ingestion,
    retrieval: services.retrieval,
    audit: services.audit,
    bus,
    auditSql: async (sql) => {
      const client = new pg.Client({ connectionString: postgresUrl() });
      await client.connect();
      try {
        await client.query(sql(`"${services.auditSchema}"`));
      } finally {
        await client.end();
      }
    },
    stop: async () => {
      await bus.stop();
      await services.stop();
    },
  };
}

for (const [name, start, skip] of [
  ['all-in-one, embedded', embeddedTopology, false],
  ['distributed on Kafka + PostgreSQL', distributedTopology, skipKafka()],
] as const) {
  void describe(`audit trail end to end (${name})`, { skip }, () => {
    const tenant = `audit-${randomUUID().slice(0, 8)}`;
    let topology: Topology;
    let ingestion: GrpcClient<typeof IngestionService>;
    let retrieval: GrpcClient<typeof RetrievalService>;
    let audit: GrpcClient<typeof AuditService>;
    let documentId = '';
    let searchRequestId = '';

    before(async () => {
      const { file, keys } = writeApiKeys(mkdtempSync(join(tmpdir(), 'cairn-audit-e2e-')), [tenant]);
      topology = await start(file);
      const apiKey = keys[tenant]!;
      ingestion = createGrpcClient(IngestionService, topology.ingestion, { apiKey });
      retrieval = createGrpcClient(RetrievalService, topology.retrieval, { apiKey });
      audit = createGrpcClient(AuditService, topology.audit, { apiKey });
    });
    after(async () => {
      for (const client of [ingestion, retrieval, audit]) client.close();
      await topology.stop();
    });

    async function recordsOfType(eventType: string, count = 1): Promise<AuditRecord[]> {
      return waitFor(
        async () => {
          const { records } = await audit.query({
            filter: { eventTypes: [eventType] },
            includePayload: true,
          });
          return records.length >= count ? records : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100, description: `${count} ${eventType} record(s) of ${tenant}` },
      );
    }

    void it('records an ingest and a search made through the public API', async () => {
      const ingested = await ingestion.ingest(
        {
          document: {
            collection: 'handbook',
            externalId: 'travel',
            mimeType: 'text/markdown',
            content: {
              case: 'text',
              value: '# Travel policy\n\nBook economy class for flights under six hours.',
            },
          },
        },
        { metadata: { traceparent: TRACEPARENT } },
      );
      documentId = ingested.documentId;
      await waitFor(
        async () => (await ingestion.getDocument({ documentId })).document?.status === DocumentStatus.INDEXED,
        { timeoutMs: 60_000, intervalMs: 100, description: 'the document to be indexed' },
      );
      const search = await waitFor(
        async () => {
          const response = await retrieval.search({
            query: 'which class for flights',
            mode: SearchMode.HYBRID,
            topK: 3,
          });
          return response.chunks.some((c) => c.chunk?.documentId === documentId) ? response : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, description: 'the document to be searchable' },
      );
      searchRequestId = search.requestId;

      const [chunked] = await recordsOfType('cairn.ingestion.v1.DocumentChunked');
      const [indexed] = await recordsOfType('cairn.embedding.v1.ChunksIndexed');
      assert.equal(chunked?.traceId, TRACE_ID, 'the trace id came from the request through the event');
      assert.ok(chunked?.subjects.some((s) => s.kind === 'document' && s.id === documentId));
      assert.match(chunked?.principal ?? '', /\S/);
      assert.ok(indexed?.subjects.some((s) => s.kind === 'document' && s.id === documentId));
      const about = await audit.query({ filter: { subject: { kind: 'document', id: documentId } } });
      assert.ok(about.records.length >= 2);
      const searches = await recordsOfType('cairn.retrieval.v1.SearchPerformed');
      assert.ok(searches.some((r) => r.requestId === searchRequestId));

      const explained = await audit.explain({ subject: { case: 'requestId', value: searchRequestId } });
      assert.equal(explained.question, 'which class for flights');
      assert.equal(explained.complete, true);
      assert.deepEqual(
        explained.retrievals[0]?.chunks.map((c) => [
          c.chunk?.chunkId,
          c.chunk?.chunkHash,
          c.score.toFixed(5),
        ]),
        search.chunks.map((c) => [c.chunk?.chunkId, c.chunk?.chunkHash, c.score.toFixed(5)]),
        'the chunks returned to the caller, with their scores',
      );

      const verified = await audit.verify({});
      assert.equal(verified.ok, true, verified.detail);
      assert.ok(verified.checkedCount >= 3n);
    });

    void it(
      'explains an agent run from the events the runner publishes',
      {
        skip: name.startsWith('all')
          ? 'the embedded log is inside the all-in-one process (runs are explained at the service level)'
          : false,
      },
      async () => {
        const run = await publishAgentRun(topology.bus!, tenant, randomUUID().slice(0, 8));
        const explained = await waitFor(
          async () => {
            const response = await audit.explain({ subject: { case: 'runId', value: run.runId } });
            return response.complete ? response : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 200, description: 'a complete explanation of the run' },
        );
        assert.equal(explained.question, run.question);
        assert.equal(explained.answer, run.answer);
        assert.deepEqual(
          explained.retrievals[0]?.chunks.filter((c) => c.cited).map((c) => c.chunk?.chunkId),
          [run.chunks[1]![2]],
        );
        assert.equal(explained.toolCalls[0]?.result, 'no trips planned');
      },
    );

    void it('a deleted document leaves its records, without their contents, and the trail verifies', async () => {
      await ingestion.deleteDocument({ documentId });
      await recordsOfType('cairn.ingestion.v1.DocumentDeleted');
      const records = await waitFor(
        async () => {
          const { records } = await audit.query({
            filter: { subject: { kind: 'document', id: documentId } },
            includePayload: true,
          });
          const before = records.filter((r) => r.eventType !== 'cairn.ingestion.v1.DocumentDeleted');
          return before.every((r) => r.payloadErased) ? records : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, description: 'the payloads about the document to be erased' },
      );
      assert.ok(
        records.some((r) => r.eventType === 'cairn.ingestion.v1.DocumentChunked' && r.payload.length === 0),
      );
      const verified = await audit.verify({});
      assert.equal(verified.ok, true, verified.detail);
    });

    void it('Verify names a record changed in the database', async () => {
      const { records } = await audit.query({ page: { pageSize: 2 } });
      const target = records[1]!;
      await topology.auditSql(
        (s) =>
          `UPDATE ${s}.audit_records SET event_type = 'forged' WHERE tenant = '${tenant}' AND sequence = ${target.sequence}`,
      );
      const verified = await audit.verify({});
      assert.equal(verified.ok, false);
      assert.equal(verified.firstBrokenRecordId, target.id);
      assert.equal(verified.reason, VerifyFailure.HASH_MISMATCH);
    });
  });
}
