import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { DocumentStatus } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { drainRun, ingestSearchable, tenantClients } from '../support/agent-clients.js';
import { startService } from '../support/service-process.js';

/** The all-in-one keeps everything in its data directory: a restart finds documents, runs, trail and key. */
void describe('all-in-one data survives a restart', () => {
  void it('serves the same documents, index, runs, audit trail and development key after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cairn-restart-'));
    const env = { CAIRN_EMBEDDING_PROVIDER: 'hash' };
    const first = await startService({ service: 'all-in-one', dataDir, env });
    const key = readFileSync(join(dataDir, '.cairn', 'api-key'), 'utf8').trim();
    let documentId = '';
    let runId = '';
    let records = 0n;
    try {
      const clients = tenantClients(first.grpcAddress, key);
      try {
        documentId = await ingestSearchable(
          clients,
          'glaciers',
          '# Glaciers\n\nGlaciers retreat when summers warm.',
        );
        const run = await drainRun(
          clients.agents.run({ agent: 'default', input: 'Why do glaciers retreat?' }),
        );
        assert.equal(run.status, RunStatus.SUCCEEDED);
        runId = run.runId;
        const verified = await clients.audit.verify({});
        assert.equal(verified.ok, true);
        records = verified.checkedCount;
      } finally {
        clients.close();
      }
    } finally {
      assert.equal(await first.stop(), 0);
    }

    const second = await startService({ service: 'all-in-one', dataDir, env });
    try {
      assert.ok(!second.output().includes('created a development API key'), 'the key is kept, not made anew');
      const clients = tenantClients(second.grpcAddress, key);
      try {
        const { document } = await clients.ingestion.getDocument({ documentId });
        assert.equal(document?.status, DocumentStatus.INDEXED);
        const { chunks } = await clients.retrieval.search({
          query: 'glaciers summers',
          mode: SearchMode.HYBRID,
          topK: 3,
        });
        assert.equal(chunks[0]?.chunk?.documentId, documentId, 'the index is still there');
        const { run } = await clients.agents.getRun({ runId });
        assert.equal(run?.status, RunStatus.SUCCEEDED);
        assert.match(run?.answer ?? '', /summers warm/);
        const verified = await clients.audit.verify({});
        assert.equal(verified.ok, true, 'the trail still verifies');
        assert.ok(verified.checkedCount >= records && records > 0n, 'and holds every earlier record');
      } finally {
        clients.close();
      }
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
