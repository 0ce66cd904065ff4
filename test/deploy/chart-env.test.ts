import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { listConfigKeys, loadConfig, platformConfigSchema, type PlatformConfig } from '@cairn/config';
import { agentRunnerConfigSchema } from '@cairn/agent-runner';
import { auditConfigSchema } from '@cairn/audit';
import { embeddingConfigSchema } from '@cairn/embedding';
import { ingestionConfigSchema } from '@cairn/ingestion';
import { retrievalConfigSchema } from '@cairn/retrieval';
import { REPO_ROOT } from '../support/repo.js';
import { helmTemplate, renderableChart, renderScenarios, type Rendered } from './chart-fixture.js';
import { containerEnvs, isMounted, type ContainerEnv } from './workload-env.js';

// The all-in-one is an app (no library may import it): read its real, compiled schema by path.
const { allInOneConfigSchema } = (await import(
  pathToFileURL(join(REPO_ROOT, 'services', 'all-in-one', 'dist', 'all-in-one.config.js')).href
)) as { allInOneConfigSchema: z.ZodObject };

/** The config schema each command of the image validates its environment with. */
const SCHEMAS: Record<string, z.ZodObject> = {
  ingestion: ingestionConfigSchema,
  embedding: embeddingConfigSchema,
  retrieval: retrievalConfigSchema,
  'agent-runner': agentRunnerConfigSchema,
  audit: auditConfigSchema,
  'all-in-one': allInOneConfigSchema,
  'ensure-topics': platformConfigSchema,
};
/** Variables outside CAIRN_* the chart may set: libpq's password variable, read by the pg client. */
const OTHER_ALLOWED_ENV = new Set(['PGPASSWORD']);

/** A value for a variable that comes from a Secret, shaped so the schema can check the rest. */
function secretPlaceholder(name: string): string {
  if (name === 'CAIRN_AUTH_SERVICE_API_KEY') return 'cairn_fromasecret_0123456789abcdefghijklmnop';
  if (name === 'CAIRN_AGENT_MCP_SERVERS') return '[]';
  return name.endsWith('_URL') ? 'postgres://cairn@postgresql.invalid:5432/cairn' : 'from-a-secret';
}

/** The services that keep state, with the config section and key of their store's backend. */
const STORES: Record<string, { section: string; backend: string }> = {
  ingestion: { section: 'ingestion', backend: 'registryBackend' },
  'agent-runner': { section: 'agent', backend: 'storeBackend' },
  audit: { section: 'audit', backend: 'storeBackend' },
};

/** The agent-runner's settings that depend on where it runs (all-in-one or its own Deployment). */
function checkAgent(env: ContainerEnv, config: PlatformConfig & Record<string, unknown>): void {
  const agent = config['agent'] as {
    mcpServerEnabled: boolean;
    mcpServerHost: string;
    mcpServerPort: number;
    retrievalEndpoint?: string;
    ingestionEndpoint?: string;
    auditEndpoint?: string;
  };
  if (agent.mcpServerEnabled) {
    assert.equal(agent.mcpServerHost, '0.0.0.0', `${env.workload}: MCP must listen on the pod's address`);
    assert.equal(env.ports.get('mcp'), agent.mcpServerPort, `${env.workload}: no container port mcp`);
  } else {
    assert.equal(env.ports.get('mcp'), undefined, `${env.workload}: an mcp port without an MCP server`);
  }
  if (env.command === 'all-in-one') return;
  // Its own Deployment: the other services are elsewhere, and it calls them with a service key.
  for (const endpoint of [agent.retrievalEndpoint, agent.ingestionEndpoint, agent.auditEndpoint])
    assert.match(endpoint ?? '', /\.svc:\d+$/, `${env.workload}: endpoint ${endpoint} is not a Service`);
  assert.ok(config.auth.serviceApiKey, `${env.workload}: no CAIRN_AUTH_SERVICE_API_KEY`);
  assert.ok(
    env.fromSecrets.has('CAIRN_AUTH_SERVICE_API_KEY'),
    `${env.workload}: the service key must come from the Secret`,
  );
  const vectorStore = config['vectorStore'] as { backend: string };
  assert.equal(vectorStore.backend, 'qdrant', `${env.workload}: long-term memory must live in Qdrant`);
}

