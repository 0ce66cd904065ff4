import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { parse } from 'yaml';
import type { z } from 'zod';
import { listConfigKeys, loadConfig, platformConfigSchema, type PlatformConfig } from '@cairn/config';
import { agentRunnerConfigSchema } from '@cairn/agent-runner';
import { auditConfigSchema } from '@cairn/audit';
import { embeddingConfigSchema } from '@cairn/embedding';
import { ingestionConfigSchema } from '@cairn/ingestion';
import { retrievalConfigSchema } from '@cairn/retrieval';
import { REPO_ROOT } from '../support/repo.js';
import {
  CHART_DIR,
  helmTemplate,
  KUBERNETES_VERSION,
  renderableChart,
  runTool,
  SCENARIOS,
  valuesArgs,
  type Manifest,
  type Scenario,
} from './chart-fixture.js';
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
const CRD_KINDS = new Set(['ScaledObject', 'ServiceMonitor']);

interface CheckovReport {
  results: {
    failed_checks: { check_id: string; resource: string }[];
    skipped_checks: { check_id: string; check_result: { suppress_comment?: string } }[];
  };
  summary: { passed: number; failed: number; parsing_errors: number };
}

interface Rendered {
  readonly scenario: Scenario;
  readonly file: string;
  readonly manifests: Manifest[];
}

function kinds(manifests: readonly Manifest[]): string[] {
  return manifests.map((m) => m.kind);
}

/** A value for a variable that comes from a Secret, shaped so the schema can check the rest. */
function secretPlaceholder(name: string): string {
  return name.endsWith('_URL') ? 'postgres://cairn@postgresql.invalid:5432/cairn' : 'from-a-secret';
}

/** Checks one container's environment against the real config schema of its command. */
function checkEnv(env: ContainerEnv): void {
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
    return;
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
  const ingestion = config['ingestion'] as { registryBackend: string; postgresUrl?: string } | undefined;
  if (ingestion?.registryBackend === 'postgres')
    assert.ok(
      ingestion.postgresUrl,
      `${env.workload}: postgres registry without CAIRN_INGESTION_POSTGRES_URL`,
    );
  const vectorStore = config['vectorStore'] as { backend: string; qdrantUrl?: string } | undefined;
  if (vectorStore?.backend === 'qdrant')
    assert.ok(vectorStore.qdrantUrl, `${env.workload}: qdrant backend without CAIRN_VECTOR_STORE_QDRANT_URL`);
}

