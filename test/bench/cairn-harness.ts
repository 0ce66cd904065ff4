import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient } from '@cairn/grpc';
import { writeApiKeys } from '../support/api-keys.js';
import { startService, type StartedService } from '../support/service-process.js';
import type { BenchDocument } from './corpus.js';

export type IngestionClient = ReturnType<typeof createGrpcClient<typeof IngestionService>>;
export type RetrievalClient = ReturnType<typeof createGrpcClient<typeof RetrievalService>>;

/** An all-in-one process started for a benchmark, with admin clients of one tenant. */
export interface BenchCairn {
  readonly server: StartedService;
  readonly ingestion: IngestionClient;
  readonly retrieval: RetrievalClient;
  readonly tenant: string;
  /** The tenant's admin key. */
  readonly apiKey: string;
  /** Stops the process and removes its data directory (unless asked to keep it). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts the all-in-one on a private data dir: embedded event log, or Kafka when `kafkaBrokers` is given. */
export async function startCairn(
  options: {
    kafkaBrokers?: string;
    env?: Record<string, string>;
    dataDir?: string;
    groupPrefix?: string;
  } = {},
): Promise<BenchCairn> {
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cairn-bench-'));
  const tenant = 'bench';
  const { file, keys } = writeApiKeys(dir, [tenant]);
  // On Kafka nothing else creates the data dir before the SQLite registry opens its file in it.
  mkdirSync(join(dir, '.cairn'), { recursive: true });
  const server = await startService({
    service: 'all-in-one',
    dataDir: dir,
    env: {
      CAIRN_AUTH_API_KEYS_FILE: file,
      ...(options.kafkaBrokers
        ? { CAIRN_EVENTS_BACKEND: 'kafka', CAIRN_KAFKA_BROKERS: options.kafkaBrokers }
        : {}),
      ...options.env,
    },
    timeoutMs: 120_000,
    ...(options.groupPrefix ? { groupPrefix: options.groupPrefix } : {}),
  });
  const apiKey = keys[tenant]!;
  const ingestion = createGrpcClient(IngestionService, server.grpcAddress, { apiKey });
  const retrieval = createGrpcClient(RetrievalService, server.grpcAddress, { apiKey });
  return {
    server,
    ingestion,
    retrieval,
    tenant,
    apiKey,
    stop: async ({ keepData = false } = {}) => {
      ingestion.close();
      retrieval.close();
      await server.stop();
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One acknowledged document of an ingest call. */
export interface Acked {
  readonly externalId: string;
  readonly documentId: string;
  readonly chunkCount: number;
}

/** Ingests documents through one IngestStream call; throws if any is refused. */
export async function ingestStream(
  client: IngestionClient,
  collection: string,
  docs: readonly BenchDocument[],
): Promise<Acked[]> {
  async function* requests() {
    for (const doc of docs) {
      yield {
        document: {
          collection,
          externalId: doc.externalId,
          title: doc.title,
          mimeType: doc.mimeType,
          content: { case: 'text' as const, value: doc.text },
        },
      };
    }
  }
  const response = await client.ingestStream(requests());
  return response.results.map((result) => {
    if (result.outcome.case !== 'ingested') {
      throw new Error(
        `document ${result.externalId} was refused: ${result.outcome.value?.detail?.message ?? 'unknown'}`,
      );
    }
    return {
      externalId: result.externalId,
      documentId: result.outcome.value.documentId,
      chunkCount: result.outcome.value.chunkCount,
    };
  });
}

/** How many documents of a collection are indexed (searchable). */
export async function countIndexed(client: IngestionClient, collection: string): Promise<number> {
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
  return indexed;
}
