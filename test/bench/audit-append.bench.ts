// Append and verify throughput of the audit store on PostgreSQL (and SQLite for comparison).
// Run with `npm run bench:audit` (it starts PostgreSQL when CAIRN_POSTGRES_URL is not set). Reported, not asserted.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PostgresAuditStore,
  SqliteAuditStore,
  verifyChain,
  type AuditEntry,
  type AuditStore,
} from '@cairn/audit-store';
import { postgresUrl } from '../support/repo.js';

const PAYLOAD = new Uint8Array(1024).fill(7);
const RECORDS = 3000;

function entry(tenant: string, n: number): AuditEntry {
  return {
    tenant,
    eventId: randomUUID(),
    eventType: 'cairn.ingestion.v1.DocumentChunked',
    topic: 'cairn.ingestion.document-chunked.v1',
    principal: 'key:bench',
    subjects: [
      { kind: 'document', id: `doc-${n % 100}` },
      { kind: 'request', id: `req-${n}` },
    ],
    occurredAt: new Date(),
    traceId: '',
    requestId: `req-${n}`,
    payload: PAYLOAD,
  };
}

/** Appends `RECORDS` entries spread over `tenants`, `concurrency` at a time; returns records/s. */
async function appendRate(store: AuditStore, tenants: number, concurrency: number): Promise<number> {
  const names = Array.from({ length: tenants }, (_, i) => `bench-${randomUUID().slice(0, 8)}-${i}`);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < RECORDS; n = next++) await store.append(entry(names[n % tenants]!, n));
    }),
  );
  return RECORDS / ((performance.now() - started) / 1000);
}

/** Appends `RECORDS` entries of one tenant in batches of `size` (one transaction each); returns records/s. */
async function batchRate(store: AuditStore, size: number): Promise<number> {
  const tenant = `bench-batch-${randomUUID().slice(0, 8)}`;
  const started = performance.now();
  for (let n = 0; n < RECORDS; n += size)
    await store.appendBatch(
      Array.from({ length: Math.min(size, RECORDS - n) }, (_, i) => entry(tenant, n + i)),
    );
  return RECORDS / ((performance.now() - started) / 1000);
}

async function verifyRate(store: AuditStore): Promise<number> {
  const tenant = `bench-verify-${randomUUID().slice(0, 8)}`;
  for (let n = 0; n < RECORDS; n++) await store.append(entry(tenant, n));
  const started = performance.now();
  const result = await verifyChain(store, tenant, {}, () => undefined);
  if (!result.ok || result.checked !== RECORDS)
    throw new Error(`verify failed: ${result.broken?.detail ?? ''}`);
  return RECORDS / ((performance.now() - started) / 1000);
}

async function measure(name: string, store: AuditStore): Promise<void> {
  await store.migrate();
  const rows: [string, number][] = [
    ['1 tenant, 1 append at a time', await appendRate(store, 1, 1)],
    ['1 tenant, 16 concurrent appends', await appendRate(store, 1, 16)],
    ['8 tenants, 16 concurrent appends', await appendRate(store, 8, 16)],
    ['1 tenant, batches of 200', await batchRate(store, 200)],
    ['verify (records checked/s)', await verifyRate(store)],
  ];
  for (const [label, rate] of rows)
    process.stdout.write(
      `${name.padEnd(10)} ${label.padEnd(34)} ${Math.round(rate).toString().padStart(7)} records/s\n`,
    );
}

process.stdout.write(`audit store: ${RECORDS} records of 1 KiB per row, 2 subjects each\n`);
const schema = `audit_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const postgres = new PostgresAuditStore({ url: postgresUrl(), schema, maxConnections: 16 });
try {
  await measure('postgres', postgres);
} finally {
  await postgres.dropSchema();
  await postgres.close();
}
const dir = mkdtempSync(join(tmpdir(), 'cairn-audit-bench-'));
const sqlite = new SqliteAuditStore({ path: join(dir, 'audit.db') });
try {
  await measure('sqlite', sqlite);
} finally {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
}