/** Checks one container's environment against the real config schema of its command; returns the config. */
function checkEnv(env: ContainerEnv): PlatformConfig & Record<string, unknown> {
  const schema = SCHEMAS[env.command];
  assert.ok(schema, `${env.workload}: unknown command ${env.command}`);
  const known = new Set(listConfigKeys(schema).map((key) => key.env));
  const names = [...env.values.keys(), ...env.fromSecrets.keys()];
  const unknown = names.filter((name) =>
    name.startsWith('CAIRN_') ? !known.has(name) : !OTHER_ALLOWED_ENV.has(name),
  );
  assert.deepEqual(unknown, [], `${env.workload} (${env.command}) sets variables its config does not read`);

  const values: Record<string, string> = Object.fromEntries(env.values);
  for (const name of env.fromSecrets.keys()) values[name] = secretPlaceholder(name);
  // Strict, as at boot: a bad value or an unknown key throws ConfigError naming it.
  const config = loadConfig(schema, { env: values }) as PlatformConfig & Record<string, unknown>;

  assert.ok(
    isMounted(env, config.dataDir, true),
    `${env.workload}: CAIRN_DATA_DIR ${config.dataDir} is not a writable volume`,
  );
  if (env.command === 'ensure-topics') {
    assert.equal(config.events.backend, 'kafka');
    return config;
  }
  assert.equal(config.grpc.host, '0.0.0.0', `${env.workload}: gRPC must listen on the pod's address`);
  assert.equal(config.http.host, '0.0.0.0', `${env.workload}: metrics must listen on the pod's address`);
  if (env.command !== 'all-in-one')
    assert.equal(config.events.backend, 'kafka', `${env.workload}: events backend`);
  assert.equal(config.auth.createDevKey, false, `${env.workload}: no development key in a cluster`);
  assert.ok(
    config.auth.apiKeysFile && isMounted(env, config.auth.apiKeysFile),
    `${env.workload}: API key file not mounted`,
  );
  for (const file of [config.grpc.tls.certFile, config.grpc.tls.keyFile, config.grpc.tls.clientCaFile]) {
    if (file) assert.ok(isMounted(env, file), `${env.workload}: TLS file ${file} not mounted`);
  }
  for (const [command, store] of Object.entries(STORES)) {
    const section = config[store.section] as Record<string, unknown> | undefined;
    // A replica's data directory is an emptyDir: state of a service on its own lives in PostgreSQL.
    if (env.command === command)
      assert.equal(section?.[store.backend], 'postgres', `${env.workload}: ${store.section} store`);
    if (section?.[store.backend] === 'postgres')
      assert.ok(section['postgresUrl'], `${env.workload}: ${store.section} store on postgres without a URL`);
  }
  if (env.command === 'agent-runner' || env.command === 'all-in-one') checkAgent(env, config);
  if (env.command === 'audit')
    // Replicas on one PostgreSQL store sign checkpoints with one key: the audit service refuses to start without it.
    assert.ok(
      env.fromSecrets.has('CAIRN_AUDIT_SIGNING_KEY'),
      `${env.workload}: the signing key must come from the Secret`,
    );
  const vectorStore = config['vectorStore'] as { backend: string; qdrantUrl?: string } | undefined;
  if (vectorStore?.backend === 'qdrant')
    assert.ok(vectorStore.qdrantUrl, `${env.workload}: qdrant backend without CAIRN_VECTOR_STORE_QDRANT_URL`);
  return config;
}

