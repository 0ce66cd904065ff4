import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { scrapeMetric } from '../support/metrics.js';
import { startService, type StartedService } from '../support/service-process.js';

const DOCUMENTS = 1000;
const COLLECTION = 'reingest';

function* corpus() {
  for (let i = 0; i < DOCUMENTS; i++) {
    yield {
      document: {
        collection: COLLECTION,
        externalId: `doc-${i}`,
        mimeType: 'text/markdown',
        content: {
          case: 'text' as const,
          value: `# Note ${i}\n\nThis note records decision number ${i} of the platform team.\n\n## Why\n\nBecause option ${i % 7} was cheaper.`,
        },
      },
    };
  }
}

async function* stream() {
  yield* corpus();
}

/** Exactly-once effect: re-ingesting unchanged documents embeds nothing (asserted on the registry and a metric). */
void describe(`re-ingesting ${DOCUMENTS} unchanged documents`, () => {
  let aio: StartedService;
  let client: GrpcClient<typeof IngestionService>;

  before(async () => {
    aio = await startService({ service: 'all-in-one', env: { CAIRN_EMBEDDING_PROVIDER: 'hash' } });
    const key = readFileSync(join(aio.dataDir, '.cairn', 'api-key'), 'utf8').trim();
    client = createGrpcClient(IngestionService, aio.grpcAddress, { apiKey: key });
  });
  after(async () => {
    client.close();
    const code = await aio.stop();
    assert.equal(code, 0, `the all-in-one stops cleanly:\n${aio.output().slice(-3000)}`);
  });

  const metric = (name: string): Promise<number> => scrapeMetric(aio.httpBase, name);

  async function indexedCount(): Promise<number> {
    let count = 0;
    let pageToken = '';
    do {
      const page = await client.listDocuments({
        collection: COLLECTION,
        status: DocumentStatus.INDEXED,
        page: { pageSize: 1000, pageToken },
      });
      count += page.documents.length;
      pageToken = page.page?.nextPageToken ?? '';
    } while (pageToken);
    return count;
  }

  void it('embeds every chunk once, then nothing on the second pass', async () => {
    const first = await client.ingestStream(stream());
    assert.equal(first.ingestedCount, DOCUMENTS);
    assert.equal(first.failedCount, 0);
    const chunks = first.results.reduce(
      (sum, result) => sum + (result.outcome.case === 'ingested' ? result.outcome.value.chunkCount : 0),
      0,
    );
    await waitFor(async () => (await indexedCount()) === DOCUMENTS, {
      timeoutMs: 240_000,
      intervalMs: 500,
      description: `all ${DOCUMENTS} documents to be indexed`,
    });
    const embeddedAfterFirst = await metric('cairn_embedding_chunks_embedded_total');
    const batchesAfterFirst = await metric('cairn_embedding_batch_chunks_count');
    assert.ok(
      embeddedAfterFirst > 0 && embeddedAfterFirst <= chunks,
      `embedded ${embeddedAfterFirst} of ${chunks} chunks`,
    );

    const second = await client.ingestStream(stream());
    assert.equal(second.unchangedCount, DOCUMENTS);
    assert.equal(second.ingestedCount, 0);
    assert.ok(
      second.results.every(
        (result) => result.outcome.case === 'ingested' && result.outcome.value.newChunkCount === 0,
      ),
    );
    assert.ok(
      second.results.every(
        (result) => result.outcome.case === 'ingested' && result.outcome.value.version === 1,
      ),
    );
    assert.equal(await indexedCount(), DOCUMENTS);
    assert.equal(
      await metric('cairn_embedding_chunks_embedded_total'),
      embeddedAfterFirst,
      'no chunk reached the model again',
    );
    assert.equal(
      await metric('cairn_embedding_batch_chunks_count'),
      batchesAfterFirst,
      'no chunk event was handled again',
    );
  });
});
