import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DocumentRecord, DocumentRegistry } from '../document-registry.port.js';
import { chunksFor, freshTenant, versionInput } from './registry-fixtures.js';

/** A migrated registry under test; `reopen` (close + open on the same data) enables the persistence test. */
export interface DocumentRegistryHarness {
  registry: DocumentRegistry;
  reopen?: () => Promise<DocumentRegistry>;
  /** Closes whatever registry is current and removes its data. */
  dispose(current: DocumentRegistry): Promise<void>;
}

/** Options of the contract run. */
export interface DocumentRegistryContractOptions {
  /** Skip the whole suite with this reason (e.g. no backend configured). */
  skip?: string;
}

type Body = (
  registry: DocumentRegistry,
  harness: DocumentRegistryHarness,
) => Promise<DocumentRegistry | void>;

/**
 * The behaviour every DocumentRegistry adapter must have. Each test gets a fresh harness and its own
 * tenants, so the suite can also run against a shared real backend.
 */
export function runDocumentRegistryContract(
  name: string,
  makeRegistry: () => Promise<DocumentRegistryHarness>,
  options: DocumentRegistryContractOptions = {},
): void {
  const scenario = (title: string, body: Body): void => {
    void it(title, { timeout: 30_000 }, async () => {
      const harness = await makeRegistry();
      let current = harness.registry;
      try {
        current = (await body(current, harness)) ?? current;
      } finally {
        await harness.dispose(current);
      }
    });
  };

  void describe(`DocumentRegistry contract: ${name}`, { skip: options.skip ?? false }, () => {
    scenario('creates, keeps an unchanged hash as is, and bumps the version on change', async (r) => {
      const tenant = freshTenant('t');
      const created = await r.recordVersion(versionInput(tenant, 'a', 'hash-1'));
      assert.equal(created.outcome, 'created');
      assert.equal(created.record.version, 1);
      assert.equal(created.record.status, 'chunked');
      assert.equal(created.record.chunkCount, 3);
      assert.deepEqual(created.previousChunks, []);
      assert.deepEqual(await r.get(tenant, created.record.documentId), created.record);
      assert.deepEqual(await r.chunks(tenant, created.record.documentId), chunksFor('hash-1', 3));

      const again = await r.recordVersion(versionInput(tenant, 'a', 'hash-1', { title: 'ignored' }));
      assert.equal(again.outcome, 'unchanged');
      assert.deepEqual(again.record, created.record, 'nothing written');
      assert.deepEqual(again.previousChunks, []);

      const updated = await r.recordVersion(
        versionInput(tenant, 'a', 'hash-2', { chunks: chunksFor('hash-2', 2), title: 'New' }),
      );
      assert.equal(updated.outcome, 'updated');
      assert.equal(updated.record.documentId, created.record.documentId);
      assert.equal(updated.record.version, 2);
      assert.equal(updated.record.title, 'New');
      assert.equal(updated.record.chunkCount, 2);
      assert.deepEqual(updated.record.createdAt, created.record.createdAt);
      assert.deepEqual(updated.previousChunks, chunksFor('hash-1', 3));
      assert.equal(created.previousStatus, undefined, 'a first version replaces nothing');
      assert.equal(updated.previousStatus, 'chunked', 'the replaced version was never indexed');
      assert.deepEqual(await r.chunks(tenant, created.record.documentId), chunksFor('hash-2', 2));
      assert.deepEqual(await r.findByExternalId(tenant, 'docs', 'a'), updated.record);

      await r.markIndexed(tenant, created.record.documentId, 2);
      const third = await r.recordVersion(versionInput(tenant, 'a', 'hash-3'));
      assert.equal(third.previousStatus, 'indexed');
    });

    scenario('markIndexed applies to the current version only and is idempotent', async (r) => {
      const tenant = freshTenant('t');
      const { record } = await r.recordVersion(versionInput(tenant, 'a', 'h1'));
      await r.recordVersion(versionInput(tenant, 'a', 'h2'));
      assert.equal(await r.markIndexed(tenant, record.documentId, 1), false, 'stale version ignored');
      assert.equal((await r.get(tenant, record.documentId))?.status, 'chunked');
      assert.equal(await r.markIndexed(tenant, record.documentId, 2), true);
      assert.equal(await r.markIndexed(tenant, record.documentId, 2), false, 'second time is a no-op');
      const indexed = await r.get(tenant, record.documentId);
      assert.equal(indexed?.status, 'indexed');
      assert.equal(indexed?.version, 2);
      assert.equal(await r.markIndexed(tenant, 'no-such-doc', 1), false);
    });

    scenario(
      'markFailed records the reason; the same content is then retried as a new version',
      async (r) => {
        const tenant = freshTenant('t');
        const { record } = await r.recordVersion(versionInput(tenant, 'a', 'h1'));
        assert.equal(await r.markFailed(tenant, record.documentId, 0, 'stale'), false);
        assert.equal(await r.markFailed(tenant, record.documentId, 1, 'embedding model unavailable'), true);
        const failed = await r.get(tenant, record.documentId);
        assert.equal(failed?.status, 'failed');
        assert.equal(failed?.failureReason, 'embedding model unavailable');
        const retry = await r.recordVersion(versionInput(tenant, 'a', 'h1'));
        assert.equal(retry.outcome, 'updated');
        assert.equal(retry.record.version, 2);
        assert.equal(retry.record.status, 'chunked');
        assert.equal(retry.record.failureReason, undefined);
        assert.equal((await r.get(tenant, record.documentId))?.failureReason, undefined);
      },
    );

    scenario(
      'delete returns the chunks, leaves a tombstone, and re-ingest creates the next version',
      async (r) => {
        const tenant = freshTenant('t');
        const { record } = await r.recordVersion(versionInput(tenant, 'a', 'h1'));
        await r.markIndexed(tenant, record.documentId, 1);
        assert.deepEqual(await r.markDeleted(tenant, record.documentId), chunksFor('h1', 3));
        const tomb = await r.get(tenant, record.documentId);
        assert.equal(tomb?.status, 'deleted');
        assert.equal(tomb?.version, 1);
        assert.deepEqual(await r.chunks(tenant, record.documentId), []);
        assert.deepEqual(await r.markDeleted(tenant, record.documentId), [], 'second delete is a no-op');
        assert.equal(
          await r.markIndexed(tenant, record.documentId, 1),
          false,
          'late event does not resurrect',
        );
        assert.deepEqual((await r.list(tenant, { pageSize: 10 })).documents, []);
        const again = await r.recordVersion(versionInput(tenant, 'a', 'h1'));
        assert.equal(again.outcome, 'created');
        assert.equal(again.record.documentId, record.documentId);
        assert.equal(again.record.version, 2);
        assert.deepEqual(again.previousChunks, []);
        assert.deepEqual(await r.chunks(tenant, record.documentId), chunksFor('h1', 3));
      },
    );

    scenario(
      'lists 25 documents in pages of 10, each exactly once in creation order, with filters',
      async (r) => {
        const tenant = freshTenant('t');
        const ids: string[] = [];
        for (let i = 0; i < 25; i++) {
          const input = versionInput(tenant, `doc-${i}`, `h${i}`, {
            collection: i % 2 === 0 ? 'even' : 'odd',
          });
          ids.push((await r.recordVersion(input)).record.documentId);
        }
        const seen: string[] = [];
        const sizes: number[] = [];
        let token = '';
        do {
          const page = await r.list(tenant, { pageSize: 10, pageToken: token });
          sizes.push(page.documents.length);
          seen.push(...page.documents.map((d) => d.documentId));
          token = page.nextPageToken;
        } while (token !== '' && sizes.length < 10);
        assert.deepEqual(sizes, [10, 10, 5]);
        assert.deepEqual(seen, ids);

        const odd = await r.list(tenant, { collection: 'odd', pageSize: 100 });
        assert.deepEqual(
          odd.documents.map((d) => d.documentId),
          ids.filter((_, i) => i % 2 === 1),
        );
        assert.equal(odd.nextPageToken, '');
        await r.markIndexed(tenant, ids[3] ?? '', 1);
        await r.markIndexed(tenant, ids[4] ?? '', 1);
        const indexed = await r.list(tenant, { status: 'indexed', pageSize: 100 });
        assert.deepEqual(
          indexed.documents.map((d) => d.documentId),
          [ids[3], ids[4]],
        );
        const oddIndexed = await r.list(tenant, { status: 'indexed', collection: 'odd', pageSize: 100 });
        assert.deepEqual(
          oddIndexed.documents.map((d) => d.documentId),
          [ids[3]],
        );
        await assert.rejects(r.list(tenant, { pageSize: 10, pageToken: 'not-a-token' }), /pageToken/);
        await assert.rejects(r.list(tenant, { pageSize: 0 }), /pageSize/);
      },
    );

    scenario('keeps tenants apart: same externalId, separate documents; nothing crosses', async (r) => {
      const [a, b] = [freshTenant('a'), freshTenant('b')];
      const docA = (await r.recordVersion(versionInput(a, 'same', 'h-a'))).record;
      const docB = (await r.recordVersion(versionInput(b, 'same', 'h-a'))).record;
      assert.notEqual(docA.documentId, docB.documentId);
      assert.equal(docB.version, 1, 'same hash in another tenant is a new document');
      assert.equal(await r.get(b, docA.documentId), undefined);
      assert.equal((await r.findByExternalId(a, 'docs', 'same'))?.documentId, docA.documentId);
      assert.deepEqual(
        (await r.list(b, { pageSize: 10 })).documents.map((d) => d.documentId),
        [docB.documentId],
      );
      assert.deepEqual(await r.chunks(b, docA.documentId), []);
      assert.deepEqual(await r.markDeleted(b, docA.documentId), []);
      assert.equal(await r.markIndexed(b, docA.documentId, 1), false);
      assert.equal((await r.get(a, docA.documentId))?.status, 'chunked');
      assert.equal((await r.counts(a)).chunks, 3);
    });

    scenario('counts documents, chunks and statuses per tenant', async (r) => {
      const tenant = freshTenant('t');
      const d1 = (await r.recordVersion(versionInput(tenant, 'a', 'h1'))).record;
      const d2 = (await r.recordVersion(versionInput(tenant, 'b', 'h2', { chunks: chunksFor('h2', 5) })))
        .record;
      await r.recordVersion(versionInput(tenant, 'c', 'h3'));
      await r.markIndexed(tenant, d1.documentId, 1);
      await r.markDeleted(tenant, d2.documentId);
      await r.recordVersion(versionInput(freshTenant('other'), 'a', 'h1'));
      assert.deepEqual(await r.counts(tenant), {
        documents: 2,
        chunks: 6,
        byStatus: { received: 0, chunked: 1, indexed: 1, failed: 0, deleted: 1 },
      });
    });

    scenario('serializes 10 concurrent versions of one document without losing a chunk set', async (r) => {
      const tenant = freshTenant('t');
      const hashes = Array.from({ length: 10 }, (_, i) => `concurrent-${i}`);
      const results = await Promise.all(
        hashes.map((h) => r.recordVersion(versionInput(tenant, 'hot', h, { chunks: chunksFor(h, 2) }))),
      );
      const byVersion = [...results].sort((x, y) => x.record.version - y.record.version);
      assert.deepEqual(
        byVersion.map((x) => x.record.version),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.equal(new Set(results.map((x) => x.record.documentId)).size, 1);
      assert.equal(byVersion[0]?.outcome, 'created');
      // Each version replaced exactly the chunk set the version before it wrote.
      for (let v = 1; v < byVersion.length; v++)
        assert.deepEqual(
          byVersion[v]?.previousChunks,
          chunksFor(byVersion[v - 1]?.record.contentHash ?? '', 2),
          `v${v + 1}`,
        );
      const last = byVersion[9]?.record as DocumentRecord;
      const stored = await r.get(tenant, last.documentId);
      assert.equal(stored?.version, 10);
      assert.equal(stored?.contentHash, last.contentHash);
      assert.deepEqual(await r.chunks(tenant, last.documentId), chunksFor(last.contentHash, 2));
      assert.equal((await r.counts(tenant)).chunks, 2);
    });

    scenario('claimRequest: the first claim of a key wins, per tenant', async (r) => {
      const [a, b] = [freshTenant('a'), freshTenant('b')];
      assert.equal(await r.claimRequest(a, 'key-1', 'doc-1'), true);
      assert.equal(await r.claimRequest(a, 'key-1', 'doc-1'), false);
      assert.equal(await r.claimRequest(a, 'key-1', 'doc-2'), false);
      assert.equal(await r.claimRequest(b, 'key-1', 'doc-1'), true, 'another tenant has its own keys');
      const racing = await Promise.all([1, 2, 3, 4, 5].map((i) => r.claimRequest(a, 'key-2', `doc-${i}`)));
      assert.equal(racing.filter(Boolean).length, 1);
    });

    scenario('versions a document by explicit documentId and reports health', async (r) => {
      const tenant = freshTenant('t');
      const made = await r.recordVersion(versionInput(tenant, 'x', 'h1', { documentId: 'my-doc' }));
      assert.equal(made.record.documentId, 'my-doc');
      assert.equal(
        (await r.recordVersion(versionInput(tenant, 'x', 'h2', { documentId: 'my-doc' }))).record.version,
        2,
      );
      await assert.rejects(
        r.recordVersion(versionInput(tenant, 'x', 'h3', { documentId: 'other-doc' })),
        /externalId/,
      );
      await assert.rejects(r.recordVersion(versionInput('', 'x', 'h3')), /tenant is required/);
      assert.equal((await r.health()).ok, true);
    });

    scenario('keeps its data across close and reopen', async (r, harness) => {
      assert.ok(harness.reopen, 'the harness must provide reopen');
      const tenant = freshTenant('t');
      const { record } = await r.recordVersion(versionInput(tenant, 'a', 'h1'));
      await r.markIndexed(tenant, record.documentId, 1);
      await r.claimRequest(tenant, 'k', record.documentId);
      const reopened = await harness.reopen();
      const stored = await reopened.get(tenant, record.documentId);
      assert.equal(stored?.status, 'indexed');
      assert.deepEqual({ ...stored, status: record.status, updatedAt: record.updatedAt }, record);
      assert.deepEqual(await reopened.chunks(tenant, record.documentId), chunksFor('h1', 3));
      assert.equal((await reopened.recordVersion(versionInput(tenant, 'a', 'h1'))).outcome, 'unchanged');
      assert.equal(await reopened.claimRequest(tenant, 'k', record.documentId), false);
      return reopened;
    });
  });
}
