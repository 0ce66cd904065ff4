import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { parse } from 'yaml';
import { kafkaGroupId } from '@cairn/events';
import { declaredConsumers } from '../docs/event-consumers.js';
import { loadServicePackages } from '../docs/service-packages.js';
import { REPO_ROOT } from '../support/repo.js';
import {
  CHART_DIR,
  helmTemplate,
  KUBERNETES_VERSION,
  RELEASE,
  renderableChart,
  renderNotes,
  renderScenarios,
  runTool,
  SCENARIOS,
  valuesArgs,
  type Manifest,
  type Rendered,
} from './chart-fixture.js';
import { containerEnvs } from './workload-env.js';

const CRD_KINDS = new Set(['ScaledObject', 'ServiceMonitor']);

interface CheckovReport {
  results: {
    failed_checks: { check_id: string; resource: string }[];
    skipped_checks: { check_id: string; check_result: { suppress_comment?: string } }[];
  };
  summary: { passed: number; failed: number; parsing_errors: number };
}

function kinds(manifests: readonly Manifest[]): string[] {
  return manifests.map((m) => m.kind);
}

type Peer = { podSelector?: { matchLabels: Record<string, string> }; namespaceSelector?: unknown };
type Rule = { ports: { port: number | string }[]; to?: Peer[]; from?: Peer[] };
type PolicySpec = { policyTypes: string[]; ingress: Rule[]; egress: Rule[] };

function policyOf(manifests: readonly Manifest[], component: string): PolicySpec {
  const policy = manifests.find(
    (m) => m.kind === 'NetworkPolicy' && m.metadata.name === `${RELEASE}-${component}`,
  );
  assert.ok(policy, `no NetworkPolicy for ${component}`);
  const spec = policy.spec as PolicySpec;
  assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress']);
  return spec;
}

