// How many records/s the audit service appends on PostgreSQL when it consumes a backlog from Kafka:
// events are published first, then the service starts and records them all. Reported, not asserted.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampMs, timestampNow } from '@bufbuild/protobuf/wkt';
import pg from 'pg';
import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { DocumentChunkedSchema } from '@cairn/contracts/cairn/ingestion/v1/events';
import { KafkaEventBus, topicFor } from '@cairn/events';
import { createGrpcClient } from '@cairn/grpc';
import { silentLogger } from '@cairn/observability';
import { waitFor } from '@cairn/testing';
import { writeApiKeys } from '../support/api-keys.js';
import { kafkaBrokers, postgresUrl } from '../support/repo.js';
import { startService } from '../support/service-process.js';

const EVENTS = 3000;
const tenant = `bench-${randomUUID().slice(0, 8)}`;
const schema = `audit_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const topic = topicFor(DocumentChunkedSchema);

const bus = new KafkaEventBus({ brokers: kafkaBrokers(), clientId: 'audit-bench', logger: silentLogger() });
await bus.start();
await bus.ensureTopics([topic]);
for (let n = 0; n < EVENTS; n += 250)
  await Promise.all(
    Array.from({ length: Math.min(250, EVENTS - n) }, (_, i) =>
      bus.publish(
        topic,
        create(DocumentChunkedSchema, {
          tenant,
          documentId: `doc-${(n + i) % 12}`,
          meta: { occurredAt: timestampNow(), requestId: `req-${n + i}`, principal: 'key:bench' },
          documentVersion: 1,
          chunks: [{ chunkId: `c-${n + i}`, chunkHash: 'a'.repeat(64), text: 'x'.repeat(512) }],
        }),
        { tenant },
      ),
    ),
  );
await bus.stop();

const { file, keys } = writeApiKeys(mkdtempSync(join(tmpdir(), 'cairn-audit-bench-')), [tenant]);
const started = performance.now();
const audit = await startService({
  service: 'audit',
  env: {
    CAIRN_AUTH_API_KEYS_FILE: file,
    CAIRN_EVENTS_BACKEND: 'kafka',
    CAIRN_KAFKA_BROKERS: kafkaBrokers().join(','),
    CAIRN_AUDIT_STORE_BACKEND: 'postgres',
    CAIRN_AUDIT_POSTGRES_URL: postgresUrl(),
    CAIRN_AUDIT_POSTGRES_SCHEMA: schema,
    CAIRN_AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
  },
  timeoutMs: 120_000,
});
const client = createGrpcClient(AuditService, audit.grpcAddress, { apiKey: keys[tenant]! });
try {
  const last = await waitFor(
    async () => {
      const { records } = await client.query({ page: { pageSize: 1 }, descending: true });
      return records[0]?.sequence === BigInt(EVENTS) ? records[0] : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 200, description: `${EVENTS} records` },
  );
  const total = (performance.now() - started) / 1000;
  const { records } = await client.query({ page: { pageSize: 1 } });
  const recordingSeconds = (timestampMs(last.recordedAt!) - timestampMs(records[0]!.recordedAt!)) / 1000;
  process.stdout.write(
    `audit service on Kafka + PostgreSQL: ${EVENTS} backlog events (3 partitions, batches of up to 200)\n` +
      `  appending (first to last record)   ${Math.round((EVENTS - 1) / recordingSeconds)} records/s\n` +
      `  from process start (incl. joining 11 consumer groups)   ${Math.round(EVENTS / total)} records/s\n`,
  );
} finally {
  client.close();
  await audit.stop();
  const db = new pg.Client({ connectionString: postgresUrl() });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.end();
}
