import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentService, RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { Health, HealthCheckResponse_ServingStatus } from '@cairn/contracts/grpc/health/v1/health';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { drainRun, ingestSearchable, stepsOf } from '../support/agent-clients.js';
import { skipKafka } from '../support/repo.js';
import { startLocalTopology, type LocalTopology } from '../support/topology.js';

/**
 * The distributed topology of deploy/local: every service its own process, configured by the chart —
 * the agent-runner with its store in PostgreSQL, its service key in the shared key file (role service)
 * and the other services' addresses — and an ingest → search → agent run through it.
 */
void describe(
  'local distributed topology (deploy/local/topology.mjs)',
  { skip: skipKafka(), timeout: 300_000 },
  () => {
    let topology: LocalTopology;
    let expensesId = '';
    let runId = '';

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

    it('answers with the built-in default agent through the agent-runner, citing the ingested document; GetRun and the audit service explain the run', async () => {
      const { apiKey } = topology;
      const clients = {
        ingestion: createGrpcClient(IngestionService, topology.grpc('ingestion'), { apiKey }),
        retrieval: createGrpcClient(RetrievalService, topology.grpc('retrieval'), { apiKey }),
        agents: createGrpcClient(AgentService, topology.grpc('agent-runner'), { apiKey }),
        audit: createGrpcClient(AuditService, topology.grpc('audit'), { apiKey }),
      };
      try {
        expensesId = await ingestSearchable(
          clients,
          'expenses',
          '# Expenses\n\nSubmit every expense report within thirty days of the trip, with the receipts attached.',
          'topology-agents',
        );
        const input = 'Within how many days must I submit an expense report?';
        // The agent-runner retrieves through the retrieval service with its service key (role service,
        // acting for this key's tenant), keeps the run in PostgreSQL and publishes its steps on Kafka.
        const run = await drainRun(clients.agents.run({ agent: 'default', input }));
        assert.equal(run.status, RunStatus.SUCCEEDED, JSON.stringify(stepsOf(run.steps, 'error')));
        const [final] = stepsOf(run.steps, 'finalAnswer');
        assert.match(final?.text ?? '', /thirty days/);
        assert.ok(
          final?.citations.some((citation) => citation.documentId === expensesId),
          'the answer cites the ingested document',
        );
        const [retrieval] = stepsOf(run.steps, 'retrieval');
        assert.ok(retrieval?.citations.some((citation) => citation.documentId === expensesId));

        const got = await clients.agents.getRun({ runId: run.runId, includeSteps: true });
        assert.equal(got.run?.status, RunStatus.SUCCEEDED);
        assert.equal(got.run?.agent, 'default');
        assert.equal(got.run?.answer, final?.text);
        assert.deepEqual(
          got.steps.map((step) => step.index),
          run.steps.map((step) => step.index),
          'the stored steps are the streamed ones',
        );

        // The audit service built the trail from the agent-runner's and retrieval's events on Kafka.
        const explained = await waitFor(
          async () => {
            const response = await clients.audit.explain({ subject: { case: 'runId', value: run.runId } });
            return response.complete ? response : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 200, description: 'the audit trail to hold the whole run' },
        );
        assert.equal(explained.question, input);
        assert.equal(explained.answer, final?.text);
        const chunks = explained.retrievals.flatMap((r) => r.chunks);
        assert.ok(
          chunks.some((chunk) => chunk.cited && chunk.chunk?.documentId === expensesId),
          'Explain names the cited chunk of the document',
        );
        assert.ok(explained.toolCalls.some((call) => call.tool === 'retrieve'));
        runId = run.runId;
      } finally {
        Object.values(clients).forEach((client) => client.close());
      }
    });

    it("serves MCP whose tools reach retrieval and audit in their own processes, with the caller's key", async () => {
      assert.ok(runId && expensesId, 'needs the run of the previous test');
      const mcp = new Client({ name: 'cairn-topology-test', version: '1.0.0' });
      await mcp.connect(
        new StreamableHTTPClientTransport(new URL(topology.mcpUrl), {
          requestInit: { headers: { authorization: `Bearer ${topology.apiKey}` } },
        }),
      );
      try {
        const text = async (name: string, args: Record<string, unknown>): Promise<string> => {
          const result = await mcp.callTool({ name, arguments: args });
          const content = (result.content ?? []) as Array<{ text?: string }>;
          const joined = content.map((part) => part.text ?? '').join('\n');
          assert.notEqual(result.isError, true, `${name}: ${joined}`);
          return joined;
        };
        const found = await text('search', { query: 'expense report', collections: ['topology-agents'] });
        assert.match(found, new RegExp(`document ${expensesId}`));
        assert.match(await text('explain', { run_id: runId }), /thirty days/);
      } finally {
        await mcp.close();
      }
    });

    it('stops every process cleanly, and the fake Qdrant saw only requests its OpenAPI document allows', () => {
      assert.ok(topology.stop(), 'a process had to be killed');
      assert.ok(!topology.ready());
      assert.doesNotMatch(readFileSync(join(topology.runDir, 'fake-qdrant.log'), 'utf8'), /violation:/);
    });
  },
);
