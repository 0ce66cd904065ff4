import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/repo.js';

/**
 * A broker or database a fault scenario owns: started on its own port and run directory (never the
 * test run's shared ones), stopped and started again on the same data to make an outage, disposed
 * (data removed) in the scenario's `after` hook.
 */
export interface OwnedDependency {
  /** `host:port` list (Kafka) or a connection URL (PostgreSQL). */
  readonly address: string;
  /** Stops it, keeping its data (an outage). */
  stop(): Promise<void>;
  /** Starts it again on the kept data. */
  start(): Promise<void>;
  /** Stops it and removes its data; safe to call twice. */
  dispose(): Promise<void>;
}

type Script = 'kafka.sh' | 'postgres.sh';

/** Runs a start script without blocking this process (the fake Qdrant and the load live here). */
function run(script: Script, command: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(REPO_ROOT, 'deploy', 'local', script), command], {
      // eslint-disable-next-line no-restricted-properties -- the start scripts read PATH, HOME and JAVA_HOME.
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${script} ${command} failed (${code ?? signal}):\n${stderr}`));
    });
  });
}

function printed(stdout: string, name: string): string {
  const value = new RegExp(`^${name}=(\\S+)$`, 'm').exec(stdout)?.[1];
  if (!value) throw new Error(`no ${name} in:\n${stdout}`);
  return value;
}

async function owned(
  script: Script,
  env: Record<string, string>,
  addressVar: string,
): Promise<OwnedDependency> {
  const keep = { ...env, [script === 'kafka.sh' ? 'CAIRN_KAFKA_KEEP_DATA' : 'CAIRN_PG_KEEP_DATA']: '1' };
  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    await run(script, 'stop', env);
  };
  let address: string;
  try {
    address = printed(await run(script, 'start', keep), addressVar);
  } catch (error) {
    await dispose().catch(() => undefined);
    throw error;
  }
  return {
    address,
    stop: async () => void (await run(script, 'stop', keep)),
    start: async () => void (await run(script, 'start', keep)),
    dispose,
  };
}

/**
 * A single-node Kafka broker of deploy/local/kafka.sh on `port` (controller on `port + 1`).
 * Fault tests use ports 19140–19149, apart from the test run's broker.
 */
export function startOwnedKafka(port: number): Promise<OwnedDependency> {
  const runDir = mkdtempSync(join(tmpdir(), `cairn-faults-kafka-${port}-`));
  return owned('kafka.sh', { CAIRN_KAFKA_PORT: String(port), CAIRN_RUN_DIR: runDir }, 'CAIRN_KAFKA_BROKERS');
}

/** A throwaway PostgreSQL cluster of deploy/local/postgres.sh on `port` (fault tests: 15540–15549). */
export function startOwnedPostgres(port: number): Promise<OwnedDependency> {
  const runDir = mkdtempSync(join(tmpdir(), `cairn-faults-pg-${port}-`));
  return owned(
    'postgres.sh',
    { CAIRN_PG_PORT: String(port), CAIRN_PG_RUN_DIR: runDir },
    'CAIRN_POSTGRES_URL',
  );
}
