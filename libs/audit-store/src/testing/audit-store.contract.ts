import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GENESIS_HASH, payloadDigest, recordHash } from '../audit-chain.js';
import type { AuditStore } from '../audit-store.port.js';
import type { AuditTables } from '../sql/sql-executor.js';
import { verifyChain } from '../verify-chain.js';
import { entry, freshTenant, TestSigner } from './audit-fixtures.js';

/** A migrated store under test, with raw SQL access to tamper with its rows. */
export interface AuditStoreHarness {
  store: AuditStore;
  /** Qualified table names of the store. */
  tables: AuditTables;
  /** Runs SQL directly on the store's database (as an attacker with database access would). */
  exec(sql: string): Promise<void>;
  /** Close and open again on the same data. */
  reopen(): Promise<AuditStore>;
  /** Closes whatever store is current and removes its data. */
  dispose(current: AuditStore): Promise<void>;
}

/** Options of the contract run. */
export interface AuditStoreContractOptions {
  /** Skip the whole suite with this reason (e.g. no backend configured). */
  skip?: string;
}

type Body = (store: AuditStore, harness: AuditStoreHarness) => Promise<AuditStore | void>;

async function appendMany(store: AuditStore, tenant: string, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) await store.append(entry(tenant, n));
}

/**
 * The behaviour every AuditStore adapter must have, tampering included. Each test gets a fresh
 * harness and its own tenants, so the suite can also run against a shared real backend.
 */
