import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { FakeChatCompletionsServer, type FakeReply, type RecordedChatRequest } from '@cairn/models/testing';
import { waitFor } from '@cairn/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { drainRun, stepsOf, tenantClients, type TenantClients } from '../support/agent-clients.js';
import { writeApiKeys } from '../support/api-keys.js';
import { REPO_ROOT } from '../support/repo.js';
import { startService, type StartedService } from '../support/service-process.js';

interface ToolText {
  readonly text: string;
  readonly isError: boolean;
  readonly structured: Record<string, unknown> | undefined;
}

async function callTool(client: Client, name: string, args: Record<string, unknown>): Promise<ToolText> {
  const result = await client.callTool({ name, arguments: args });
  const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
  return {
    text: content.map((part) => part.text ?? '').join('\n'),
    isError: result.isError === true,
    structured: result.structuredContent as Record<string, unknown> | undefined,
  };
}

async function connect(url: string, apiKey: string): Promise<Client> {
  const client = new Client({ name: 'cairn-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${apiKey}` } },
    }),
  );
  return client;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const lastTool = (request: RecordedChatRequest) =>
  (request.body['messages'] as Array<{ role: string; content?: string }>).findLast((m) => m.role === 'tool');

/**
 * Cairn as an MCP server (Streamable HTTP), tested with the official SDK client, and the agent-runner
 * as an MCP client of a stdio server and of an HTTP server (Cairn's own).
 */
