import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { FakeQdrantServer } from '@cairn/vector-store/testing';
import { kafkaBrokers, postgresUrl } from './repo.js';
import { startService, type StartedService } from './service-process.js';

/** gRPC addresses of the services started apart, by service name. */
export interface DistributedServices {
  readonly ingestion: string;
  readonly embedding: string;
  readonly retrieval: string;
  readonly audit: string;
  /** PostgreSQL schema of the audit store (dropped by {@link stop}). */
  readonly auditSchema: string;
  /** Stops every process, checks each exited cleanly and the fake Qdrant saw only valid requests, drops the audit schema. */
  stop(): Promise<void>;
}

type ServiceName = 'ingestion' | 'embedding' | 'retrieval' | 'audit';

/** Extra environment: for every process, and for one service. */
export interface DistributedServicesOptions {
  readonly env?: Record<string, string>;
  readonly serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

/**
 * Ingestion, embedding, retrieval and audit as separate processes on the test run's Kafka and
 * PostgreSQL (registry and audit store), with the Qdrant fake that validates every request against
 * Qdrant's OpenAPI document as vector tier.
 */
export async function startDistributedServices(
  keysFile: string,
  options: DistributedServicesOptions = {},
): Promise<DistributedServices> {
  // Fails fast (before anything is started) when the run has no broker or database.
  const brokers = kafkaBrokers().join(',');
  const databaseUrl = postgresUrl();
  const qdrant = await FakeQdrantServer.start();
  const schema = `sec_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const shared = {
    CAIRN_AUTH_API_KEYS_FILE: keysFile,
    CAIRN_EVENTS_BACKEND: 'kafka',
    CAIRN_KAFKA_BROKERS: brokers,
    ...options.env,
  };
  const vectors = { CAIRN_VECTOR_STORE_BACKEND: 'qdrant', CAIRN_VECTOR_STORE_QDRANT_URL: qdrant.url };
  const plan: ReadonlyArray<readonly [ServiceName, Record<string, string>]> = [
    [
      'ingestion',
      { CAIRN_INGESTION_REGISTRY_BACKEND: 'postgres', CAIRN_INGESTION_POSTGRES_URL: databaseUrl },
    ],
    ['embedding', vectors],
    ['retrieval', vectors],
    [
      'audit',
      {
        CAIRN_AUDIT_STORE_BACKEND: 'postgres',
        CAIRN_AUDIT_POSTGRES_URL: databaseUrl,
        CAIRN_AUDIT_POSTGRES_SCHEMA: schema,
        CAIRN_AUDIT_SIGNING_KEY: randomBytes(32).toString('base64'),
      },
    ],
  ];
  const started = new Map<string, StartedService>();
  try {
    // One group prefix: the services of one topology must share their consumer groups.
    const groupPrefix = `sec${process.pid}-${Date.now().toString(36)}`;
    for (const [service, own] of plan)
      started.set(
        service,
        await startService({
          service,
          env: { ...shared, ...own, ...options.serviceEnv?.[service] },
          groupPrefix,
          timeoutMs: 90_000,
        }),
      );
  } catch (error) {
    await Promise.all([...started.values()].map((s) => s.stop()));
    await qdrant.stop();
    throw error;
  }
  const address = (service: string): string => started.get(service)!.grpcAddress;
  return {
    ingestion: address('ingestion'),
    embedding: address('embedding'),
    retrieval: address('retrieval'),
    audit: address('audit'),
    auditSchema: schema,
    stop: async () => {
      const codes = await Promise.all([...started.values()].map((s) => s.stop()));
      await qdrant.stop();
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
      assert.deepEqual(codes, [0, 0, 0, 0], 'every service stops cleanly');
      assert.deepEqual(
        qdrant.violations,
        [],
        'every Qdrant request and response matched the OpenAPI contract',
      );
    },
  };
}
