import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { FakeQdrantServer } from '@cairn/vector-store/testing';
import { writeApiKeys } from '../support/api-keys.js';
import { kafkaBrokers, postgresUrl, skipKafka } from '../support/repo.js';
import { startService, type StartedService } from '../support/service-process.js';

const DOCS = {
  travel:
    '# Travel policy\n\nBook economy class for flights under six hours.\n\n## Hotels\n\nStay in the approved hotels near the office.',
  security: '# Security\n\nUse a password manager and turn on two-factor authentication for every account.',
  payroll: '# Payroll\n\nSalaries are paid on the last working day of each month.',
};

type Clients = {
  ingestion: GrpcClient<typeof IngestionService>;
  retrieval: GrpcClient<typeof RetrievalService>;
};

/** Where the public APIs of a running topology are. */
interface Topology {
  readonly ingestion: string;
  readonly retrieval: string;
  stop(): Promise<void>;
}

/** All five services in one process on embedded defaults (embedded log, SQLite, embedded vector store). */
async function embeddedTopology(keysFile: string): Promise<Topology> {
  const aio = await startService({ service: 'all-in-one', env: { CAIRN_AUTH_API_KEYS_FILE: keysFile } });
  return {
    ingestion: aio.grpcAddress,
    retrieval: aio.grpcAddress,
    stop: async () => assert.equal(await aio.stop(), 0),
  };
}

/** The services as separate processes on Kafka, PostgreSQL and Qdrant (a fake that validates Qdrant's OpenAPI contract). */
async function distributedTopology(keysFile: string): Promise<Topology> {
  const qdrant = await FakeQdrantServer.start();
  const shared = {
    CAIRN_AUTH_API_KEYS_FILE: keysFile,
    CAIRN_EVENTS_BACKEND: 'kafka',
    CAIRN_KAFKA_BROKERS: kafkaBrokers().join(','),
  };
  const vectors = { CAIRN_VECTOR_STORE_BACKEND: 'qdrant', CAIRN_VECTOR_STORE_QDRANT_URL: qdrant.url };
  const services: StartedService[] = [];
  try {
    services.push(
      await startService({
        service: 'ingestion',
        env: {
          ...shared,
          CAIRN_INGESTION_REGISTRY_BACKEND: 'postgres',
          CAIRN_INGESTION_POSTGRES_URL: postgresUrl(),
        },
        timeoutMs: 60_000,
      }),
    );
    services.push(
      await startService({ service: 'embedding', env: { ...shared, ...vectors }, timeoutMs: 60_000 }),
    );
    services.push(
      await startService({ service: 'retrieval', env: { ...shared, ...vectors }, timeoutMs: 60_000 }),
    );
  } catch (error) {
    await Promise.all(services.map((service) => service.stop()));
    await qdrant.stop();
    throw error;
  }
  return {
    ingestion: services[0]!.grpcAddress,
    retrieval: services[2]!.grpcAddress,
    stop: async () => {
      const codes = await Promise.all(services.map((service) => service.stop()));
      await qdrant.stop();
      assert.deepEqual(codes, [0, 0, 0], 'every service stops cleanly');
      assert.deepEqual(
        qdrant.violations,
        [],
        'every Qdrant request and response matched the OpenAPI contract',
      );
    },
  };
}

