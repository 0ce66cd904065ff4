import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { FakeQdrantServer } from '@cairn/vector-store/testing';
import { writeApiKeys } from '../../support/api-keys.js';
import { ServiceSlot } from './service-slot.js';

/** What a service's environment is built from. */
export interface FaultContext {
  readonly brokers: string;
  readonly postgresUrl: string;
  readonly qdrantUrl: string;
  readonly auditSchema: string;
  readonly signingKey: string;
}

/** Qdrant (the fake) and the hash embedding provider: the scenarios are not about the model. */
function vectorTier(c: FaultContext): Record<string, string> {
  return {
    CAIRN_VECTOR_STORE_BACKEND: 'qdrant',
    CAIRN_VECTOR_STORE_QDRANT_URL: c.qdrantUrl,
    CAIRN_EMBEDDING_PROVIDER: 'hash',
  };
}

/** A service of the distributed topology and how it is configured; the scenarios iterate over these. */
export interface FaultServiceSpec {
  readonly name: string;
  env(context: FaultContext): Record<string, string>;
}

/**
 * The services fault scenarios start, kill and restart, each its own process as in production.
 * A new service is one entry here (agent-runner joins once it has work to do mid-ingest).
 */
export const FAULT_SERVICES: readonly FaultServiceSpec[] = [
  {
    name: 'ingestion',
    env: (c) => ({
      CAIRN_INGESTION_REGISTRY_BACKEND: 'postgres',
      CAIRN_INGESTION_POSTGRES_URL: c.postgresUrl,
      // Small chunks (one per section of a fault document): a revision retains, adds and removes chunks.
      CAIRN_INGESTION_CHUNK_MAX_TOKENS: '40',
      CAIRN_INGESTION_CHUNK_OVERLAP_TOKENS: '0',
    }),
  },
  { name: 'embedding', env: (c) => vectorTier(c) },
  { name: 'retrieval', env: (c) => vectorTier(c) },
  {
    name: 'audit',
    env: (c) => ({
      CAIRN_AUDIT_STORE_BACKEND: 'postgres',
      CAIRN_AUDIT_POSTGRES_URL: c.postgresUrl,
      CAIRN_AUDIT_POSTGRES_SCHEMA: c.auditSchema,
      CAIRN_AUDIT_SIGNING_KEY: c.signingKey,
      CAIRN_AUDIT_CHECKPOINT_EVERY: '25',
    }),
  },
];

/** Options of {@link FaultTopology.start}. */
export interface FaultTopologyOptions {
  readonly brokers: string;
  readonly postgresUrl: string;
  /** Tenants that get an admin API key (default: one random tenant). */
  readonly tenants?: readonly string[];
  /** Environment of every service; per-service settings (e.g. the embedding provider) in `serviceEnv`. */
  readonly env?: Record<string, string>;
  readonly serviceEnv?: Record<string, Record<string, string>>;
  /** Embedding model the vector tier is written with (default: the hash provider's). */
  readonly model?: VectorModel;
}

/** A model's collection in the vector tier. */
export interface VectorModel {
  readonly model: string;
  readonly dimension: number;
}

/** Clients of one tenant on the topology's public APIs. */
export interface TenantClients {
  readonly tenant: string;
  readonly ingestion: GrpcClient<typeof IngestionService>;
  readonly retrieval: GrpcClient<typeof RetrievalService>;
  readonly audit: GrpcClient<typeof AuditService>;
}

/** A tenant's clients, recreated when a restarted service came back on another address. */
class LiveClients implements TenantClients {
  private made: Partial<Record<string, { address: string; client: { close(): void } }>> = {};

  constructor(
    readonly tenant: string,
    private readonly apiKey: string,
    private readonly addressOf: (service: string) => string,
  ) {}

  get ingestion(): GrpcClient<typeof IngestionService> {
    return this.client('ingestion', (address) =>
      createGrpcClient(IngestionService, address, { apiKey: this.apiKey }),
    );
  }

  get retrieval(): GrpcClient<typeof RetrievalService> {
    return this.client('retrieval', (address) =>
      createGrpcClient(RetrievalService, address, { apiKey: this.apiKey }),
    );
  }

  get audit(): GrpcClient<typeof AuditService> {
    return this.client('audit', (address) =>
      createGrpcClient(AuditService, address, { apiKey: this.apiKey }),
    );
  }

  close(): void {
    for (const made of Object.values(this.made)) made?.client.close();
    this.made = {};
  }

  private client<C extends { close(): void }>(service: string, create: (address: string) => C): C {
    const address = this.addressOf(service);
    const made = this.made[service];
    if (made?.address === address) return made.client as C;
    made?.client.close();
    const client = create(address);
    this.made[service] = { address, client };
    return client;
  }
}

/**
 * The services apart on a scenario's own Kafka and PostgreSQL, the OpenAPI-checking fake Qdrant in
 * this process (its points can be counted), every service back on its port after a restart where it
 * can (clients follow it where it cannot), so clients reconnect after
 * a restart. Logs go to `runDir/<service>.log`.
 */
export class FaultTopology {
  readonly runDir: string;
  readonly groupPrefix: string;
  private readonly slots = new Map<string, ServiceSlot>();
  private readonly clients: LiveClients[] = [];