/** The TCP/UDP ports a component's pods may open connections to. */
function egressPorts(manifests: readonly Manifest[], component: string): number[] {
  const ports = policyOf(manifests, component).egress.flatMap((rule) =>
    rule.ports.map((p) => Number(p.port)),
  );
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** The named ports of a component's pods that accept connections. */
function ingressPorts(manifests: readonly Manifest[], component: string): (number | string)[] {
  return policyOf(manifests, component).ingress.flatMap((rule) => rule.ports.map((p) => p.port));
}

describe('Helm chart deploy/helm/cairn', { timeout: 240_000 }, () => {
  let chart: string;
  let rendered: Rendered[];
  let outDir: string;

  before(() => {
    chart = renderableChart();
    ({ dir: outDir, rendered } = renderScenarios(chart));
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
    assert.deepEqual(egressPorts(manifests, 'ingestion'), [53, 5432, 9092]);
    // The local model runs in the pod: no egress to a model endpoint.
    assert.deepEqual(egressPorts(manifests, 'embedding'), [53, 6333, 9092]);
    assert.deepEqual(egressPorts(manifests, 'retrieval'), [53, 6333, 9092]);
    assert.deepEqual(egressPorts(manifests, 'audit'), [53, 5432, 9092]);
    // Kafka, its store, Qdrant (memory) and the gRPC port of exactly retrieval, ingestion and audit.
    assert.deepEqual(egressPorts(manifests, 'agent-runner'), [53, 5432, 6333, 9092, 50051]);
    const grpcPeers = policyOf(manifests, 'agent-runner')
      .egress.filter((rule) => rule.ports.some((p) => p.port === 50051))
      .flatMap((rule) => rule.to ?? [])
      .map((peer) => peer.podSelector?.matchLabels['app.kubernetes.io/component']);
    assert.deepEqual(grpcPeers, ['retrieval', 'ingestion', 'audit']);
    assert.deepEqual(ingressPorts(manifests, 'agent-runner'), ['grpc', 'metrics', 'mcp']);
    assert.deepEqual(ingressPorts(manifests, 'retrieval'), ['grpc', 'metrics']);

    // A model endpoint (or the http tool) is reached only by the pods configured to use it.
    const { manifests: withModel } = helmTemplate(chart, [
      '--set',
      'chatModel.openai.baseUrl=http://vllm.ai.svc:8000/v1',
      '--set',
      'networkPolicy.modelEndpoint.ports={8000}',
      '--set',
      'agent.httpAllowedHosts={api.example.com}',
      '--set',
      'agent.mcpServer.enabled=false',
    ]);
    assert.deepEqual(egressPorts(withModel, 'agent-runner'), [53, 443, 5432, 6333, 8000, 9092, 50051]);
    assert.deepEqual(egressPorts(withModel, 'retrieval'), [53, 6333, 9092]);
    assert.deepEqual(ingressPorts(withModel, 'agent-runner'), ['grpc', 'metrics']);
  });

  it('narrows who reaches the MCP port to networkPolicy.mcpFrom, and lets the agent-runner through narrowed gRPC ingress', () => {
    const { manifests } = rendered.find((r) => r.scenario.name === 'examples/production.yaml')!;
    const mcp = policyOf(manifests, 'agent-runner').ingress.find((rule) => rule.ports[0]?.port === 'mcp');
    assert.deepEqual(mcp?.from, [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'assistants' } } },
    ]);
    for (const component of ['retrieval', 'ingestion', 'audit', 'embedding']) {
      const grpc = policyOf(manifests, component).ingress.find((rule) => rule.ports[0]?.port === 'grpc');
      const fromRunner = (grpc?.from ?? []).some(
        (peer) => peer.podSelector?.matchLabels['app.kubernetes.io/component'] === 'agent-runner',
      );
      assert.equal(fromRunner, component !== 'embedding', `${component}: agent-runner ingress`);
    }
    const { manifests: aio } = rendered.find((r) => r.scenario.name === 'examples/all-in-one.yaml')!;
    assert.deepEqual(ingressPorts(aio, 'all-in-one'), ['grpc', 'metrics', 'mcp']);
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

  it('points KEDA at the Kafka consumer groups the services really have: one trigger per <prefix><group>:<topic>', async () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as {
      services: Record<string, unknown>;
    };
    const prefix = 'team-a.';
    const { manifests } = helmTemplate(chart, [
      '--set',
      `config.events.groupPrefix=${prefix}`,
      ...Object.keys(values.services).flatMap((key) => ['--set', `services.${key}.keda.enabled=true`]),
    ]);
    const scaled = manifests.filter((m) => m.kind === 'ScaledObject');
    type Trigger = { type: string; metadata: Record<string, string> };
    const packages = (await loadServicePackages()).filter((pkg) => pkg.name !== 'all-in-one');
    assert.equal(scaled.length, packages.length);
    for (const pkg of packages) {
      const object = scaled.find((m) => m.metadata.name === `${RELEASE}-${pkg.name}`);
      assert.ok(object, `no ScaledObject for ${pkg.name}`);
      new ScaledObject(object as never).validate();
      const watched = (object.spec as { triggers: Trigger[] }).triggers
        .filter((trigger) => trigger.type === 'kafka')
        .map((trigger) => `${trigger.metadata['consumerGroup']} ${trigger.metadata['topic']}`)
        .sort();
      // The names the Kafka adapter gives its groups (libs/events), from the services' own consumers.
      const real = declaredConsumers(pkg.modules)
        .map((consumer) => `${kafkaGroupId(`${prefix}${consumer.group}`, consumer.topic)} ${consumer.topic}`)
        .sort();
      assert.deepEqual(watched, real, `${pkg.name}: KEDA watches other groups than the service has`);
    }
    const runner = scaled.find((m) => m.metadata.name === `${RELEASE}-agent-runner`)!;
    assert.deepEqual(
      (runner.spec as { triggers: Trigger[] }).triggers.find((t) => t.type === 'kafka')?.metadata,
      {
        bootstrapServers: 'cairn-kafka-bootstrap:9092',
        consumerGroup: 'team-a.agent-runner:cairn.agent.run-requested.v1',
        topic: 'cairn.agent.run-requested.v1',
        lagThreshold: '100',
        offsetResetPolicy: 'earliest',
        allowIdleConsumers: 'false',
      },
    );
  });

  it('NOTES name the MCP endpoint, and warn of what would stop the agent-runner or the audit service', () => {
    const defaults = renderNotes([]);
    assert.match(defaults, /^ {2}http:\/\/cairn-agent-runner\.cairn\.svc:8090\/mcp$/m);
    assert.match(defaults, /the Secret has no key service-api-key/);
    assert.match(defaults, /the Secret has no key audit-signing-key/);

    const dir = mkdtempSync(join(tmpdir(), 'cairn-notes-values-'));
    const keyFile = (roles: string[]): string => {
      const file = join(dir, `${roles.join('-')}.json`);
      const hash = '0'.repeat(64);
      writeFileSync(file, JSON.stringify({ keys: [{ id: 'abcd', hash, tenant: '_service', roles }] }));
      return file;
    };
    const secretData = ['--set', 'secret.data.service-api-key=k', '--set', 'secret.data.audit-signing-key=s'];
    const ready = renderNotes([...secretData, '--set-file', `secret.apiKeysJson=${keyFile(['service'])}`]);
    assert.doesNotMatch(ready, /WARNING/);
    const noService = renderNotes([...secretData, '--set-file', `secret.apiKeysJson=${keyFile(['admin'])}`]);
    assert.match(noService, /holds no key with role "service"/);

    const production = renderNotes(['--values', join(CHART_DIR, 'examples', 'production.yaml')]);
    assert.match(production, /agent-runner calls retrieval, ingestion and audit over TLS too/);
    assert.match(production, /must name each service \(cairn-<service>\.cairn\.svc\)/);
    const allInOne = renderNotes(['--values', join(CHART_DIR, 'examples', 'all-in-one.yaml')]);
    assert.match(allInOne, /^ {2}http:\/\/cairn-all-in-one\.cairn\.svc:8090\/mcp$/m);
    assert.doesNotMatch(allInOne, /service-api-key|audit-signing-key/);
  });

  it('has a README listing every value of values.yaml', () => {
    const result = runTool(process.execPath, [join(REPO_ROOT, 'scripts', 'helm-readme.mjs'), '--check']);
    assert.equal(result.status, 0, result.stderr);
  });
});
