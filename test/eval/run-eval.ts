import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { writeApiKeys } from '../support/api-keys.js';
import { REPO_ROOT } from '../support/repo.js';
import { startService, type StartedService } from '../support/service-process.js';
import { loadCollection, readCorpus } from './ir-collection.js';
import { mrrAt, ndcgAt, recallAt } from './ir-metrics.js';

/**
 * Retrieval evaluation over the public gRPC API: ingests a BEIR-layout collection, runs its judged
 * queries through Search in each mode, and reports nDCG@10, Recall@100 and MRR@10.
 *   npm run eval -- --collection <dir> [--split train] [--endpoint host:port --api-key KEY] [--modes dense,keyword,hybrid]
 */
const { values } = parseArgs({
  options: {
    collection: { type: 'string', default: resolve(REPO_ROOT, '..', 'shared', 'data', 'ir', 'scifact') },
    split: { type: 'string' },
    endpoint: { type: 'string' },
    'api-key': { type: 'string' },
    modes: { type: 'string', default: 'dense,keyword,hybrid' },
    results: { type: 'string', default: join(REPO_ROOT, 'docs', 'eval', 'results.json') },
    'batch-size': { type: 'string', default: '64' },
    'index-timeout-s': { type: 'string', default: '7200' },
  },
});

const MODES = { dense: SearchMode.DENSE, keyword: SearchMode.KEYWORD, hybrid: SearchMode.HYBRID } as const;
type ModeName = keyof typeof MODES;

async function main(): Promise<void> {
  const collection = loadCollection(values.collection, values.split);
  const modes = values.modes.split(',').map((mode) => mode.trim()) as ModeName[];
  for (const mode of modes)
    if (!(mode in MODES)) throw new Error(`unknown mode ${mode}: use dense, keyword, hybrid`);

  let server: StartedService | undefined;
  let endpoint = values.endpoint;
  let apiKey = values['api-key'];
  if (!endpoint) {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-eval-'));
    const { file, keys } = writeApiKeys(dir, ['eval']);
    log(`starting the all-in-one (data in ${dir})`);
    server = await startService({
      service: 'all-in-one',
      dataDir: dir,
      env: { CAIRN_AUTH_API_KEYS_FILE: file },
      timeoutMs: 120_000,
    });
    endpoint = server.grpcAddress;
    apiKey = keys['eval'];
  }
  if (!apiKey) throw new Error('--api-key is required with --endpoint');
  const ingestion = createGrpcClient(IngestionService, endpoint, { apiKey });
  const retrieval = createGrpcClient(RetrievalService, endpoint, { apiKey });
  const collectionName = `eval-${collection.name}`;
  try {
    const started = Date.now();
    const idToExternal = await ingest(
      ingestion,
      values.collection,
      collectionName,
      Number(values['batch-size']),
    );
    log(
      `ingested ${idToExternal.size} documents in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for indexing`,
    );
    await waitIndexed(ingestion, collectionName, idToExternal.size);
    log(`indexed after ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const table: Record<string, Record<string, number>> = {};
    for (const mode of modes) {
      let ndcg = 0;
      let recall = 0;
      let mrr = 0;
      for (const [queryId, text] of collection.queries) {
        const { chunks } = await retrieval.search({
          query: text,
          collections: [collectionName],
          topK: 100,
          mode: MODES[mode],
        });
        const ranked: string[] = [];
        for (const chunk of chunks) {
          const external = idToExternal.get(chunk.chunk?.documentId ?? '');
          if (external && !ranked.includes(external)) ranked.push(external);
        }
        const judged = collection.qrels.get(queryId)!;
        ndcg += ndcgAt(ranked, judged, 10);
        recall += recallAt(ranked, judged, 100);
        mrr += mrrAt(ranked, judged, 10);
      }
      const n = collection.queries.size;
      table[mode] = { 'ndcg@10': round(ndcg / n), 'recall@100': round(recall / n), 'mrr@10': round(mrr / n) };
    }
    print(collection.name, collection.queries.size, table);
    const key = values.split ? `${collection.name}/${values.split}` : collection.name;
    const resultsFile = resolve(values.results);
    const existing = existsSync(resultsFile)
      ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>)
      : {};
    mkdirSync(dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify({ ...existing, [key]: table }, null, 2)}\n`);
    log(`wrote ${resultsFile}`);
  } finally {
    ingestion.close();
    retrieval.close();
    await server?.stop();
  }
}

/** Streams the corpus through IngestStream; returns document id → corpus id. */
async function ingest(
  client: ReturnType<typeof createGrpcClient<typeof IngestionService>>,
  dir: string,
  collection: string,
  batchSize: number,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let batch: { externalId: string; title: string; text: string }[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    async function* requests() {
      for (const doc of current) {
        yield {
          document: {
            collection,
            externalId: doc.externalId,
            title: doc.title,
            mimeType: 'text/plain',
            content: { case: 'text' as const, value: doc.text },
          },
        };
      }
    }
    const response = await client.ingestStream(requests());
    for (const result of response.results) {
      if (result.outcome.case === 'ingested') ids.set(result.outcome.value.documentId, result.externalId);
      else log(`document ${result.externalId} failed: ${result.outcome.value?.detail?.message ?? 'unknown'}`);
    }
  };
  for await (const doc of readCorpus(dir)) {
    batch.push({
      externalId: doc._id,
      title: doc.title ?? '',
      text: doc.title ? `${doc.title}\n\n${doc.text}` : doc.text,
    });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return ids;
}

async function waitIndexed(
  client: ReturnType<typeof createGrpcClient<typeof IngestionService>>,
  collection: string,
  total: number,
): Promise<void> {
  let last = -1;
  await waitFor(
    async () => {
      let indexed = 0;
      let pageToken = '';
      do {
        const page = await client.listDocuments({
          collection,
          status: DocumentStatus.INDEXED,
          page: { pageSize: 1000, pageToken },
        });
        indexed += page.documents.length;
        pageToken = page.page?.nextPageToken ?? '';
      } while (pageToken);
      if (indexed !== last && indexed < total) log(`  indexed ${indexed}/${total}`);
      last = indexed;
      return indexed >= total;
    },
    {
      timeoutMs: Number(values['index-timeout-s']) * 1000,
      intervalMs: 2000,
      description: `${total} documents to be indexed`,
    },
  );
}

function print(name: string, queries: number, table: Record<string, Record<string, number>>): void {
  const lines = [
    `\n${name}: ${queries} queries`,
    '| mode | nDCG@10 | Recall@100 | MRR@10 |',
    '|---|---|---|---|',
  ];
  for (const [mode, metrics] of Object.entries(table)) {
    lines.push(
      `| ${mode} | ${metrics['ndcg@10']!.toFixed(3)} | ${metrics['recall@100']!.toFixed(3)} | ${metrics['mrr@10']!.toFixed(3)} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

function log(message: string): void {
  process.stderr.write(`eval: ${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `eval failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