export function runAuditStoreContract(
  name: string,
  makeStore: () => Promise<AuditStoreHarness>,
  options: AuditStoreContractOptions = {},
): void {
  const scenario = (title: string, body: Body): void => {
    void it(title, { timeout: 60_000 }, async () => {
      const harness = await makeStore();
      let current = harness.store;
      try {
        current = (await body(current, harness)) ?? current;
      } finally {
        await harness.dispose(current);
      }
    });
  };
  const signer = new TestSigner();

  void describe(`AuditStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    scenario('appends gapless per-tenant sequences, each record chained to the previous one', async (s) => {
      const [a, b] = [freshTenant('a'), freshTenant('b')];
      const first = await s.append(entry(a, 1));
      const other = await s.append(entry(b, 1));
      const second = await s.append(entry(a, 2, { payload: new Uint8Array(0), subjects: [] }));
      assert.equal(first.appended, true);
      assert.equal(first.record.id, `${a}/1`);
      assert.equal(first.record.sequence, 1n);
      assert.equal(other.record.sequence, 1n, 'each tenant has its own sequence');
      assert.equal(second.record.sequence, 2n);
      assert.deepEqual(first.record.prevHash, GENESIS_HASH);
      assert.deepEqual(second.record.prevHash, first.record.hash);
      assert.deepEqual(first.record.hash, recordHash(first.record));
      assert.deepEqual(first.record.payloadDigest, payloadDigest(entry(a, 1).payload));
      assert.deepEqual(
        first.record.subjects.map((x) => `${x.kind}:${x.id}`),
        ['document:doc-1', 'request:req-1'],
        'subjects sorted by kind, then id',
      );
      const { records } = await s.query(a, {}, { limit: 10, includePayload: true });
      assert.deepEqual(records[0], { ...first.record, payload: entry(a, 1).payload });
      assert.equal(records[1]?.payload.length, 0);
      const head = await s.head(a);
      assert.equal(head?.sequence, 2);
      assert.deepEqual(head?.hash, second.record.hash);
      assert.equal(await s.head(freshTenant('none')), undefined);
    });

    scenario('a redelivered event appends nothing and returns the first record', async (s) => {
      const tenant = freshTenant('t');
      const event = entry(tenant, 1);
      const first = await s.append(event);
      const again = await s.append({ ...event, principal: 'someone else' });
      assert.equal(again.appended, false);
      assert.deepEqual(again.record, first.record);
      const racing = await Promise.all(
        [1, 2, 3, 4].map(() => s.append(entry(tenant, 2, { eventId: 'same' }))),
      );
      assert.equal(racing.filter((r) => r.appended).length, 1, 'concurrent duplicates make one record');
      assert.equal((await s.head(tenant))?.sequence, 2);
    });

    scenario('appends a batch of several tenants in order, once per event id, in one go', async (s) => {
      const [a, b] = [freshTenant('a'), freshTenant('b')];
      const stored = await s.append(entry(a, 1));
      const again = entry(a, 3);
      const results = await s.appendBatch([
        entry(b, 1),
        { ...entry(a, 1), eventId: stored.record.eventId },
        entry(a, 2),
        again,
        entry(b, 2),
        again,
      ]);
      assert.deepEqual(
        results.map((r) => `${r.record.id}:${r.appended}`),
        [`${b}/1:true`, `${a}/1:false`, `${a}/2:true`, `${a}/3:true`, `${b}/2:true`, `${a}/3:false`],
      );
      assert.deepEqual(results[1]?.record, stored.record);
      assert.deepEqual(results[2]?.record.prevHash, stored.record.hash);
      for (const tenant of [a, b]) assert.equal((await verifyChain(s, tenant, {}, signer.check)).ok, true);
      assert.deepEqual(await s.appendBatch([]), []);
      await assert.rejects(
        s.appendBatch([entry(a, 4), { ...entry(a, 5), tenant: '' }]),
        /tenant is required/,
      );
      assert.equal((await s.head(a))?.sequence, 3, 'a rejected batch appends nothing');
    });

    scenario('concurrent appends of two tenants stay gapless and verify', async (s) => {
      const [a, b] = [freshTenant('a'), freshTenant('b')];
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => s.append(entry(i % 2 === 0 ? a : b, i))),
      );
      for (const tenant of [a, b]) {
        const sequences = results
          .filter((r) => r.record.tenant === tenant)
          .map((r) => Number(r.record.sequence))
          .sort((x, y) => x - y);
        assert.deepEqual(
          sequences,
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        const verified = await verifyChain(s, tenant, {}, signer.check);
        assert.equal(verified.ok, true, verified.broken?.detail);
        assert.equal(verified.checked, 20);
      }
    });

    scenario('queries by type, principal, subject, trace, request and time, paging both ways', async (s) => {
      const tenant = freshTenant('t');
      await appendMany(s, tenant, 12);
      await appendMany(s, freshTenant('other'), 3);
      const all = async (query: Parameters<AuditStore['query']>[1]) =>
        (await s.query(tenant, query, { limit: 100 })).records.map((r) => Number(r.sequence));
      assert.deepEqual(await all({}), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      assert.deepEqual(
        await all({ eventTypes: ['cairn.retrieval.v1.SearchPerformed'] }),
        [1, 3, 5, 7, 9, 11],
      );
      assert.deepEqual(await all({ principal: 'key:k0' }), [3, 6, 9, 12]);
      assert.deepEqual(await all({ subject: { kind: 'document', id: 'doc-1' } }), [1, 5, 9]);
      assert.deepEqual(await all({ subject: { kind: 'request', id: 'req-7' } }), [7]);
      assert.deepEqual(await all({ traceId: (10).toString(16).padStart(32, '0') }), [10]);
      assert.deepEqual(await all({ requestId: 'req-4' }), [4]);
      assert.deepEqual(
        await all({ startTime: entry(tenant, 3).occurredAt, endTime: entry(tenant, 6).occurredAt }),
        [3, 4, 5],
      );
      assert.deepEqual(await all({ fromSequence: 11 }), [11, 12]);

      const pages: number[][] = [];
      let after: number | undefined;
      for (let more = true; more;) {
        const page = await s.query(
          tenant,
          { eventTypes: ['cairn.ingestion.v1.DocumentChunked'] },
          { limit: 4, descending: true, ...(after === undefined ? {} : { after }) },
        );
        pages.push(page.records.map((r) => Number(r.sequence)));
        after = pages.at(-1)?.at(-1);
        more = page.more;
      }
      assert.deepEqual(pages, [
        [12, 10, 8, 6],
        [4, 2],
      ]);
      await assert.rejects(s.query(tenant, {}, { limit: 0 }), /limit/);
      await assert.rejects(s.query('', {}, { limit: 1 }), /tenant is required/);
    });

    scenario('Verify names a changed row, a changed payload, a removed row and a cut tail', async (s, h) => {
      const tenant = freshTenant('t');
      await appendMany(s, tenant, 8);
      const where = (sequence: number) => `WHERE tenant = '${tenant}' AND sequence = ${sequence}`;
      assert.equal((await verifyChain(s, tenant, {}, signer.check)).ok, true);

      await h.exec(`UPDATE ${h.tables.records} SET principal = 'key:mallory' ${where(3)}`);
      let verified = await verifyChain(s, tenant, {}, signer.check);
      assert.equal(verified.ok, false);
      assert.deepEqual(
        { ...verified.broken, detail: '' },
        { sequence: 3, recordId: `${tenant}/3`, reason: 'HASH_MISMATCH', detail: '' },
      );
      assert.equal(verified.checked, 2);
      assert.equal(verified.lastSequence, 2);
      assert.equal((await verifyChain(s, tenant, { from: 4 }, signer.check)).ok, true, 'range after it');

      await h.exec(
        `UPDATE ${h.tables.payloads} SET payload = (SELECT p.payload FROM ${h.tables.payloads} p
         WHERE p.tenant = '${tenant}' AND p.sequence = 4) ${where(5)}`,
      );
      verified = await verifyChain(s, tenant, { from: 4 }, signer.check);
      assert.equal(verified.broken?.reason, 'PAYLOAD_DIGEST_MISMATCH');
      assert.equal(verified.broken?.recordId, `${tenant}/5`);

      await h.exec(`DELETE FROM ${h.tables.records} ${where(6)}`);
      verified = await verifyChain(s, tenant, { from: 6 }, signer.check);
      assert.equal(verified.broken?.reason, 'SEQUENCE_GAP');
      assert.equal(verified.broken?.sequence, 6);
      assert.match(verified.broken?.detail ?? '', /record 6 is missing/);

      await h.exec(`DELETE FROM ${h.tables.records} ${where(8)}`);
      verified = await verifyChain(s, tenant, { from: 7 }, signer.check);
      assert.equal(verified.broken?.reason, 'SEQUENCE_GAP', 'a cut tail is a gap before the head');
      assert.equal(verified.broken?.sequence, 8);
    });

    scenario('erases payloads by subject and tenant-wide, and the chain still verifies', async (s) => {
      const tenant = freshTenant('t');
      await appendMany(s, tenant, 8);
      const erased = await s.erasePayloads(tenant, {
        subjects: [
          { kind: 'document', id: 'doc-1' },
          { kind: 'request', id: 'req-2' },
        ],
        upToSequence: 7,
      });
      assert.equal(erased, 3, 'records 1, 2 and 5 (9 is past the limit and does not exist)');
      assert.equal(
        await s.erasePayloads(tenant, { subjects: [{ kind: 'document', id: 'doc-1' }] }),
        0,
        'erasing again changes nothing',
      );
      const { records } = await s.query(tenant, {}, { limit: 10, includePayload: true });
      assert.deepEqual(
        records.filter((r) => r.payloadErased).map((r) => Number(r.sequence)),
        [1, 2, 5],
      );
      assert.ok(records.filter((r) => r.payloadErased).every((r) => r.payload.length === 0));
      assert.ok(records.filter((r) => !r.payloadErased).every((r) => r.payload.length > 0));
      assert.equal((await verifyChain(s, tenant, {}, signer.check)).ok, true);

      assert.equal(await s.erasePayloads(tenant, {}), 5);
      const after = await s.query(tenant, {}, { limit: 10, includePayload: true });
      assert.ok(after.records.every((r) => r.payloadErased && r.payload.length === 0));
      assert.equal((await verifyChain(s, tenant, {}, signer.check)).ok, true);
    });

    scenario('stores checkpoints; Verify checks their hash and signature', async (s, h) => {
      const tenant = freshTenant('t');
      await appendMany(s, tenant, 6);
      const { records } = await s.query(tenant, {}, { limit: 10 });
      const at = (n: number) => records[n - 1]!;
      await s.addCheckpoint(signer.checkpoint(tenant, 3, at(3).hash));
      await s.addCheckpoint(signer.checkpoint(tenant, 5, at(5).hash));
      await s.addCheckpoint(signer.checkpoint(tenant, 5, at(5).hash));
      assert.deepEqual(
        (await s.checkpoints(tenant, 1, 10)).map((c) => c.sequence),
        [3, 5],
      );
      assert.equal(
        (await s.heads()).find((head) => head.tenant === tenant)?.checkpointSequence,
        5,
        'heads() tells the latest checkpoint',
      );
      const verified = await verifyChain(s, tenant, {}, signer.check);
      assert.equal(verified.ok, true, verified.broken?.detail);
      assert.equal(verified.checkpointSequence, 5);

      const forger = new TestSigner();
      await s.addCheckpoint(forger.checkpoint(tenant, 6, at(6).hash));
      const forged = await verifyChain(s, tenant, {}, signer.check);
      assert.equal(forged.broken?.reason, 'CHECKPOINT_MISMATCH');
      assert.equal(forged.broken?.sequence, 6);

      // A record under a checkpoint whose hash was overwritten: Verify names it.
      await h.exec(
        `DELETE FROM ${h.tables.checkpoints} WHERE tenant = '${tenant}' AND sequence = 6;
         UPDATE ${h.tables.records} SET hash = prev_hash WHERE tenant = '${tenant}' AND sequence = 5`,
      );
      const rewritten = await verifyChain(s, tenant, {}, signer.check);
      assert.equal(rewritten.broken?.sequence, 5);
    });

    scenario('keeps records, payloads and checkpoints across close and reopen', async (s, h) => {
      const tenant = freshTenant('t');
      const { record } = await s.append(entry(tenant, 1));
      await s.addCheckpoint(signer.checkpoint(tenant, 1, record.hash));
      const reopened = await h.reopen();
      const { records } = await reopened.query(tenant, {}, { limit: 10, includePayload: true });
      assert.deepEqual(records, [{ ...record, payload: entry(tenant, 1).payload }]);
      assert.equal((await reopened.append(entry(tenant, 2))).record.sequence, 2n);
      assert.equal((await verifyChain(reopened, tenant, {}, signer.check)).checkpointSequence, 1);
      assert.equal((await reopened.health()).ok, true);
      return reopened;
    });
  });
}
