import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { Status, tenantFieldOf } from '@cairn/grpc';
import { propertySeed } from '../support/prng.js';
import { cairnMethods, encode, methodName, RawGrpcClient } from '../support/raw-grpc.js';
import { writeApiKeyFile, type TestKeySpec } from '../support/api-keys.js';
import { startDistributedServices } from '../support/distributed-services.js';
import { skipKafka } from '../support/repo.js';
import { startSecuredAllInOne, type SecuredProcess } from './harness.js';
import { assertOwn, documentOf, MODES, SURFACES } from './isolation-surfaces.js';
import { buildWorld, othersOf, tenantSpecs, words, type World } from './isolation-world.js';

/** Where the property runs: the services' addresses, the tenants' keys and how to stop. */
interface IsolationTopology {
  readonly addresses: {
    readonly ingestion: string;
    readonly retrieval: string;
    readonly audit: string;
    readonly agents?: string;
  };
  /** gRPC address serving a Cairn service (by full name), if this topology runs it. */
  addressOf(service: string): string | undefined;
  readonly keys: Record<string, string>;
  stop(): Promise<void>;
}

async function allInOne(specs: readonly TestKeySpec[]): Promise<IsolationTopology> {
  const cairn: SecuredProcess = await startSecuredAllInOne(specs);
  const address = cairn.aio.grpcAddress;
  return {
    addresses: { ingestion: address, retrieval: address, audit: address, agents: address },
    addressOf: () => address,
    keys: cairn.keys,
    stop: () => cairn.stop(),
  };
}

const HASH_EMBEDDINGS = { CAIRN_EMBEDDING_PROVIDER: 'hash' };

/** The services apart on Kafka, PostgreSQL and Qdrant: tenant filters run in Qdrant and SQL here. */
async function distributed(specs: readonly TestKeySpec[]): Promise<IsolationTopology> {
  const { file, keys } = writeApiKeyFile(mkdtempSync(join(tmpdir(), 'cairn-isolation-')), specs);
  const services = await startDistributedServices(file, {
    // Only the services that embed read the provider; every other key would be refused as unknown.
    serviceEnv: { embedding: HASH_EMBEDDINGS, retrieval: HASH_EMBEDDINGS },
  });
  const byService: Record<string, string> = {
    'cairn.ingestion.v1.IngestionService': services.ingestion,
    'cairn.embedding.v1.EmbeddingService': services.embedding,
    'cairn.retrieval.v1.RetrievalService': services.retrieval,
    'cairn.audit.v1.AuditService': services.audit,
  };
  return {
    addresses: services,
    addressOf: (service) => byService[service],
    keys,
    stop: () => services.stop(),
  };
}

/**
 * Tenant isolation as a property: random tenants, each with its own key, random documents with
 * overlapping vocabulary, collections, external ids and metadata, random queries; for every tenant
 * and every surface, nothing of another tenant comes back. Runs on the all-in-one and on the
 * services apart. Replay a failure with the printed seed (`CAIRN_PROPERTY_SEED`).
 */
for (const [name, start, skip] of [
  ['all-in-one', allInOne, false],
  ['distributed on Kafka + PostgreSQL + Qdrant', distributed, skipKafka()],
] as const) {
  void describe(`tenant isolation (property, ${name})`, { timeout: 600_000, skip }, () => {
    const rng = propertySeed(`tenant isolation, ${name}`);
    const specs = tenantSpecs(rng);
    let topology: IsolationTopology;
    let world: World;
    const seen = new Map<string, number>();

    before(async () => {
      topology = await start(specs);
      world = await buildWorld(topology.addresses, specs, topology.keys, rng);
    });
    after(async () => {
      // Either is unset when starting failed.
      (world as World | undefined)?.close();
      await (topology as IsolationTopology | undefined)?.stop();
    });

    for (const surface of SURFACES) {
      const skipSurface =
        surface.needsAgents && name !== 'all-in-one' ? 'no agent-runner in this topology' : false;
      void it(`${surface.name}: never another tenant's data`, { skip: skipSurface }, async () => {
        for (const tenant of world.tenants) await surface.check({ world, tenant, rng, seen });
      });
    }

    void it('the property was checked on real answers', (t) => {
      t.diagnostic(
        `tenants ${world.tenants.length}, documents ${world.owner.size}; non-empty answers: ${JSON.stringify(Object.fromEntries(seen))}`,
      );
      for (const mode of MODES)
        assert.ok(
          (seen.get(`Search ${SearchMode[mode]} no filter`) ?? 0) > 0,
          `some ${SearchMode[mode]} searches found chunks`,
        );
      assert.ok((seen.get('audit records') ?? 0) >= world.tenants.length);
    });

    void it('a query finds data in several tenants at once (a leak would show)', async () => {
      const query = words(rng, 6, 8);
      const answered = [];
      for (const tenant of world.tenants) {
        const found = await tenant.retrieval.search({ query, mode: SearchMode.KEYWORD, topK: 5 });
        assertOwn({ world, tenant, rng, seen }, found.chunks.map(documentOf), `Search '${query}'`);
        if (found.chunks.length > 0) answered.push(tenant.name);
      }
      assert.ok(answered.length >= 2, `'${query}' matched in ${answered.join(', ') || 'no tenant'}`);
    });

    void it('naming another tenant in any request is PERMISSION_DENIED', async () => {
      for (const tenant of world.tenants) {
        for (const method of cairnMethods()) {
          const field = tenantFieldOf(method.input);
          const address = topology.addressOf(method.parent.typeName);
          if (!field || !address) continue;
          const raw = new RawGrpcClient(address);
          try {
            const other = rng.pick(othersOf(world, tenant)).name;
            const outcome = await raw.call(method, [encode(method.input, { [field.localName]: other })], {
              apiKey: topology.keys[tenant.name]!,
            });
            assert.equal(
              Status[outcome.code],
              'PERMISSION_DENIED',
              `${methodName(method)}: ${outcome.details}`,
            );
            assert.equal(outcome.detail?.reason, 'TENANT_MISMATCH');
          } finally {
            raw.close();
          }
        }
      }
    });
  });
}
