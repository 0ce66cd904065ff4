import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Health, HealthCheckResponse_ServingStatus } from '@cairn/contracts/grpc/health/v1/health';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { skipKafka } from '../support/repo.js';
import { startLocalTopology, type LocalTopology } from '../support/topology.js';

/** The distributed topology of deploy/local: every service its own process, configured by the chart. */
void describe(
  'local distributed topology (deploy/local/topology.mjs)',
  { skip: skipKafka(), timeout: 300_000 },
  () => {
    let topology: LocalTopology;

    before(() => {
      topology = startLocalTopology();
    });
    after(() => {
      // Idempotent: the last test stops it; this only cleans up after a failure.
      topology.stop();
    });

    it('runs each service as its own process, serving its API', async () => {
      assert.ok(topology.ready());
      for (const [service, typeName] of [
        ['ingestion', 'cairn.ingestion.v1.IngestionService'],
        ['embedding', 'cairn.embedding.v1.EmbeddingService'],
        ['retrieval', 'cairn.retrieval.v1.RetrievalService'],
        ['agent-runner', 'cairn.agent.v1.AgentService'],
        ['audit', 'cairn.audit.v1.AuditService'],
      ] as const) {
        const client = createGrpcClient(Health, topology.grpc(service));
        try {
          const { status } = await client.check({ service: typeName }, { deadlineMs: 5_000 });
          assert.equal(status, HealthCheckResponse_ServingStatus.SERVING, service);
        } finally {
          client.close();
        }
      }
    });

    it('ingests a document through ingestion and finds it through retrieval (Kafka, PostgreSQL, Qdrant)', async () => {
      const apiKey = topology.apiKey;
      const ingestion = createGrpcClient(IngestionService, topology.grpc('ingestion'), { apiKey });
      const retrieval = createGrpcClient(RetrievalService, topology.grpc('retrieval'), { apiKey });
      try {
        const text = '# Travel\n\nBook economy class for flights under six hours.';
        const { documentId } = await ingestion.ingest({
          document: {
            collection: 'topology',
            externalId: 'travel',
            mimeType: 'text/markdown',
            content: { case: 'text', value: text },
          },
        });
        await waitFor(
          async () =>
            (await ingestion.getDocument({ documentId })).document?.status === DocumentStatus.INDEXED,
          { timeoutMs: 90_000, intervalMs: 200, description: 'the document to be indexed' },
        );
        // Other topologies share the test broker: look only at this document.
        const { chunks } = await retrieval.search({
          query: 'which class do I fly?',
          mode: SearchMode.HYBRID,
          topK: 3,
          filter: { must: [{ key: 'document_id', match: { case: 'equals', value: documentId } }] },
        });
        const hit = chunks.find((chunk) => chunk.chunk?.documentId === documentId);
        assert.ok(hit, 'the ingested document is found');
        assert.match(hit.text, /economy class/);
      } finally {
        ingestion.close();
        retrieval.close();
      }
    });

    it('stops every process cleanly, and the fake Qdrant saw only requests its OpenAPI document allows', () => {
      assert.ok(topology.stop(), 'a process had to be killed');
      assert.ok(!topology.ready());
      assert.doesNotMatch(readFileSync(join(topology.runDir, 'fake-qdrant.log'), 'utf8'), /violation:/);
    });
  },
);
