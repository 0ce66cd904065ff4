import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeQdrantServer } from '../testing/fake-qdrant.server.js';
import { runVectorStoreContract } from '../testing/vector-store.contract.js';
import type { VectorStoreHarness } from '../testing/vector-store.contract.js';
import { pointId } from './qdrant-mapping.js';
import { QdrantVectorStore } from './qdrant.vector-store.js';

/** A harness that drops every collection it created, so a shared Qdrant is left clean. */
function harness(url: () => string): () => Promise<VectorStoreHarness> {
  return async () => {
    const store = new QdrantVectorStore({ url: url(), indexedMetadataKeys: ['lang'] });
    const created: string[] = [];
    const ensure = store.ensureCollection.bind(store);
    store.ensureCollection = async (spec) => {
      created.push(spec.model);
      await ensure(spec);
    };
    return {
      store,
      dispose: async () => {
        for (const model of created) await store.dropCollection(model);
        await store.close();
      },
    };
  };
}

let fake: FakeQdrantServer | undefined;
before(async () => {
  fake = await FakeQdrantServer.start();
});
after(async () => {
  await fake?.stop();
});

runVectorStoreContract(
  'qdrant (fake validated against the OpenAPI spec)',
  harness(() => fake?.url ?? ''),
);

describe('fake Qdrant conformance', () => {
  it('saw no request or response that violates Qdrant OpenAPI, and served the adapter operations', () => {
    assert.deepEqual(fake?.violations, []);
    const calls = new Set(fake?.calls);
    for (const op of [
      'root',
      'get_collection',
      'collection_exists',
      'create_collection',
      'create_field_index',
      'upsert_points',
      'delete_points',
      'count_points',
      'query_points',
      'delete_collection',
    ]) {
      assert.ok(calls.has(op), `adapter called ${op}`);
    }
  });

  it('rejects a malformed request with 400 and records the violation', async () => {
    const probe = await FakeQdrantServer.start();
    try {
      const response = await fetch(`${probe.url}/collections/x/points/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ limit: -3 }),
      });
      assert.equal(response.status, 400);
      assert.equal(probe.violations.length, 1);
      assert.equal(probe.violations[0]?.kind, 'request');
    } finally {
      await probe.stop();
    }
  });

  it('point ids are deterministic UUIDv5 strings scoped by tenant', () => {
    assert.equal(pointId('t', 'c1'), pointId('t', 'c1'));
    assert.notEqual(pointId('t', 'c1'), pointId('u', 'c1'));
    assert.match(pointId('t', 'c1'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

// Tests read the backend address from the environment (the config module is for services).
// eslint-disable-next-line no-restricted-properties
const realUrl = process.env['QDRANT_URL'];
runVectorStoreContract(
  'qdrant (real server at QDRANT_URL)',
  harness(() => realUrl ?? ''),
  {
    ...(realUrl ? {} : { skip: 'QDRANT_URL is not set' }),
  },
);