for (const [name, start, skip] of [
  ['all-in-one, embedded', embeddedTopology, false],
  ['distributed on Kafka + PostgreSQL + Qdrant', distributedTopology, skipKafka()],
] as const) {
  void describe(`RAG backbone end to end (${name})`, { skip }, () => {
    let topology: Topology;
    let acme: Clients;
    let globex: Clients;

    before(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-rag-'));
      const { file, keys } = writeApiKeys(dir, ['acme', 'globex']);
      topology = await start(file);
      const clients = (apiKey: string): Clients => ({
        ingestion: createGrpcClient(IngestionService, topology.ingestion, { apiKey }),
        retrieval: createGrpcClient(RetrievalService, topology.retrieval, { apiKey }),
      });
      acme = clients(keys['acme']!);
      globex = clients(keys['globex']!);
    });
    after(async () => {
      for (const client of [acme, globex]) {
        client.ingestion.close();
        client.retrieval.close();
      }
      await topology.stop();
    });

    async function ingestAndWait(
      client: Clients,
      externalId: string,
      text: string,
      metadata: Record<string, string> = {},
    ) {
      const { documentId, version } = await client.ingestion.ingest({
        document: {
          collection: 'handbook',
          externalId,
          mimeType: 'text/markdown',
          content: { case: 'text', value: text },
          metadata,
        },
      });
      await waitFor(
        async () => {
          const { document } = await client.ingestion.getDocument({ documentId });
          return document?.status === DocumentStatus.INDEXED && document.version === version;
        },
        { timeoutMs: 60_000, intervalMs: 100, description: `${externalId} v${version} to be indexed` },
      );
      // INDEXED is the registry's view; what the user gets is search. Every test topology on the
      // shared broker sees every chunk event, so wait for this topology's own index too.
      await waitFor(
        async () => {
          const { chunks } = await client.retrieval.search({
            query: text,
            mode: SearchMode.KEYWORD,
            topK: 1,
            filter: { must: [{ key: 'document_id', match: { case: 'equals', value: documentId } }] },
          });
          return chunks[0]?.chunk?.documentVersion === version;
        },
        { timeoutMs: 60_000, intervalMs: 100, description: `${externalId} v${version} to be searchable` },
      );
      return documentId;
    }

    void it('a document becomes searchable in dense, keyword and hybrid modes, with offsets and headings', async () => {
      await ingestAndWait(acme, 'travel', DOCS.travel, { team: 'finance' });
      await ingestAndWait(acme, 'security', DOCS.security, { team: 'it' });
      await ingestAndWait(acme, 'payroll', DOCS.payroll, { team: 'finance' });
      for (const mode of [SearchMode.DENSE, SearchMode.KEYWORD, SearchMode.HYBRID]) {
        const { chunks } = await acme.retrieval.search({
          query: 'two-factor authentication password',
          mode,
          topK: 3,
        });
        assert.equal(chunks[0]?.title, 'Security', `mode ${SearchMode[mode]}`);
      }
      const { chunks } = await acme.retrieval.search({
        query: 'where do I stay on a business trip? hotels',
        topK: 1,
      });
      const top = chunks[0]!;
      assert.equal(top.title, 'Travel policy');
      assert.ok(top.headingPath.includes('Travel policy'));
      assert.equal(top.chunk?.documentVersion, 1);
      assert.ok(top.endOffset > top.startOffset);
    });

    void it('metadata filters and tenant isolation are enforced', async () => {
      const filtered = await acme.retrieval.search({
        query: 'policy',
        topK: 10,
        filter: { must: [{ key: 'team', match: { case: 'equals', value: 'finance' } }] },
      });
      assert.ok(filtered.chunks.length > 0);
      assert.ok(filtered.chunks.every((chunk) => chunk.metadata['team'] === 'finance'));
      const foreign = await globex.retrieval.search({
        query: 'two-factor authentication password',
        topK: 10,
      });
      assert.equal(foreign.chunks.length, 0, 'another tenant sees none of acme’s chunks');
    });

    void it('an update replaces the old text and a delete removes every chunk', async () => {
      const documentId = await ingestAndWait(
        acme,
        'payroll',
        DOCS.payroll.replace('last working day', 'fifteenth'),
      );
      const { chunks } = await acme.retrieval.search({
        query: 'when are salaries paid',
        topK: 5,
        mode: SearchMode.KEYWORD,
      });
      const payroll = chunks.filter((chunk) => chunk.chunk?.documentId === documentId);
      assert.ok(payroll.length > 0);
      assert.ok(
        payroll.every((chunk) => chunk.text.includes('fifteenth') && chunk.chunk?.documentVersion === 2),
      );

      await acme.ingestion.deleteDocument({ documentId });
      await waitFor(
        async () => {
          const after = await acme.retrieval.search({
            query: 'salaries paid fifteenth',
            topK: 10,
            mode: SearchMode.KEYWORD,
          });
          return after.chunks.every((chunk) => chunk.chunk?.documentId !== documentId);
        },
        { timeoutMs: 30_000, intervalMs: 100, description: 'the deleted document to leave the index' },
      );
    });

    void it('BuildContext packs cited passages within the token budget', async () => {
      const response = await acme.retrieval.buildContext({
        query: 'travel and hotels',
        tokenBudget: 120,
        diversify: true,
      });
      assert.ok(response.citations.length >= 1);
      assert.ok(response.tokenCount <= 120);
      assert.match(response.context, /^\[1\] Travel policy/);
      assert.equal(response.citations[0]?.index, 1);
      assert.equal(response.citations[0]?.title, 'Travel policy');
    });
  });
}