  model: VectorModel = { model: 'hash-384', dimension: 384 };

  private constructor(
    readonly qdrant: FakeQdrantServer,
    readonly context: FaultContext,
    readonly keys: Record<string, string>,
    runDir: string,
  ) {
    this.runDir = runDir;
    this.groupPrefix = `faults-${randomUUID().slice(0, 8)}`;
  }

  static async start(options: FaultTopologyOptions): Promise<FaultTopology> {
    const runDir = mkdtempSync(join(tmpdir(), 'cairn-faults-'));
    const tenants = options.tenants ?? [`tenant-${randomUUID().slice(0, 8)}`];
    const { file, keys } = writeApiKeys(runDir, tenants);
    const qdrant = await FakeQdrantServer.start();
    const context: FaultContext = {
      brokers: options.brokers,
      postgresUrl: options.postgresUrl,
      qdrantUrl: qdrant.url,
      auditSchema: `audit_faults_${randomUUID().replaceAll('-', '').slice(0, 12)}`,
      signingKey: randomBytes(32).toString('base64'),
    };
    const topology = new FaultTopology(qdrant, context, keys, runDir);
    if (options.model) topology.model = options.model;
    try {
      for (const spec of FAULT_SERVICES) {
        const env = {
          CAIRN_AUTH_API_KEYS_FILE: file,
          CAIRN_EVENTS_BACKEND: 'kafka',
          CAIRN_KAFKA_BROKERS: options.brokers,
          // A SIGKILLed consumer's partitions move on after 15 s instead of the default 30 s (shorter
          // ones get live members expelled on a loaded two-core machine).
          CAIRN_KAFKA_SESSION_TIMEOUT_MS: '15000',
          ...options.env,
          ...spec.env(context),
          ...options.serviceEnv?.[spec.name],
        };
        const slot = new ServiceSlot(
          spec.name,
          env,
          mkdtempSync(join(runDir, `${spec.name}-`)),
          topology.groupPrefix,
          join(runDir, `${spec.name}.log`),
        );
        topology.slots.set(spec.name, slot);
      }
      // Started one after the other: each creates the topics it needs, and two cores are shared.
      for (const slot of topology.slots.values()) await slot.start();
    } catch (error) {
      await topology.stop();
      throw error;
    }
    return topology;
  }

  /** Names of the running services, in start order. */
  get services(): readonly string[] {
    return [...this.slots.keys()];
  }

  /** Clients of `tenant` (the first tenant by default), following each service to its current address; closed by `stop()`. */
  tenant(tenant = Object.keys(this.keys)[0] ?? ''): TenantClients {
    const found = this.clients.find((c) => c.tenant === tenant);
    if (found) return found;
    const apiKey = this.keys[tenant];
    if (!apiKey) throw new Error(`no API key for tenant ${tenant}`);
    const clients = new LiveClients(tenant, apiKey, (name) => this.slot(name).grpcAddress);
    this.clients.push(clients);
    return clients;
  }

  /** SIGKILLs a service. */
  kill(name: string): Promise<void> {
    return this.slot(name).kill();
  }

  /** SIGKILLs a service (if it runs) and starts it again on the same ports, data dir and groups. */
  restart(name: string): Promise<void> {
    return this.slot(name).restart();
  }

  /** SIGTERMs a service (it leaves its consumer groups cleanly); resolves with its exit code. */
  async terminate(name: string): Promise<number | null> {
    return this.slot(name).stop();
  }

  /** Starts a killed or terminated service again. */
  async revive(name: string): Promise<void> {
    const slot = this.slot(name);
    slot.restarts++;
    await slot.start();
  }

  /** True when the service's process has not exited (a crash is a finding of its own). */
  running(name: string): boolean {
    const child = this.slot(name).current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Services whose process exited on its own (not by a kill of the scenario). */
  crashed(): string[] {
    return [...this.slots.values()]
      .filter((slot) => {
        const child = slot.current?.child;
        return child !== undefined && child.exitCode !== null;
      })
      .map((slot) => `${slot.name} (exit ${slot.current?.child.exitCode})`);
  }

  /** Waits until every service answers its readiness probe. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    await Promise.all(
      [...this.slots.values()].map((slot) =>
        waitFor(
          async () => {
            const base = slot.current?.httpBase;
            if (!base) return false;
            const response = await fetch(`${base}/readyz`).catch(() => undefined);
            return response?.status === 200;
          },
          { timeoutMs, intervalMs: 200, description: `${slot.name} to be ready` },
        ),
      ),
    );
  }

  /** Closes clients, SIGTERMs every service, stops the fake Qdrant; never throws. Exit codes by service. */
  async stop(): Promise<Record<string, number | null>> {
    for (const clients of this.clients.splice(0)) clients.close();
    const codes: Record<string, number | null> = {};
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        codes[slot.name] = await slot.stop().catch(() => -1);
      }),
    );
    await this.qdrant.stop().catch(() => undefined);
    return codes;
  }

  private slot(name: string): ServiceSlot {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`no service ${name} in the topology`);
    return slot;
  }
}
