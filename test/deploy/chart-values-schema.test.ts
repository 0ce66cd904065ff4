import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { helmTemplate, KUBERNETES_VERSION, renderableChart, runTool } from './chart-fixture.js';

/** A values file the chart must refuse, and the error naming the value. */
interface BadValues {
  readonly name: string;
  readonly values: string;
  readonly error: RegExp;
  /** Refused when rendering (helm template, install) rather than by values.schema.json. */
  readonly renderOnly?: boolean;
}

/** values.schema.json: a value a service would not accept is rejected before anything is rendered. */
describe('Helm chart: values.schema.json', { timeout: 120_000 }, () => {
  let chart: string;
  before(() => {
    chart = renderableChart();
  });

  const BAD_VALUES: readonly BadValues[] = [
    { name: 'a broker without a port', values: 'kafka:\n  brokers: [kafka]\n', error: /kafka\/brokers\/0/ },
    { name: 'the latest tag', values: 'image:\n  tag: latest\n', error: /image\/tag/ },
    {
      name: 'negative replicas',
      values: 'services:\n  embedding:\n    replicas: -1\n',
      error: /services\/embedding\/replicas/,
    },
    { name: 'a misspelt top-level key', values: 'servics: {}\n', error: /servics/ },
    { name: 'a misspelt service', values: 'services:\n  retreival: {}\n', error: /retreival/ },
    { name: 'no Secret at all', values: 'secret:\n  create: false\n', error: /secret\/existingSecret/ },
    { name: 'TLS without its Secret', values: 'tls:\n  enabled: true\n', error: /tls\/secretName/ },
    {
      name: 'an env name outside CAIRN_',
      values: 'config:\n  env:\n    LOG_LEVEL: debug\n',
      error: /LOG_LEVEL/,
    },
    {
      name: 'openai without an endpoint',
      values: 'embedding:\n  provider: openai\n',
      error: /embedding\/openai/,
    },
    { name: 'an unknown log level', values: 'config:\n  logLevel: loud\n', error: /config\/logLevel/ },
  ];

  /** Values of the agent-runner the agent-runner itself would refuse at start (or that cannot work). */
  const BAD_AGENT_VALUES: readonly BadValues[] = [
    {
      name: 'an unknown chat model provider',
      values: 'chatModel:\n  provider: gpt\n',
      error: /chatModel\/provider/,
    },
    {
      name: 'the openai chat model without an endpoint',
      values: 'chatModel:\n  provider: openai\n',
      error: /chatModel\/openai/,
    },
    {
      name: 'a chat model URL without a scheme',
      values: 'chatModel:\n  openai:\n    baseUrl: vllm.ai.svc:8000\n',
      error: /chatModel\/openai\/baseUrl/,
    },
    {
      name: 'an MCP port out of range',
      values: 'agent:\n  mcpServer:\n    port: 70000\n',
      error: /agent\/mcpServer\/port/,
    },
    {
      name: 'the MCP server on the gRPC port',
      values: 'agent:\n  mcpServer:\n    port: 50051\n',
      error: /agent\.mcpServer\.port 50051 is also config\.grpcPort/,
      // Two values compared: the templates check it, and helm lint reports a template's fail only as info.
      renderOnly: true,
    },
    {
      name: 'a URL in the http tool allowlist',
      values: "agent:\n  httpAllowedHosts: ['https://api.example.com/v1']\n",
      error: /agent\/httpAllowedHosts\/0/,
    },
    {
      name: 'an MCP server name agents cannot name',
      values: "agent:\n  mcpServers: [{name: Orders, transport: http, url: 'http://orders/mcp'}]\n",
      error: /agent\/mcpServers\/0/,
    },
    {
      name: 'an http MCP server with a command instead of a URL',
      values: 'agent:\n  mcpServers: [{name: orders, transport: http, command: node}]\n',
      error: /agent\/mcpServers\/0/,
    },
    {
      name: 'MCP servers both inline and from the Secret',
      values:
        "agent:\n  mcpServersSecretKey: mcp-servers\n  mcpServers: [{name: orders, transport: http, url: 'http://orders/mcp'}]\n",
      error: /agent\/mcpServers/,
    },
    {
      name: 'an agent store schema PostgreSQL identifiers do not allow',
      values: 'postgresql:\n  schemas:\n    agent: Agent-Store\n',
      error: /postgresql\/schemas\/agent/,
    },
    {
      name: 'a distributed agent-runner without its service key',
      values: "secret:\n  serviceApiKeySecretKey: ''\n",
      error: /secret\/serviceApiKeySecretKey/,
    },
    {
      name: 'an audit service on PostgreSQL without its signing key',
      values: "secret:\n  auditSigningKeySecretKey: ''\n",
      error: /secret\/auditSigningKeySecretKey/,
    },
    {
      name: 'the old consumer group list (KEDA reads the real groups)',
      values: 'services:\n  agentRunner:\n    kedaConsumerGroups: [agent-runner]\n',
      error: /kedaConsumerGroups/,
    },
  ];

  /** Each bad values file fails both helm lint and helm template, with an error naming the value. */
  function assertRejected(cases: readonly BadValues[]): void {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-bad-values-'));
    for (const [index, bad] of cases.entries()) {
      const file = join(dir, `${index}.yaml`);
      writeFileSync(file, bad.values);
      const lint = runTool('helm', [
        'lint',
        '--strict',
        chart,
        '--kube-version',
        KUBERNETES_VERSION,
        '--values',
        file,
      ]);
      if (!bad.renderOnly) assert.notEqual(lint.status, 0, `helm lint accepted ${bad.name}`);
      assert.throws(
        () => helmTemplate(chart, ['--values', file]),
        bad.error,
        `helm template and ${bad.name}`,
      );
    }
  }

  it('values.schema.json rejects bad values, naming the value', () => {
    assertRejected(BAD_VALUES);
  });

  it('rejects bad agent-runner values, naming the value', () => {
    assertRejected(BAD_AGENT_VALUES);
  });

  it('accepts the same agent-runner settings when they are right', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cairn-good-values-')), 'agent.yaml');
    writeFileSync(
      file,
      [
        'chatModel: {provider: openai, openai: {baseUrl: "http://vllm.ai.svc:8000/v1", model: llama}}',
        'agent:',
        '  mcpServer: {port: 9000}',
        "  httpAllowedHosts: [api.example.com, '*.corp.example:8443']",
        "  mcpServers: [{name: orders, transport: http, url: 'http://orders/mcp'}, {name: files, transport: stdio, command: node}]",
        'postgresql: {schemas: {agent: agent_store}}',
        '',
      ].join('\n'),
    );
    const lint = runTool('helm', [
      'lint',
      '--strict',
      chart,
      '--kube-version',
      KUBERNETES_VERSION,
      '--values',
      file,
    ]);
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  });
});
