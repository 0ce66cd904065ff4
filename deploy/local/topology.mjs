#!/usr/bin/env node
// The distributed topology on one machine: Kafka, PostgreSQL, Qdrant and the five services as separate
// processes, each configured with what the Helm chart renders for it (helm template over
// deploy/local/topology-values.yaml), pointed at loopback addresses, free ports and a run directory.
//
// Usage: node deploy/local/topology.mjs start|stop|status|env
//
//   start   start Kafka and PostgreSQL (deploy/local/kafka.sh, postgres.sh) unless CAIRN_KAFKA_BROKERS and
//           CAIRN_POSTGRES_URL name running ones; Qdrant from QDRANT_URL, else the OpenAPI-checking fake
//           (deploy/local/fake-qdrant.mjs); make the key file every service reads with `cairn api-key`: an
//           admin key of tenant default and the agent-runner's service key (role service), which stands in
//           for the chart's Secret; run `cairn ensure-topics` as the chart's pre-install Job does; start
//           the services (the agent-runner last, pointed at the others' addresses, its agent store and the
//           audit trail in schemas of their own), wait until each answers /readyz, print `env`
//   stop    SIGTERM every service (then the fake Qdrant, Kafka and PostgreSQL if this script started
//           them), wait for each to exit (SIGKILL after 30 s); exit 1 if one had to be killed
//   status  exit 0 when every service process runs and is ready, 3 if not
//   env     print CAIRN_API_KEY=<key>, TOPOLOGY_DIR=<run dir> (logs), <SERVICE>_GRPC=<host:port> /
//           <SERVICE>_HTTP=<url> lines and AGENT_RUNNER_MCP=<url> (the agent-runner's MCP endpoint)
//
// Needs `npm run build` and helm (scripts/setup-test-deps.sh). Environment: CAIRN_KAFKA_PORT and
// CAIRN_PG_PORT (passed to the start scripts; the run directory is ${TMPDIR:-/tmp}/cairn-topology-<kafka port>),
// CAIRN_KAFKA_BROKERS, CAIRN_POSTGRES_URL, QDRANT_URL, CAIRN_MODEL_DIR, CAIRN_TOOLS_DIR.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, parseAllDocuments, stringify } from 'yaml';

const root = resolve(import.meta.dirname, '..', '..');
const SERVICES = ['ingestion', 'embedding', 'retrieval', 'agent-runner', 'audit'];
/** Started once the others are ready: it is configured with their addresses. */
const LAST = 'agent-runner';
const RELEASE = 'cairn';
const NAMESPACE = 'cairn';
const ENTRY = join(root, 'deploy', 'docker', 'cairn.mjs');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const env = process.env;
const runDir = join(env.TMPDIR ?? '/tmp', `cairn-topology-${env.CAIRN_KAFKA_PORT ?? '19092'}`);
const stateFile = join(runDir, 'topology.json');
const toolsDir = env.CAIRN_TOOLS_DIR ?? join(homedir(), '.cache', 'cairn', 'bin');
const PATH = [join(root, 'node_modules', '.bin'), toolsDir, env.PATH].join(delimiter);

const log = (message) => process.stderr.write(`topology: ${message}\n`);
function die(message) {
  log(`error: ${message}`);
  process.exit(1);
}