/** The chart's environment against the services' own config schemas, read from the code (not a copy). */
describe('Helm chart: environment variables vs config keys', { timeout: 120_000 }, () => {
  let chart: string;
  let rendered: Rendered[];

  before(() => {
    chart = renderableChart();
    ({ rendered } = renderScenarios(chart));
  });

  it('sets only config keys each service reads, and every setting a service needs to start', () => {
    for (const { scenario, manifests } of rendered) {
      const envs = containerEnvs(manifests);
      assert.ok(envs.length > 0, `${scenario.name}: no workloads`);
      for (const env of envs) {
        try {
          checkEnv(env);
        } catch (error) {
          throw new Error(`${scenario.name}: ${(error as Error).message}`, { cause: error });
        }
      }
    }
  });

  it("points the agent-runner at the rendered Services' gRPC ports, and serves MCP on its own Service port", () => {
    for (const { scenario, manifests } of rendered) {
      type ServiceSpec = {
        selector: Record<string, string>;
        ports: { name: string; port: number; targetPort: string }[];
      };
      const services = new Map(
        manifests
          .filter((m) => m.kind === 'Service')
          .map((m) => [`${m.metadata.name}.${m.metadata.namespace}.svc`, m.spec as ServiceSpec]),
      );
      const runner = containerEnvs(manifests).find((env) =>
        ['agent-runner', 'all-in-one'].includes(env.command),
      );
      assert.ok(runner, `${scenario.name}: no agent-runner`);
      const own = [...services.values()].find(
        (spec) => spec.selector['app.kubernetes.io/component'] === runner.command,
      );
      assert.deepEqual(
        own?.ports.find((port) => port.name === 'mcp'),
        {
          name: 'mcp',
          port: Number(runner.values.get('CAIRN_AGENT_MCP_SERVER_PORT')),
          targetPort: 'mcp',
          protocol: 'TCP',
          appProtocol: 'http',
        },
        `${scenario.name}: MCP port of the ${runner.command} Service`,
      );
      const tls = runner.values.has('CAIRN_GRPC_TLS_CERT_FILE');
      assert.equal(
        runner.values.get('CAIRN_AGENT_GRPC_CA_FILE'),
        tls ? '/etc/cairn/tls/ca.crt' : undefined,
        `${scenario.name}: the runner's own calls use TLS exactly when the services serve it`,
      );
      if (tls) assert.ok(isMounted(runner, '/etc/cairn/tls'), `${scenario.name}: the CA is mounted`);
      if (runner.command === 'all-in-one') continue;
      for (const target of ['retrieval', 'ingestion', 'audit']) {
        const endpoint: string = runner.values.get(`CAIRN_AGENT_${target.toUpperCase()}_ENDPOINT`) ?? '';
        const [host = '', port] = endpoint.split(':');
        const spec = services.get(host);
        assert.equal(spec?.selector['app.kubernetes.io/component'], target, `${scenario.name}: ${endpoint}`);
        assert.ok(
          spec?.ports.some((p) => p.name === 'grpc' && p.port === Number(port)),
          `${scenario.name}: ${endpoint} is not the gRPC port of ${host}`,
        );
      }
    }
  });

  it('turns the chat model, tool and MCP values into the settings the agent-runner reads', () => {
    const mcpServers = [
      {
        name: 'orders',
        transport: 'http',
        url: 'http://orders.shop.svc:3000/mcp',
        headers: { 'x-team': 'a' },
      },
      { name: 'files', transport: 'stdio', command: 'node', args: ['/opt/files-mcp/server.js'] },
    ];
    const values = {
      chatModel: {
        provider: 'openai',
        openai: { baseUrl: 'http://vllm.ai.svc:8000/v1', model: 'llama', apiKeySecretKey: 'chat-key' },
      },
      agent: {
        mcpServer: { enabled: true, port: 9000 },
        httpAllowedHosts: ['api.example.com', '*.corp.example:8443'],
        mcpServers,
      },
    };
    const file = join(mkdtempSync(join(tmpdir(), 'cairn-agent-values-')), 'agent.yaml');
    writeFileSync(file, stringify(values));
    for (const extra of [[], ['--set', 'allInOne.enabled=true']]) {
      const { manifests } = helmTemplate(chart, ['--values', file, ...extra]);
      const env = containerEnvs(manifests).find((e) => ['agent-runner', 'all-in-one'].includes(e.command))!;
      const config = checkEnv(env);
      const chatModel = config['chatModel'] as { provider: string; openai: Record<string, string> };
      assert.equal(chatModel.provider, 'openai');
      assert.equal(chatModel.openai['baseUrl'], 'http://vllm.ai.svc:8000/v1');
      assert.equal(chatModel.openai['model'], 'llama');
      assert.equal(env.fromSecrets.get('CAIRN_CHAT_MODEL_OPENAI_API_KEY'), 'cairn/chat-key');
      const agent = config['agent'] as {
        httpAllowedHosts: string[];
        mcpServers: unknown[];
        mcpServerPort: number;
      };
      assert.deepEqual(agent.httpAllowedHosts, values.agent.httpAllowedHosts);
      assert.deepEqual(agent.mcpServers, [mcpServers[0], { ...mcpServers[1], env: {} }]);
      assert.equal(agent.mcpServerPort, 9000);
    }
    // Servers whose headers carry credentials come from the Secret instead.
    const { manifests } = helmTemplate(chart, ['--set', 'agent.mcpServersSecretKey=mcp-servers']);
    const runner = containerEnvs(manifests).find((e) => e.command === 'agent-runner')!;
    assert.equal(runner.fromSecrets.get('CAIRN_AGENT_MCP_SERVERS'), 'cairn/mcp-servers');
    assert.equal(runner.values.get('CAIRN_AGENT_MCP_SERVERS'), undefined);
    checkEnv(runner);
  });

  it('an env key no service reads is caught by the same check', () => {
    const { manifests } = helmTemplate(chart, ['--set', 'services.retrieval.env.CAIRN_RETRIEVAL_TYPO=1']);
    const retrieval = containerEnvs(manifests).find((env) => env.command === 'retrieval')!;
    assert.throws(() => checkEnv(retrieval), /CAIRN_RETRIEVAL_TYPO/);
  });
});
