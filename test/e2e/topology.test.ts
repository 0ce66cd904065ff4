import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Health, HealthCheckResponse_ServingStatus } from '@cairn/contracts/grpc/health/v1/health';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { REPO_ROOT, skipKafka } from '../support/repo.js';

const SCRIPT = join(REPO_ROOT, 'deploy', 'local', 'topology.mjs');

/** Runs `node deploy/local/topology.mjs <command>` with the test run's Kafka and PostgreSQL. */
function topology(command: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, command], { encoding: 'utf8', timeout: 240_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The distributed topology of deploy/local: every service its own process, configured by the chart. */
void describe(
  'local distributed topology (deploy/local/topology.mjs)',
  { skip: skipKafka(), timeout: 300_000 },
  () => {
    let addresses: Record<string, string>;
    let runDir: string;

    before(() => {
      const started = topology('start');
      assert.equal(started.status, 0, started.stderr);
      addresses = Object.fromEntries(
        started.stdout
          .split('\n')
          .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
          .filter((match): match is RegExpExecArray => match !== null)
          .map((match) => [match[1]!, match[2]!]),
      );
      runDir = addresses['TOPOLOGY_DIR']!;
    });
    after(() => {
      // Idempotent: the last test stops it; this only cleans up after a failure.
      topology('stop');
    });

    it('runs each service as its own process, serving its API', async () => {
      assert.equal(topology('status').status, 0);
      for (const [service, typeName] of [
        ['INGESTION', 'cairn.ingestion.v1.IngestionService'],
        ['EMBEDDING', 'cairn.embedding.v1.EmbeddingService'],
        ['RETRIEVAL', 'cairn.retrieval.v1.RetrievalService'],
        ['AGENT_RUNNER', 'cairn.agent.v1.AgentService'],
        ['AUDIT', 'cairn.audit.v1.AuditService'],
      ] as const) {
        const client = createGrpcClient(Health, addresses[`${service}_GRPC`]!);
        try {
          const { status } = await client.check({ service: typeName }, { deadlineMs: 5_000 });
          assert.equal(status, HealthCheckResponse_ServingStatus.SERVING, service);
        } finally {
          client.close();
        }
      }
    });

    it('ingests a document through ingestion and finds it through retrieval (Kafka, PostgreSQL, Qdrant)', async () => {
      const apiKey = addresses['CAIRN_API_KEY']!;
      const ingestion = createGrpcClient(IngestionService, addresses['INGESTION_GRPC']!, { apiKey });
      const retrieval = createGrpcClient(RetrievalService, addresses['RETRIEVAL_GRPC']!, { apiKey });
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
        const { chunks } = await retrieval.search({
          query: 'which class do I fly?',
          mode: SearchMode.HYBRID,
          topK: 3,
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
      const stopped = topology('stop');
      assert.equal(stopped.status, 0, stopped.stderr);
      assert.equal(topology('status').status, 3);
      const qdrantLog = join(runDir, 'fake-qdrant.log');
      assert.doesNotMatch(readFileSync(qdrantLog, 'utf8'), /violation:/);
    });
  },
);
