import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { FakeOpenAiEmbeddingsServer } from '@cairn/embeddings/testing';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { startService, type StartedService } from '../support/service-process.js';

const DOCUMENTS = 40;
const BATCH_DOCUMENTS = 8;
const PARTITIONS = 2;
const COLLECTION = 'openai-embedded';

const topics = ['glaciers', 'volcanoes', 'tides', 'comets', 'forests'];

function document(i: number) {
  const topic = topics[i % topics.length] as string;
  return {
    collection: COLLECTION,
    externalId: `doc-${i}`,
    mimeType: 'text/plain',
    content: {
      case: 'text' as const,
      value: `Field note ${i} about ${topic}: the ${topic} changed this season.`,
    },
  };
}

/**
 * The embedding service on an OpenAI-compatible endpoint: 429 answers are retried after Retry-After,
 * documents are embedded in cross-document micro-batches, and a model that stops answering pauses
 * consumption (bounded in-flight work) instead of buffering; once it answers, everything is indexed.
 */
void describe('embedding through an OpenAI-compatible endpoint', () => {
  const model = new FakeOpenAiEmbeddingsServer({ dimension: 64, retryAfter: '1' });
  let aio: StartedService;
  let ingestion: GrpcClient<typeof IngestionService>;
  let retrieval: GrpcClient<typeof RetrievalService>;

  before(async () => {
    const baseUrl = await model.start();
    aio = await startService({
      service: 'all-in-one',
      env: {
        CAIRN_EMBEDDING_PROVIDER: 'openai',
        CAIRN_EMBEDDING_OPENAI_BASE_URL: baseUrl,
        CAIRN_EMBEDDING_OPENAI_MODEL: 'fake-embed',
        CAIRN_EMBEDDING_OPENAI_DIMENSION: '64',
        CAIRN_EMBEDDING_OPENAI_API_KEY: 'sk-test-key',
        CAIRN_EVENTS_PARTITIONS: String(PARTITIONS),
        CAIRN_INDEXING_BATCH_MAX_DOCUMENTS: String(BATCH_DOCUMENTS),
        CAIRN_INDEXING_BATCH_MAX_WAIT_MS: '50',
      },
    });
    const key = readFileSync(join(aio.dataDir, '.cairn', 'api-key'), 'utf8').trim();
    ingestion = createGrpcClient(IngestionService, aio.grpcAddress, { apiKey: key });
    retrieval = createGrpcClient(RetrievalService, aio.grpcAddress, { apiKey: key });
  });
  after(async () => {
    ingestion.close();
    retrieval.close();
    assert.equal(await aio.stop(), 0);
    await model.stop();
  });

  async function statuses(): Promise<Map<string, DocumentStatus>> {
    const page = await ingestion.listDocuments({ collection: COLLECTION, page: { pageSize: 1000 } });
    return new Map(page.documents.map((d) => [d.externalId, d.status]));
  }

  void it('retries 429s, batches across documents, and pauses while the model is slow', async () => {
    model.script = ['429'];
    model.hold();
    const result = await ingestion.ingestStream(
      (async function* () {
        for (let i = 0; i < DOCUMENTS; i++) yield { document: document(i) };
      })(),
    );
    assert.equal(result.ingestedCount, DOCUMENTS);

    // Every document is accepted and chunked while the model holds its answers...
    await waitFor(
      async () => {
        const all = await statuses();
        return all.size === DOCUMENTS && [...all.values()].every((s) => s !== DocumentStatus.RECEIVED);
      },
      { timeoutMs: 60_000, description: 'every document to be chunked' },
    );
    await waitFor(() => model.inFlight >= 1, { timeoutMs: 30_000, description: 'a request at the model' });
    // ...but the embedding consumers hold at most one batch per partition: nothing more is read.
    const held = model.requests.slice();
    assert.ok(held.length <= PARTITIONS, `${held.length} requests reached the held model`);
    assert.ok(
      held.every((r) => r.input.length <= BATCH_DOCUMENTS),
      'a batch holds at most 8 documents',
    );
    const indexedWhileHeld = [...(await statuses()).values()].filter((s) => s === DocumentStatus.INDEXED);
    assert.equal(indexedWhileHeld.length, 0, 'nothing is indexed while the model holds its answers');

    model.release();
    await waitFor(async () => [...(await statuses()).values()].every((s) => s === DocumentStatus.INDEXED), {
      timeoutMs: 60_000,
      description: `all ${DOCUMENTS} documents to be indexed`,
    });

    assert.equal(model.requests[0]?.behaviour, '429', 'the first answer was a 429');
    assert.ok(model.requests.length >= 2, 'the 429 was retried');
    assert.ok(model.maxInFlight <= PARTITIONS, `at most ${PARTITIONS} requests in flight at once`);
    assert.ok(
      model.requests.every((r) => r.authorization === 'Bearer sk-test-key' && r.model === 'fake-embed'),
    );
    assert.ok(
      model.requests.some((r) => r.input.length > 1),
      `documents are embedded together: request sizes ${model.requests.map((r) => r.input.length).join(',')}`,
    );
    const embeddedTexts = new Set(model.requests.filter((r) => r.behaviour === 'ok').flatMap((r) => r.input));
    assert.equal(embeddedTexts.size, DOCUMENTS, 'every chunk reached the model');

    const found = await retrieval.search({
      query: 'comets changed this season',
      collections: [COLLECTION],
      mode: SearchMode.DENSE,
      topK: 5,
    });
    assert.ok(found.chunks.length > 0, 'search answers from vectors the endpoint produced');
    assert.ok(
      found.chunks.some((chunk) => chunk.text.includes('comets')),
      `a comets note is among ${found.chunks.map((c) => c.text).join(' | ')}`,
    );
  });
});