void describe('MCP: Cairn as a server, the agent-runner as a client', () => {
  let aio: StartedService;
  let keys: Record<string, string>;
  let acme: TenantClients;
  let mcp: Client;
  let mcpUrl = '';
  const model = new FakeChatCompletionsServer();
  const callsFile = join(mkdtempSync(join(tmpdir(), 'cairn-mcp-')), 'orders-calls.ndjson');

  before(async () => {
    const baseUrl = await model.start();
    model.respondWith((request): FakeReply => {
      const tool = lastTool(request);
      if (request.body['model'] === 'orders')
        return tool
          ? { type: 'completion', content: `Status: ${tool.content ?? ''}` }
          : {
              type: 'completion',
              toolCalls: [{ id: 'c1', name: 'orders__lookup_order', arguments: '{"order_id":"A-1"}' }],
            };
      return tool
        ? { type: 'completion', content: `Found: ${tool.content?.split('\n')[0] ?? ''}` }
        : {
            type: 'completion',
            toolCalls: [{ id: 'c1', name: 'cairn__search', arguments: '{"query":"refund window"}' }],
          };
    });
    const written = writeApiKeys(mkdtempSync(join(tmpdir(), 'cairn-mcp-keys-')), ['acme', 'globex']);
    keys = written.keys;
    const port = await freePort();
    mcpUrl = `http://127.0.0.1:${port}/mcp`;
    const servers = [
      {
        name: 'orders',
        transport: 'stdio',
        command: process.execPath,
        args: [join(REPO_ROOT, 'test', 'dist', 'fixtures', 'mcp-orders.stdio-server.js')],
        env: { ORDERS_CALLS_FILE: callsFile },
      },
      { name: 'cairn', transport: 'http', url: mcpUrl, headers: { authorization: `Bearer ${keys['acme']}` } },
    ];
    aio = await startService({
      service: 'all-in-one',
      env: {
        CAIRN_AUTH_API_KEYS_FILE: written.file,
        CAIRN_EMBEDDING_PROVIDER: 'hash',
        CAIRN_CHAT_MODEL_OPENAI_BASE_URL: baseUrl,
        CAIRN_AGENT_MCP_SERVER_PORT: String(port),
        CAIRN_AGENT_MCP_SERVERS: JSON.stringify(servers),
      },
    });
    assert.equal(aio.mcpUrl, mcpUrl, 'the banner names the MCP endpoint');
    acme = tenantClients(aio.grpcAddress, keys['acme']!);
    mcp = await connect(mcpUrl, keys['acme']!);
  });

  after(async () => {
    await mcp?.close();
    acme?.close();
    const code = await aio?.stop();
    await model.stop();
    assert.equal(code, 0);
  });

  void it('offers search, build_context, ingest, get_document, run_agent and explain to the SDK client', async () => {
    const { tools } = await mcp.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [
      'build_context',
      'explain',
      'get_document',
      'ingest',
      'run_agent',
      'search',
    ]);
    assert.ok(tools.every((t) => t.inputSchema.type === 'object' && (t.description ?? '') !== ''));
  });

  void it('ingests, finds and explains through the tools, with the caller’s tenant', async () => {
    const ingested = await callTool(mcp, 'ingest', {
      external_id: 'refunds',
      collection: 'policies',
      mime_type: 'text/markdown',
      text: '# Refunds\n\nThe refund window is thirty days from delivery.',
    });
    assert.equal(ingested.isError, false, ingested.text);
    const documentId = String(ingested.structured?.['documentId']);
    await waitFor(
      async () =>
        (await callTool(mcp, 'get_document', { document_id: documentId })).text.includes(
          'DOCUMENT_STATUS_INDEXED',
        ),
      { timeoutMs: 30_000, intervalMs: 100, description: 'the document to be indexed' },
    );
    const found = await callTool(mcp, 'search', { query: 'refund window', top_k: 3 });
    assert.equal(found.isError, false);
    assert.match(found.text, /thirty days/);
    const context = await callTool(mcp, 'build_context', { query: 'refund window', token_budget: 200 });
    assert.match(context.text, /^\[1\]/m);

    const asked = await callTool(mcp, 'run_agent', { input: 'How long is the refund window?' });
    assert.equal(asked.isError, false, asked.text);
    assert.match(asked.text, /thirty days/);
    const runId = String(asked.structured?.['runId']);
    const explained = await waitFor(
      async () => {
        const result = await callTool(mcp, 'explain', { run_id: runId });
        return !result.isError && result.structured?.['complete'] === true ? result : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: 'the run to be explained' },
    );
    assert.match(explained.text, new RegExp(documentId));

    const globex = await connect(mcpUrl, keys['globex']!);
    try {
      const foreign = await callTool(globex, 'get_document', { document_id: documentId });
      assert.equal(foreign.isError, true, 'another tenant does not see the document');
      assert.match(foreign.text, /^NOT_FOUND/);
    } finally {
      await globex.close();
    }
  });

  void it('refuses callers without a valid key', async () => {
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(response.status, 401);
    const forged = await connect(mcpUrl, `cairn_abcd1234_${'x'.repeat(40)}`);
    try {
      const result = await callTool(forged, 'search', { query: 'refund' });
      assert.equal(result.isError, true);
      assert.match(result.text, /^UNAUTHENTICATED/);
    } finally {
      await forged.close();
    }
  });

  void it('offers a stdio MCP server’s tools to an agent, each call executed once', async () => {
    await acme.agents.putAgent({
      agent: { name: 'support', model: 'openai/orders', allowedTools: ['mcp:orders/*'] },
    });
    const run = await drainRun(acme.agents.run({ agent: 'support', input: 'Where is order A-1?' }));
    assert.equal(run.status, RunStatus.SUCCEEDED);
    const [call] = stepsOf(run.steps, 'toolCall');
    assert.equal(
      call?.tool,
      'mcp:orders/lookup_order',
      'allowlists and the audit trail see the canonical name',
    );
    assert.match(stepsOf(run.steps, 'finalAnswer')[0]?.text ?? '', /shipped on 2026-11-30/);
    const calls = readFileSync(callsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { order: string; key: string });
    const toolCallIndex = run.steps.find((s) => s.kind.case === 'toolCall')?.index;
    assert.deepEqual(calls, [{ order: 'A-1', key: `${run.runId}:${toolCallIndex}` }]);
  });

  void it('offers a Streamable HTTP MCP server’s tools (Cairn’s own), and refuses tools off the allowlist', async () => {
    await acme.agents.putAgent({
      agent: { name: 'researcher', model: 'openai/research', allowedTools: ['mcp:cairn/search'] },
    });
    const run = await drainRun(acme.agents.run({ agent: 'researcher', input: 'What is the refund window?' }));
    assert.equal(run.status, RunStatus.SUCCEEDED);
    assert.equal(stepsOf(run.steps, 'toolCall')[0]?.tool, 'mcp:cairn/search');
    assert.match(stepsOf(run.steps, 'toolResult')[0]?.content ?? '', /thirty days/);

    await acme.agents.putAgent({
      agent: { name: 'researcher', model: 'openai/research', allowedTools: ['retrieve'] },
    });
    const refused = await drainRun(
      acme.agents.run({ agent: 'researcher', input: 'What is the refund window?' }),
    );
    const [verdict] = stepsOf(refused.steps, 'guardrailVerdict').filter(
      (v) => v.guardrail === 'tool-allowlist',
    );
    assert.ok(verdict, 'the call is refused by the allowlist');
    assert.equal(stepsOf(refused.steps, 'toolResult')[0]?.isError, true);
  });
});
