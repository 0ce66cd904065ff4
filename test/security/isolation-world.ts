import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { AgentService } from '@cairn/contracts/cairn/agent/v1/agent';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import type { Prng } from '../support/prng.js';
import type { TestKeySpec } from '../support/api-keys.js';

/** Words every tenant's documents and every query draw from: a leak would be found, not hidden by disjoint vocabularies. */
export const VOCABULARY = [
  'budget',
  'travel',
  'invoice',
  'laptop',
  'policy',
  'holiday',
  'contract',
  'server',
  'backup',
  'office',
  'meeting',
  'salary',
  'vendor',
  'security',
  'password',
  'deploy',
  'release',
  'customer',
  'refund',
  'audit',
  'training',
  'parking',
  'expense',
  'printer',
  'network',
  'license',
  'hiring',
  'review',
  'quarter',
  'roadmap',
];
/** Collection names, metadata keys and values shared by all tenants. */
export const COLLECTIONS = ['handbook', 'wiki', 'notes'];
export const TEAMS = ['red', 'blue', 'green'];
export const LANGS = ['en', 'de'];

/** One tenant of the generated world: its key, clients and what it owns. */
export interface TenantWorld {
  readonly name: string;
  readonly ingestion: GrpcClient<typeof IngestionService>;
  readonly retrieval: GrpcClient<typeof RetrievalService>;
  readonly audit: GrpcClient<typeof AuditService>;
  /** The agent-runner, when the topology runs one. */
  readonly agents: GrpcClient<typeof AgentService> | undefined;
  /** Ids of the agent runs it started. */
  readonly runIds: string[];
  /** Ids of its documents, from the ingest responses. */
  readonly documentIds: Set<string>;
  /** Request ids of the searches it made. */
  readonly searchRequestIds: string[];
  /** Other tenants' document ids it named itself in requests (its trail may record its own requests). */
  readonly namedForeignIds: Set<string>;
}

/** Every tenant, and for each id who owns it. */
export interface World {
  readonly tenants: readonly TenantWorld[];
  /** Document id → owning tenant. */
  readonly owner: ReadonlyMap<string, string>;
  close(): void;
}

/** A tenant's name and key spec (admin: the audit trail needs it). */
export function tenantSpecs(rng: Prng): TestKeySpec[] {
  const run = rng.int(0, 36 ** 4).toString(36);
  return Array.from({ length: rng.int(3, 4) }, (_, i) => ({
    name: `iso-${run}-${i}`,
    tenant: `iso-${run}-${i}`,
    roles: [Role.ADMIN],
  }));
}

/** A random sentence of shared words. */
export function words(rng: Prng, min: number, max: number): string {
  return Array.from({ length: rng.int(min, max) }, () => rng.pick(VOCABULARY)).join(' ');
}

/**
 * Ingests random documents for every tenant — shared collection names, external ids, metadata and
 * words — and waits until each is indexed.
 */
export async function buildWorld(
  addresses: {
    readonly ingestion: string;
    readonly retrieval: string;
    readonly audit: string;
    readonly agents?: string;
  },
  specs: readonly TestKeySpec[],
  keys: Record<string, string>,
  rng: Prng,
): Promise<World> {
  const tenants: TenantWorld[] = specs.map((spec) => {
    const apiKey = keys[spec.name]!;
    return {
      name: spec.tenant,
      ingestion: createGrpcClient(IngestionService, addresses.ingestion, { apiKey }),
      retrieval: createGrpcClient(RetrievalService, addresses.retrieval, { apiKey }),
      audit: createGrpcClient(AuditService, addresses.audit, { apiKey }),
      agents: addresses.agents ? createGrpcClient(AgentService, addresses.agents, { apiKey }) : undefined,
      runIds: [],
      documentIds: new Set<string>(),
      searchRequestIds: [],
      namedForeignIds: new Set<string>(),
    };
  });
  const owner = new Map<string, string>();
  for (const tenant of tenants) {
    for (let i = rng.int(4, 7); i > 0; i--) {
      const paragraphs = Array.from({ length: rng.int(1, 3) }, () => `${words(rng, 8, 16)}.`);
      const { documentId } = await tenant.ingestion.ingest({
        document: {
          collection: rng.pick(COLLECTIONS),
          // The same external ids in every tenant: ids must still never collide.
          externalId: `doc-${rng.int(1, 8)}`,
          title: words(rng, 1, 3),
          mimeType: 'text/markdown',
          metadata: { team: rng.pick(TEAMS), lang: rng.pick(LANGS) },
          content: { case: 'text', value: `# ${words(rng, 1, 3)}\n\n${paragraphs.join('\n\n')}` },
        },
      });
      const known = owner.get(documentId);
      if (known !== undefined && known !== tenant.name)
        throw new Error(`document id ${documentId} was given to ${known} and ${tenant.name}`);
      owner.set(documentId, tenant.name);
      tenant.documentIds.add(documentId);
    }
  }
  for (const tenant of tenants) {
    for (const documentId of tenant.documentIds) {
      await waitFor(
        async () =>
          (await tenant.ingestion.getDocument({ documentId })).document?.status === DocumentStatus.INDEXED,
        { timeoutMs: 60_000, intervalMs: 50, description: `${tenant.name}'s ${documentId} to be indexed` },
      );
    }
  }
  return {
    tenants,
    owner,
    close: () => {
      for (const t of tenants)
        for (const client of [t.ingestion, t.retrieval, t.audit, t.agents]) client?.close();
    },
  };
}

/** The other tenants of the world. */
export function othersOf(world: World, tenant: TenantWorld): TenantWorld[] {
  return world.tenants.filter((t) => t !== tenant);
}