describe('Helm chart deploy/helm/cairn', { timeout: 240_000 }, () => {
  let chart: string;
  const rendered: Rendered[] = [];
  let outDir: string;

  before(() => {
    chart = renderableChart();
    outDir = mkdtempSync(join(tmpdir(), 'cairn-rendered-'));
    for (const [index, scenario] of SCENARIOS.entries()) {
      const { text, manifests } = helmTemplate(chart, valuesArgs(scenario));
      const file = join(outDir, `${index}-${scenario.name.replace(/[^a-z0-9]+/gi, '-')}.yaml`);
      writeFileSync(file, text);
      rendered.push({ scenario, file, manifests });
    }
  });

  it("declares Qdrant's official chart as an optional dependency, off by default", () => {
    const meta = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as {
      dependencies: { name: string; condition: string }[];
    };
    const qdrant = meta.dependencies.find((dependency) => dependency.name === 'qdrant');
    assert.equal(qdrant?.condition, 'qdrant.enabled');
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
      qdrant: { enabled: boolean };
    };
    assert.equal(values.qdrant.enabled, false);
  });

  it('passes helm lint --strict with the default values and every example', () => {
    for (const scenario of SCENARIOS) {
      const result = runTool('helm', [
        'lint',
        '--strict',
        chart,
        '--kube-version',
        KUBERNETES_VERSION,
        ...valuesArgs(scenario),
      ]);
      assert.equal(result.status, 0, `${scenario.name}:\n${result.stdout}${result.stderr}`);
    }
  });

  it(`validates every rendered manifest against the Kubernetes ${KUBERNETES_VERSION} schemas (strict)`, () => {
    for (const { scenario, file, manifests } of rendered) {
      const result = runTool('kubernetes-validate', ['--strict', '-k', KUBERNETES_VERSION, file]);
      const output = result.stdout + result.stderr;
      assert.equal(result.status, 0, `${scenario.name}:\n${output}`);
      const passed = output.split('\n').filter((line) => line.includes('passed for resource'));
      const native = manifests.filter((m) => !CRD_KINDS.has(m.kind));
      assert.equal(
        passed.length,
        native.length,
        `${scenario.name}: not every manifest was validated:\n${output}`,
      );
      for (const line of output.split('\n').filter((l) => l.startsWith('WARN'))) {
        assert.match(
          line,
          /Couldn't find schema for kind (ScaledObject|ServiceMonitor)/,
          `${scenario.name}: ${line}`,
        );
      }
    }
  });

  it("validates KEDA ScaledObjects and the ServiceMonitor against their CRDs' schemas, aimed at rendered objects", () => {
    const production = rendered.find((r) => r.scenario.name === 'examples/production.yaml')!;
    const scaled = production.manifests.filter((m) => m.kind === 'ScaledObject');
    const monitors = production.manifests.filter((m) => m.kind === 'ServiceMonitor');
    assert.ok(scaled.length >= 2 && monitors.length === 1);
    const deployments = new Set(
      production.manifests.filter((m) => m.kind === 'Deployment').map((m) => m.metadata.name),
    );
    for (const object of scaled) {
      new ScaledObject(object as never).validate();
      const spec = object.spec as { scaleTargetRef: { name: string }; triggers: { type: string }[] };
      assert.ok(
        deployments.has(spec.scaleTargetRef.name),
        `${object.metadata.name} scales a missing Deployment`,
      );
      assert.ok(
        spec.triggers.some((t) => t.type === 'kafka'),
        `${object.metadata.name}: no Kafka lag trigger`,
      );
    }
    for (const object of monitors) new ServiceMonitor(object as never).validate();
    // A bad value is caught by the same schema: the check can fail.
    const broken = structuredClone(scaled[0]!) as unknown as { spec: { minReplicaCount: unknown } };
    broken.spec.minReplicaCount = 'two';
    assert.throws(() => new ScaledObject(broken as never).validate(), /minReplicaCount/);
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

  it('an env key no service reads is caught by the same check', () => {
    const { manifests } = helmTemplate(chart, ['--set', 'services.retrieval.env.CAIRN_RETRIEVAL_TYPO=1']);
    const retrieval = containerEnvs(manifests).find((env) => env.command === 'retrieval')!;
    assert.throws(() => checkEnv(retrieval), /CAIRN_RETRIEVAL_TYPO/);
  });

  it('checkov finds no failed check in the manifests or the Dockerfile, and every skip gives its reason', () => {
    const scans = [
      ['--directory', outDir, '--framework', 'kubernetes'],
      ['--file', join(REPO_ROOT, 'deploy', 'docker', 'Dockerfile'), '--framework', 'dockerfile'],
    ];
    for (const scan of scans) {
      // --skip-download: no call to the vendor's platform; every check runs offline.
      const result = runTool('checkov', [...scan, '--skip-download', '--compact', '--output', 'json']);
      const report = JSON.parse(result.stdout) as CheckovReport;
      const failed = report.results.failed_checks.map((check) => `${check.check_id} ${check.resource}`);
      assert.deepEqual(failed, [], `checkov ${scan.join(' ')}: failed checks`);
      assert.ok(report.summary.passed > 50, `checkov ran only ${report.summary.passed} checks`);
      assert.equal(report.summary.parsing_errors, 0);
      for (const skipped of report.results.skipped_checks) {
        const reason = skipped.check_result.suppress_comment ?? '';
        assert.ok(reason.length > 20, `${skipped.check_id} skipped without a reason`);
      }
    }
  });

  const BAD_VALUES: readonly { name: string; values: string; error: RegExp }[] = [
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

  it('values.schema.json rejects bad values, naming the value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-bad-values-'));
    for (const [index, bad] of BAD_VALUES.entries()) {
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
      assert.notEqual(lint.status, 0, `helm lint accepted ${bad.name}`);
      assert.throws(
        () => helmTemplate(chart, ['--values', file]),
        bad.error,
        `helm template and ${bad.name}`,
      );
    }
  });

  it('renders the production example with HPA, KEDA, NetworkPolicies, TLS probes and a ServiceMonitor', () => {
    const { manifests } = rendered.find((r) => r.scenario.name === 'examples/production.yaml')!;
    for (const kind of [
      'HorizontalPodAutoscaler',
      'ScaledObject',
      'NetworkPolicy',
      'ServiceMonitor',
      'PodDisruptionBudget',
    ])
      assert.ok(kinds(manifests).includes(kind), `no ${kind}`);
    const scaledNames = new Set(
      manifests.filter((m) => m.kind === 'ScaledObject').map((m) => m.metadata.name),
    );
    for (const hpa of manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler'))
      assert.ok(
        !scaledNames.has(hpa.metadata.name),
        `${hpa.metadata.name} has both an HPA and a ScaledObject`,
      );
    for (const deployment of manifests.filter((m) => m.kind === 'Deployment')) {
      const pod = deployment.spec as {
        replicas?: number;
        template: { spec: { containers: Record<string, unknown>[] } };
      };
      assert.equal(pod.replicas, undefined, `${deployment.metadata.name}: replicas fight the autoscaler`);
      const container = pod.template.spec.containers[0]!;
      // kubelet's gRPC probe cannot speak TLS: with TLS on, probes go to the ops HTTP port.
      assert.deepEqual((container['readinessProbe'] as { httpGet: unknown }).httpGet, {
        path: '/readyz',
        port: 'metrics',
      });
    }
  });

  it('probes every service with native gRPC health checks when gRPC is plaintext, and hardens every pod', () => {
    const { manifests } = rendered[0]!;
    const deployments = manifests.filter((m) => m.kind === 'Deployment');
    assert.equal(deployments.length, 5);
    for (const deployment of deployments) {
      const pod = (
        deployment.spec as {
          template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
        }
      ).template.spec;
      const container = pod.containers[0]!;
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
        assert.deepEqual(
          (container[probe] as { grpc: unknown }).grpc,
          { port: 50051 },
          `${deployment.metadata.name} ${probe}`,
        );
      assert.equal(pod['automountServiceAccountToken'], false);
      assert.equal(pod['serviceAccountName'], deployment.metadata.name);
      assert.deepEqual((pod['securityContext'] as { seccompProfile: unknown }).seccompProfile, {
        type: 'RuntimeDefault',
      });
      const security = container['securityContext'] as Record<string, unknown>;
      assert.equal(security['readOnlyRootFilesystem'], true);
      assert.equal(security['runAsNonRoot'], true);
      assert.equal(security['allowPrivilegeEscalation'], false);
      assert.deepEqual(security['capabilities'], { drop: ['ALL'] });
    }
    const job = manifests.find((m) => m.kind === 'Job')!;
    assert.equal(job.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
  });

  it('allows only the flows of the architecture in the NetworkPolicies', () => {
    const { manifests } = rendered[0]!;
    type Rule = {
      ports: { port: number | string }[];
      to?: { podSelector?: { matchLabels: Record<string, string> } }[];
    };
    const egressPorts = (component: string): number[] => {
      const policy = manifests.find(
        (m) => m.kind === 'NetworkPolicy' && m.metadata.name === `cairn-${component}`,
      )!;
      const spec = policy.spec as { policyTypes: string[]; egress: Rule[] };
      assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress']);
      const ports = spec.egress.flatMap((rule) => rule.ports.map((p) => Number(p.port)));
      return [...new Set(ports)].sort((a, b) => a - b);
    };
    assert.deepEqual(egressPorts('ingestion'), [53, 5432, 9092]);
    // The local model runs in the pod: no egress to a model endpoint.
    assert.deepEqual(egressPorts('embedding'), [53, 6333, 9092]);
    assert.deepEqual(egressPorts('retrieval'), [53, 6333, 9092]);
    assert.deepEqual(egressPorts('audit'), [53, 5432, 9092]);
    assert.ok(egressPorts('agent-runner').includes(50051), 'agent-runner cannot call retrieval');
  });

  it('runs the all-in-one example as one pod on a volume, without Kafka or the topic Job', () => {
    const { manifests } = rendered.find((r) => r.scenario.name === 'examples/all-in-one.yaml')!;
    const deployments = manifests.filter((m) => m.kind === 'Deployment');
    assert.equal(deployments.length, 1);
    const spec = deployments[0]!.spec as { replicas: number; strategy: { type: string } };
    assert.equal(spec.replicas, 1);
    assert.equal(spec.strategy.type, 'Recreate');
    assert.ok(kinds(manifests).includes('PersistentVolumeClaim'));
    assert.ok(!kinds(manifests).includes('Job'));
    const env = containerEnvs(manifests)[0]!;
    assert.equal(env.values.get('CAIRN_EVENTS_BACKEND'), 'embedded');
  });

  it('points KEDA at consumer groups the services really use', () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
      services: Record<string, { kedaConsumerGroups: string[] }>;
    };
    const component = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    for (const [key, service] of Object.entries(values.services)) {
      const dir = join(REPO_ROOT, 'services', component(key), 'src');
      const sources = readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.consumer.ts'))
        .map((file) => readFileSync(join(dir, file), 'utf8'))
        .join('\n');
      for (const group of service.kedaConsumerGroups)
        assert.match(sources, new RegExp(`group: '${group}'`), `${key}: no consumer in group ${group}`);
    }
  });

  it('has a README listing every value of values.yaml', () => {
    const result = runTool(process.execPath, [join(REPO_ROOT, 'scripts', 'helm-readme.mjs'), '--check']);
    assert.equal(result.status, 0, result.stderr);
  });
});
