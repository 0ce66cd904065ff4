import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
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

  it('an env key no service reads is caught by the same check', () => {
    const { manifests } = helmTemplate(chart, ['--set', 'services.retrieval.env.CAIRN_RETRIEVAL_TYPO=1']);
    const retrieval = containerEnvs(manifests).find((env) => env.command === 'retrieval')!;
    assert.throws(() => checkEnv(retrieval), /CAIRN_RETRIEVAL_TYPO/);
  });
});