/** Runs a deploy/local start script and returns the KEY=value lines it printed. */
function startScript(script) {
  const result = spawnSync('bash', [join(root, 'deploy', 'local', script), 'start'], {
    env: { ...env, PATH },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) die(`${script} start failed`);
  return Object.fromEntries(
    result.stdout
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter(Boolean)
      .map((match) => [match[1], match[2]]),
  );
}

/** Starts a detached process with its output in a log file; it outlives this script. */
function startDetached(name, args, processEnv) {
  const logFile = join(runDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    cwd: runDir,
    env: processEnv,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  child.unref();
  return { pid: child.pid, log: logFile, entry: args[0] };
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** True when `pid` still runs the entry we started (not a recycled pid). */
function ours(proc) {
  try {
    return alive(proc.pid) && readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').includes(proc.entry);
  } catch {
    return false;
  }
}

/** Waits until `probe` returns a value, the process dies, or the deadline passes. */
async function waitFor(what, proc, probe, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    const tail = () => readFileSync(proc.log, 'utf8').split('\n').slice(-30).join('\n');
    if (!alive(proc.pid)) throw new Error(`${what}: the process exited\n${tail()}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms\n${tail()}`);
    await sleep(200);
  }
}

/** The chart rendered with the local values; Qdrant's optional chart is left out (it is not used here). */
function renderChart(brokers, postgres, qdrantUrl, schemas) {
  const chart = join(runDir, 'chart');
  cpSync(join(root, 'deploy', 'helm', 'cairn'), chart, { recursive: true });
  const meta = parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8'));
  delete meta.dependencies;
  writeFileSync(join(chart, 'Chart.yaml'), stringify(meta));
  const pg = new URL(postgres);
  const result = spawnSync(
    'helm',
    [
      'template',
      RELEASE,
      chart,
      '--namespace',
      NAMESPACE,
      '--kube-version',
      '1.33.0',
      '--values',
      join(root, 'deploy', 'local', 'topology-values.yaml'),
      '--set-json',
      `kafka.brokers=${JSON.stringify(brokers.split(','))}`,
      '--set',
      `postgresql.host=${pg.hostname},postgresql.port=${pg.port || 5432}`,
      '--set',
      `postgresql.user=${decodeURIComponent(pg.username)},postgresql.database=${pg.pathname.slice(1)}`,
      '--set',
      `qdrant.url=${qdrantUrl}`,
      '--set',
      `postgresql.schemas.agent=${schemas.agent},postgresql.schemas.audit=${schemas.audit}`,
    ],
    { env: { ...env, PATH }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  if (result.error) die(`helm: ${result.error.message} (run scripts/setup-test-deps.sh)`);
  if (result.status !== 0) die(`helm template failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS())
    .filter(Boolean);
}

/**
 * The environment the chart gives one workload's container: its ConfigMap (envFrom) and its env entries,
 * those from the chart's Secret taken from `secret` (the keys this script made).
 */
function workloadEnv(manifests, service, secret) {
  const name = `${RELEASE}-${service}`;
  const deployment = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === name);
  const configMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === name);
  if (!deployment || !configMap) throw new Error(`the chart rendered no Deployment and ConfigMap ${name}`);
  const out = { ...configMap.data };
  for (const entry of deployment.spec.template.spec.containers[0].env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (!ref) out[entry.name] = entry.value;
    else if (ref.key in secret) out[entry.name] = secret[ref.key];
    else
      throw new Error(`${name}: ${entry.name} comes from Secret key ${ref.key}, which the topology has not`);
  }
  return out;
}

/** Points the chart's Service addresses (`<release>-<service>.<namespace>.svc:<port>`) at the local processes. */
function localAddresses(chartEnv, services) {
  const out = { ...chartEnv };
  for (const [name, value] of Object.entries(out)) {
    const match = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc:\d+$/.exec(value);
    if (!match || match[2] !== NAMESPACE) continue;
    const service = match[1].slice(RELEASE.length + 1);
    if (!services[service]?.grpc) throw new Error(`${name}=${value}: no local ${service} to point it at`);
    out[name] = services[service].grpc;
  }
  return out;
}

/** The chart's settings for one process, moved to this machine: loopback, free ports, local paths. */
function localEnv(chartEnv, dataDir, apiKeysFile) {
  const out = { PATH, HOME: env.HOME ?? homedir(), ...chartEnv };
  Object.assign(out, {
    CAIRN_GRPC_HOST: '127.0.0.1',
    CAIRN_HTTP_HOST: '127.0.0.1',
    CAIRN_GRPC_PORT: '0',
    CAIRN_HTTP_PORT: '0',
    CAIRN_DATA_DIR: dataDir,
  });
  if (out.CAIRN_AGENT_MCP_SERVER_ENABLED === 'true')
    Object.assign(out, { CAIRN_AGENT_MCP_SERVER_HOST: '127.0.0.1', CAIRN_AGENT_MCP_SERVER_PORT: '0' });
  if (out.CAIRN_AUTH_API_KEYS_FILE) out.CAIRN_AUTH_API_KEYS_FILE = apiKeysFile;
  if (env.CAIRN_MODEL_DIR) out.CAIRN_MODEL_DIR = env.CAIRN_MODEL_DIR;
  else delete out.CAIRN_MODEL_DIR; // the default: where scripts/fetch-model.sh installs it
  return out;
}

/** `cairn api-key` (the image's command an operator uses for the Secret): adds a key to the key file. */
function apiKey(file, args) {
  const result = spawnSync(process.execPath, [ENTRY, 'api-key', '--keys-file', file, ...args], {
    env: { PATH },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`cairn api-key ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout.trim();
}

/** The key file every service reads, and the keys: an admin of tenant default and the service key. */
function writeApiKeys() {
  const file = join(runDir, 'api-keys.json');
  const admin = apiKey(file, ['--role', 'admin', '--tenant', 'default', '--name', 'local topology']);
  const service = apiKey(file, ['--role', 'service', '--name', 'agent-runner']);
  return { key: admin, serviceKey: service, file };
}

/** Waits for a started service's banner and /readyz; records its addresses on `proc`. */
async function waitReady(service, proc) {
  const banner = await waitFor(service, proc, () => {
    const text = readFileSync(proc.log, 'utf8');
    const grpc = /gRPC\s+(\S+:\d+)/.exec(text)?.[1];
    const http = /HTTP\s+(http:\/\/\S+)/.exec(text)?.[1];
    const mcp = /^\s+MCP\s+(http:\/\/\S+)/m.exec(text)?.[1];
    return grpc && http ? { grpc, http, ...(mcp ? { mcp } : {}) } : undefined;
  });
  Object.assign(proc, banner);
  await waitFor(`${service} /readyz`, proc, async () => {
    const response = await fetch(`${banner.http}/readyz`).catch(() => undefined);
    return response?.status === 200;
  });
  log(`${service} ready: gRPC ${banner.grpc}${banner.mcp ? `, MCP ${banner.mcp}` : ''}`);
}

async function start() {
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    if (Object.values(state.services).some(ours)) die(`already running (${runDir}); stop it first`);
  }
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const state = { runDir, services: {}, started: [] };
  const save = () => writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  try {
    state.brokers =
      env.CAIRN_KAFKA_BROKERS ??
      (state.started.push('kafka.sh'), startScript('kafka.sh').CAIRN_KAFKA_BROKERS);
    save();
    state.postgres =
      env.CAIRN_POSTGRES_URL ??
      (state.started.push('postgres.sh'), startScript('postgres.sh').CAIRN_POSTGRES_URL);
    save();
    if (env.QDRANT_URL) {
      state.qdrantUrl = env.QDRANT_URL;
    } else {
      state.qdrant = startDetached('fake-qdrant', [join(root, 'deploy', 'local', 'fake-qdrant.mjs')], {
        PATH,
      });
      save();
      state.qdrantUrl = await waitFor(
        'fake Qdrant',
        state.qdrant,
        () => /QDRANT_URL=(\S+)/.exec(readFileSync(state.qdrant.log, 'utf8'))?.[1],
      );
    }
    const keys = writeApiKeys();
    state.apiKey = keys.key;
    save();
    // The chart's Secret, as far as the local values name its keys.
    const secret = {
      'service-api-key': keys.serviceKey,
      'audit-signing-key': randomBytes(32).toString('base64'), // an Ed25519 seed
    };
    // Schemas of their own, so that runs and audit records of earlier topologies stay out of this one.
    const suffix = randomBytes(4).toString('hex');
    const schemas = { agent: `topology_${suffix}_agent`, audit: `topology_${suffix}_audit` };

    const manifests = renderChart(state.brokers, state.postgres, state.qdrantUrl, schemas);
    const job = manifests.find((m) => m.kind === 'Job');
    const jobEnv = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e) => [e.name, e.value]));
    log("creating topics (cairn ensure-topics, as the chart's pre-install Job)");
    const topics = spawnSync(process.execPath, [ENTRY, 'ensure-topics'], {
      env: localEnv(jobEnv, join(runDir, 'ensure-topics'), keys.file),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    if (topics.status !== 0) throw new Error(`ensure-topics failed (exit ${topics.status})`);

    const launch = (service, chartEnv) => {
      const entry = join(root, 'services', service, 'dist', 'main.js');
      state.services[service] = startDetached(
        service,
        [entry],
        localEnv(chartEnv, join(runDir, service), keys.file),
      );
      save();
      return state.services[service];
    };
    const first = SERVICES.filter((service) => service !== LAST);
    for (const service of first) launch(service, workloadEnv(manifests, service, secret));
    await Promise.all(first.map((service) => waitReady(service, state.services[service])));
    const lastEnv = localAddresses(workloadEnv(manifests, LAST, secret), state.services);
    await waitReady(LAST, launch(LAST, lastEnv));
    save();
    printEnv(state);
  } catch (error) {
    save();
    log(`error: ${error.message}`);
    await stop();
    process.exit(1);
  }
}

async function stopProcess(name, proc) {
  if (!proc || !ours(proc)) return true;
  process.kill(proc.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(proc.pid) && Date.now() < deadline) await sleep(100);
  if (!alive(proc.pid)) return true;
  log(`${name} did not stop within ${STOP_TIMEOUT_MS} ms; killing it`);
  process.kill(proc.pid, 'SIGKILL');
  return false;
}

async function stop() {
  if (!existsSync(stateFile)) {
    log('nothing to stop');
    return true;
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  const results = await Promise.all(
    Object.entries(state.services).map(([name, proc]) => stopProcess(name, proc)),
  );
  results.push(await stopProcess('fake-qdrant', state.qdrant));
  for (const script of [...state.started].reverse()) {
    spawnSync('bash', [join(root, 'deploy', 'local', script), 'stop'], {
      env: { ...env, PATH },
      stdio: 'inherit',
    });
  }
  rmSync(stateFile);
  log(`stopped (logs in ${runDir})`);
  return results.every(Boolean);
}

function printEnv(state) {
  const lines = [`CAIRN_API_KEY=${state.apiKey}`, `TOPOLOGY_DIR=${state.runDir}`];
  for (const [name, proc] of Object.entries(state.services)) {
    const key = name.toUpperCase().replaceAll('-', '_');
    lines.push(`${key}_GRPC=${proc.grpc}`, `${key}_HTTP=${proc.http}`);
    if (proc.mcp) lines.push(`${key}_MCP=${proc.mcp}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function status() {
  if (!existsSync(stateFile)) return false;
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  const checks = await Promise.all(
    Object.values(state.services).map(async (proc) => {
      if (!ours(proc) || !proc.http) return false;
      const response = await fetch(`${proc.http}/readyz`).catch(() => undefined);
      return response?.status === 200;
    }),
  );
  return checks.length === SERVICES.length && checks.every(Boolean);
}

switch (process.argv[2]) {
  case 'start':
    await start();
    break;
  case 'stop':
    process.exit((await stop()) ? 0 : 1);
    break;
  case 'status':
    process.exit((await status()) ? 0 : 3);
    break;
  case 'env':
    if (!existsSync(stateFile)) die('not running');
    printEnv(JSON.parse(readFileSync(stateFile, 'utf8')));
    break;
  default:
    process.stderr.write('usage: node deploy/local/topology.mjs start|stop|status|env\n');
    process.exit(2);
}
