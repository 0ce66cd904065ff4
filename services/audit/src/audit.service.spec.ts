import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { create, fromBinary } from '@bufbuild/protobuf';
import { timestampFromMs, timestampNow } from '@bufbuild/protobuf/wkt';
import pg from 'pg';
import { checkpointMessage } from '@cairn/audit-store';
import { RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { AuditService, VerifyFailure } from '@cairn/contracts/cairn/audit/v1/audit';
import {
  AuditCheckpointSignedSchema,
  type AuditCheckpointSigned,
} from '@cairn/contracts/cairn/audit/v1/events';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import {
  DocumentChunkedSchema,
  DocumentDeletedSchema,
  DocumentSubmittedSchema,
} from '@cairn/contracts/cairn/ingestion/v1/events';
import { EVENT_BUS, topicFor, type EventBus } from '@cairn/events';
import {
  apiKeyRecordToJson,
  createGrpcClient,
  generateApiKey,
  GrpcError,
  Status,
  type GrpcClient,
} from '@cairn/grpc';
import { startServiceProcess, type RunningServiceProcess } from '@cairn/platform';
import { postgresForTests, waitFor } from '@cairn/testing';
import { auditConfigSchema, type AuditConfig } from './audit.config.js';
import { AuditModule } from './audit.module.js';
import { Checkpointer } from './checkpoints/checkpointer.js';
import { parseSigningKey } from './signing/signing-key.provider.js';
import { publishAgentRun } from './testing/agent-run.fixture.js';

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

interface Backend {
  readonly name: 'sqlite' | 'postgres';
  readonly skip: string | false;
  env(dataDir: string): Record<string, string>;
  /** Runs SQL on the audit store's database behind the service's back. */
  tamper(dataDir: string, sql: (table: (name: string) => string) => string): Promise<void>;
}

const postgres = postgresForTests('audit service on PostgreSQL');
const pgSchema = `audit_svc_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const pgSeed = randomBytes(32).toString('base64');

const BACKENDS: readonly Backend[] = [
  {
    name: 'sqlite',
    skip: false,
    env: () => ({}),
    tamper: async (dataDir, sql) => {
      const db = new DatabaseSync(join(dataDir, 'audit.db'));
      try {
        db.exec(sql((name) => `audit_${name}`));
      } finally {
        db.close();
      }
    },
  },
  {
    name: 'postgres',
    skip: postgres.skip ?? false,
    env: () => ({
      CAIRN_AUDIT_STORE_BACKEND: 'postgres',
      CAIRN_AUDIT_POSTGRES_URL: postgres.url,
      CAIRN_AUDIT_POSTGRES_SCHEMA: pgSchema,
      CAIRN_AUDIT_SIGNING_KEY: pgSeed,
    }),
    tamper: async (_dataDir, sql) => {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        await client.query(sql((name) => `"${pgSchema}".audit_${name}`));
      } finally {
        await client.end();
      }
    },
  },
];

for (const backend of BACKENDS) {
  void describe(`audit service on ${backend.name}`, { skip: backend.skip }, () => {
    let running: RunningServiceProcess<AuditConfig>;
    let bus: EventBus;
    let dataDir: string;
    const clients: Record<string, GrpcClient<typeof AuditService>> = {};

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'cairn-audit-svc-'));
      const keys = ['acme', 'tamper', 'erase'].map((tenant) => ({
        tenant,
        ...generateApiKey(tenant, [Role.ADMIN]),
      }));
      const keysFile = join(dataDir, 'keys.json');
      writeFileSync(keysFile, JSON.stringify({ keys: keys.map((k) => apiKeyRecordToJson(k.record)) }));
      running = await startServiceProcess({
        name: 'audit',
        configSchema: auditConfigSchema,
        modules: [AuditModule],
        configSource: {
          env: {
            CAIRN_DATA_DIR: dataDir,
            CAIRN_GRPC_PORT: '0',
            CAIRN_HTTP_PORT: '0',
            CAIRN_LOG_LEVEL: 'silent',
            CAIRN_AUTH_API_KEYS_FILE: keysFile,
            CAIRN_AUDIT_CHECKPOINT_EVERY: '3',
            CAIRN_AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
            ...backend.env(dataDir),
          },
        },
      });
      bus = running.app.get<EventBus>(EVENT_BUS);
      for (const { tenant, key } of keys)
        clients[tenant] = createGrpcClient(AuditService, `127.0.0.1:${running.grpcPort}`, { apiKey: key });
    });
    after(async () => {
      for (const client of Object.values(clients)) client.close();
      await running.close();
      if (backend.name === 'postgres')
        await backend.tamper(dataDir, () => `DROP SCHEMA "${pgSchema}" CASCADE`);
    });

    const chunked = (tenant: string, documentId: string, text: string) =>
      create(DocumentChunkedSchema, {
        tenant,
        documentId,
        meta: { occurredAt: timestampNow(), requestId: `req-${documentId}`, principal: 'key:writer' },
        documentVersion: 1,
        collection: 'handbook',
        externalId: `ext-${documentId}`,
        chunks: [{ chunkId: `${documentId}-c0`, chunkHash: 'c'.repeat(64), text }],
      });

    async function recordsOf(tenant: string, expected: number) {
      return waitFor(
        async () => {
          const { records } = await clients[tenant]!.query({ page: { pageSize: 500 }, includePayload: true });
          return records.length >= expected ? records : undefined;
        },
        { timeoutMs: 20_000, description: `${expected} records of ${tenant}` },
      );
    }

    void it('records each event once with its subjects, trace and request; Query filters and pages', async () => {
      // One key for the DocumentChunked events: one partition, so they are recorded in this order
      // and the redelivery of event-a is handled before event-c.
      const chunkedTopic = topicFor(DocumentChunkedSchema);
      const event = chunked('acme', 'doc-a', 'Book economy class.');
      const sameKey = { tenant: 'acme', key: 'doc-a' };
      await bus.publish(chunkedTopic, event, { ...sameKey, eventId: 'event-a', traceparent: TRACEPARENT });
      await bus.publish(chunkedTopic, event, { ...sameKey, eventId: 'event-a' });
      await bus.publish(chunkedTopic, chunked('acme', 'doc-c', 'Stay near.'), {
        ...sameKey,
        eventId: 'event-c',
      });
      await bus.publish(chunkedTopic, chunked('acme', 'doc-d', 'x'), { ...sameKey, eventId: 'event-d' });
      await bus.publish(
        topicFor(DocumentSubmittedSchema),
        create(DocumentSubmittedSchema, {
          tenant: 'acme',
          externalId: 'ext-doc-b',
          collection: 'handbook',
          meta: { occurredAt: timestampFromMs(Date.parse('2026-01-01T00:00:00Z')) },
          content: { case: 'text', value: 'hello' },
        }),
        { tenant: 'acme', eventId: 'event-b' },
      );
      const records = await recordsOf('acme', 4);
      assert.equal(records.filter((r) => r.eventId === 'event-a').length, 1, 'the redelivery made no record');
      const a = records.find((r) => r.eventId === 'event-a')!;
      assert.equal(a.eventType, 'cairn.ingestion.v1.DocumentChunked');
      assert.equal(a.topic, 'cairn.ingestion.document-chunked.v1');
      assert.equal(a.principal, 'key:writer');
      assert.equal(a.traceId, '0af7651916cd43dd8448eb211c80319c');
      assert.equal(a.requestId, 'req-doc-a');
      assert.deepEqual(
        a.subjects.map((s) => `${s.kind}:${s.id}`),
        ['document:doc-a', 'external_document:handbook/ext-doc-a', 'request:req-doc-a'],
      );
      assert.equal(fromBinary(DocumentChunkedSchema, a.payload).chunks[0]?.text, 'Book economy class.');
      const b = records.find((r) => r.eventId === 'event-b')!;
      assert.equal(b.principal, 'kafka:cairn.ingestion.document-submitted.v1', 'ingress without a principal');
      assert.equal(b.occurredAt?.seconds, BigInt(Date.parse('2026-01-01T00:00:00Z') / 1000));

      const acme = clients['acme']!;
      const bySubject = await acme.query({ filter: { subject: { kind: 'document', id: 'doc-c' } } });
      assert.deepEqual(
        bySubject.records.map((r) => r.eventId),
        ['event-c'],
      );
      const byTrace = await acme.query({ filter: { traceId: a.traceId } });
      assert.deepEqual(
        byTrace.records.map((r) => r.eventId),
        ['event-a'],
      );
      const byTime = await acme.query({
        filter: { endTime: timestampFromMs(Date.parse('2026-06-01T00:00:00Z')) },
      });
      assert.deepEqual(
        byTime.records.map((r) => r.eventId),
        ['event-b'],
      );
      const filter = { eventTypes: ['cairn.ingestion.v1.DocumentChunked'] };
      const seen: string[] = [];
      let pageToken = '';
      do {
        const page = await acme.query({ filter, page: { pageSize: 2, pageToken }, descending: true });
        seen.push(...page.records.map((r) => r.eventId));
        pageToken = page.page?.nextPageToken ?? '';
      } while (pageToken !== '' && seen.length < 10);
      assert.deepEqual(seen, ['event-d', 'event-c', 'event-a']);
      assert.equal(seen.length, 3);

      const firstPage = await acme.query({ filter, page: { pageSize: 1 } });
      for (const [request, reason] of [
        [{ page: { pageToken: 'bm90LWEtdG9rZW4' } }, 'INVALID_PAGE_TOKEN'],
        [{ filter: {}, page: { pageToken: firstPage.page?.nextPageToken ?? '' } }, 'INVALID_PAGE_TOKEN'],
        [{ page: { pageSize: -1 } }, 'INVALID_PAGE_SIZE'],
        [{ filter: { traceId: 'not-hex' } }, 'INVALID_TRACE_ID'],
        [
          { filter: { startTime: timestampFromMs(2000), endTime: timestampFromMs(1000) } },
          'INVALID_TIME_RANGE',
        ],
      ] as const)
        await assert.rejects(acme.query(request), (error: unknown) => {
          assert.ok(error instanceof GrpcError);
          assert.equal(error.code, Status.INVALID_ARGUMENT);
          assert.equal(error.details?.reason, reason);
          return true;
        });

      const exported: string[] = [];
      for await (const { record } of acme.export({ filter, includePayload: true }))
        exported.push(`${record?.eventId}:${record?.payload.length ? 'payload' : 'none'}`);
      assert.deepEqual(exported, ['event-a:payload', 'event-c:payload', 'event-d:payload']);
      const resumed: string[] = [];
      for await (const { record } of acme.export({ afterSequence: a.sequence }))
        resumed.push(record!.eventId);
      assert.ok(!resumed.includes('event-a') && resumed.includes('event-d'));
    });

    void it('signs a checkpoint when a batch reaches a multiple of 3 records, and on the timer', async () => {
      const published: AuditCheckpointSigned[] = [];
      const subscription = await bus.subscribe(topicFor(AuditCheckpointSignedSchema), {
        group: `checkpoint-watch-${randomUUID()}`,
        handler: async (event) => void published.push(event.payload),
      });
      try {
        await recordsOf('acme', 4);
        // The head after the batch that reached record 3 is signed: record 3 or 4, as batches fell.
        const checkpoint = await waitFor(
          () => published.find((c) => c.tenant === 'acme' && c.sequence >= 3n),
          {
            timeoutMs: 20_000,
            description: 'the checkpoint of acme at its third record',
          },
        );
        const sequence = Number(checkpoint.sequence);
        assert.equal(checkpoint.recordId, `acme/${sequence}`);
        assert.equal(checkpoint.algorithm, 'ed25519');
        const { records } = await clients['acme']!.query({ filter: {}, page: { pageSize: sequence } });
        assert.ok(
          Buffer.from(checkpoint.hash).equals(records[sequence - 1]!.hash),
          'it signs the hash of that record',
        );
        const key =
          backend.name === 'postgres'
            ? parseSigningKey(pgSeed)
            : parseSigningKey(readFileSync(join(dataDir, 'audit-signing-key.pem'), 'utf8'));
        assert.ok(
          verify(
            null,
            checkpointMessage('acme', sequence, checkpoint.hash),
            createPublicKey(key),
            checkpoint.signature,
          ),
          'the signature verifies with the public key',
        );
        const verified = await clients['acme']!.verify({});
        assert.equal(verified.ok, true, verified.detail);
        assert.equal(verified.checkpointSequence, checkpoint.sequence);

        // Record 5 reaches no multiple of 3: only the timer's pass signs it.
        await bus.publish(topicFor(DocumentChunkedSchema), chunked('acme', 'doc-e', 'e'), { tenant: 'acme' });
        await recordsOf('acme', 5);
        assert.equal((await clients['acme']!.verify({})).checkpointSequence, checkpoint.sequence);
        await running.app.get(Checkpointer).signAll();
        const signed = await clients['acme']!.verify({});
        assert.equal(signed.checkpointSequence, 5n, 'the head (record 5) is signed now');
        await waitFor(() => published.some((c) => c.tenant === 'acme' && c.sequence === 5n), {
          description: 'the checkpoint of acme/5 to be published',
        });
      } finally {
        await subscription.close();
      }
    });

    void it('explains a search request and an agent run from the recorded events', async () => {
      const run = await publishAgentRun(bus, 'acme', 'svc');
      const explained = await waitFor(
        async () => {
          const response = await clients['acme']!.explain({ subject: { case: 'runId', value: run.runId } });
          return response.complete && response.retrievals[0]?.chunks.length ? response : undefined;
        },
        { timeoutMs: 20_000, description: 'a complete explanation of the run' },
      );
      assert.equal(explained.question, run.question);
      assert.equal(explained.answer, run.answer);
      assert.equal(explained.agent, 'helpdesk');
      assert.equal(explained.agentVersion, 3);
      assert.equal(explained.principal, 'key:agent-user');
      assert.equal(explained.requestId, run.requestId);
      assert.equal(explained.status, RunStatus.SUCCEEDED);
      assert.equal(explained.model, 'test-model');
      assert.deepEqual(
        explained.retrievals[0]?.chunks.map((c) => [
          c.chunk?.documentId,
          c.chunk?.documentVersion,
          c.chunk?.chunkId,
          c.chunk?.chunkHash,
          Math.round(c.score * 100) / 100,
          c.rank,
          c.cited,
          c.citationIndex,
        ]),
        [
          [...run.chunks[1]!, 1, true, 1],
          [...run.chunks[0]!, 2, false, 0],
        ],
      );
      assert.equal(explained.retrievals[0]?.query, 'flight class');
      assert.deepEqual(
        explained.toolCalls.map((c) => [c.tool, c.argumentsJson, c.result, c.isError]),
        [['calendar', '{"days":7}', 'no trips planned', false]],
      );
      assert.deepEqual(
        explained.guardrailVerdicts.map((v) => v.guardrail),
        ['prompt-injection'],
      );
      assert.equal(explained.modelCalls[0]?.completionTokens, 8);
      assert.equal(explained.citations[0]?.chunkId, run.chunks[1]![2]);

      const search = await clients['acme']!.explain({
        subject: { case: 'requestId', value: run.searchRequestId },
      });
      assert.equal(search.question, 'flight class');
      assert.equal(search.retrievals[0]?.chunks.length, 2);
      const byRunRequest = await clients['acme']!.explain({
        subject: { case: 'requestId', value: run.requestId },
      });
      assert.equal(byRunRequest.runId, run.runId, 'the request that started a run explains the run');
      await assert.rejects(
        clients['acme']!.explain({ subject: { case: 'runId', value: 'no-such-run' } }),
        (error: unknown) => error instanceof GrpcError && error.code === Status.NOT_FOUND,
      );
      await assert.rejects(
        clients['acme']!.explain({}),
        (error: unknown) => error instanceof GrpcError && error.code === Status.INVALID_ARGUMENT,
      );
    });

    void it('erases the payloads about a deleted document, and of a whole tenant; Verify still passes', async () => {
      const erase = clients['erase']!;
      await bus.publish(
        topicFor(DocumentSubmittedSchema),
        create(DocumentSubmittedSchema, {
          tenant: 'erase',
          externalId: 'ext-gone',
          collection: 'handbook',
          content: { case: 'text', value: 'secret text' },
        }),
        { tenant: 'erase' },
      );
      await recordsOf('erase', 1);
      await bus.publish(topicFor(DocumentChunkedSchema), chunked('erase', 'gone', 'secret text'), {
        tenant: 'erase',
      });
      await bus.publish(topicFor(DocumentChunkedSchema), chunked('erase', 'kept', 'public text'), {
        tenant: 'erase',
      });
      await recordsOf('erase', 3);
      await bus.publish(
        topicFor(DocumentDeletedSchema),
        create(DocumentDeletedSchema, {
          tenant: 'erase',
          documentId: 'gone',
          collection: 'handbook',
          externalId: 'ext-gone',
          reason: 'right to erasure',
        }),
        { tenant: 'erase' },
      );
      const records = await waitFor(
        async () => {
          const { records } = await erase.query({ includePayload: true });
          return records.length === 4 && records.filter((r) => r.payloadErased).length === 2
            ? records
            : undefined;
        },
        { timeoutMs: 20_000, description: 'the payloads about the deleted document to be erased' },
      );
      // Events of two documents may be recorded in either order (their keys may map to two partitions).
      const state = records
        .map((r) => {
          const about = r.subjects.find((s) => s.kind === 'document' || s.kind === 'external_document');
          return `${r.eventType.split('.').pop()}:${about?.id}:${r.payloadErased ? 'erased' : 'kept'}`;
        })
        .sort();
      assert.deepEqual(state, [
        'DocumentChunked:gone:erased',
        'DocumentChunked:kept:kept',
        'DocumentDeleted:gone:kept',
        'DocumentSubmitted:handbook/ext-gone:erased',
      ]);
      assert.ok(records.filter((r) => r.payloadErased).every((r) => r.payload.length === 0));
      assert.equal((await erase.verify({})).ok, true);

      const all = await erase.erase({ scope: { case: 'allRecords', value: true } });
      assert.equal(all.erasedCount, 2n);
      assert.equal(all.upToSequence, 4n);
      const after = await erase.query({ includePayload: true });
      assert.ok(after.records.every((r) => r.payloadErased && r.payload.length === 0));
      const verified = await erase.verify({});
      assert.equal(verified.ok, true, verified.detail);
      assert.equal(verified.checkedCount, 4n);
      await assert.rejects(
        erase.erase({}),
        (error: unknown) => error instanceof GrpcError && error.code === Status.INVALID_ARGUMENT,
      );
    });

    void it('Verify names a row changed in the database, and the gap a removed row leaves', async () => {
      const tamper = clients['tamper']!;
      for (let i = 0; i < 5; i++)
        await bus.publish(topicFor(DocumentChunkedSchema), chunked('tamper', `t${i}`, `text ${i}`), {
          tenant: 'tamper',
        });
      await recordsOf('tamper', 5);
      assert.equal((await tamper.verify({})).ok, true);

      await backend.tamper(
        dataDir,
        (t) =>
          `UPDATE ${t('records')} SET principal = 'key:mallory' WHERE tenant = 'tamper' AND sequence = 2`,
      );
      const changed = await tamper.verify({});
      assert.equal(changed.ok, false);
      assert.equal(changed.firstBrokenRecordId, 'tamper/2');
      assert.equal(changed.firstBrokenSequence, 2n);
      assert.equal(changed.reason, VerifyFailure.HASH_MISMATCH);
      assert.equal(changed.checkedCount, 1n);

      await backend.tamper(
        dataDir,
        (t) => `DELETE FROM ${t('records')} WHERE tenant = 'tamper' AND sequence = 4`,
      );
      const gap = await tamper.verify({ fromSequence: 3n });
      assert.equal(gap.ok, false);
      assert.equal(gap.firstBrokenRecordId, 'tamper/4');
      assert.equal(gap.reason, VerifyFailure.SEQUENCE_GAP);
      await assert.rejects(
        tamper.verify({ fromSequence: 4n, toSequence: 2n }),
        (error: unknown) => error instanceof GrpcError && error.code === Status.INVALID_ARGUMENT,
      );
    });

    void it('reports the store in /readyz', async () => {
      const response = await fetch(`http://127.0.0.1:${running.httpPort}/readyz`);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /audit-store/);
    });
  });
}
