import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './repo.js';

/** A Cairn process started from its compiled main.ts, on free ports and a private data dir. */
export interface StartedService {
  readonly child: ChildProcess;
  readonly grpcAddress: string;
  readonly httpBase: string;
  /** The agent-runner's MCP endpoint, when the process serves one. */
  readonly mcpUrl: string | undefined;
  readonly dataDir: string;
  /** Everything it printed so far (stdout + stderr). */
  output(): string;
  /** SIGTERM, then resolves with its exit code. */
  stop(): Promise<number | null>;
}

export interface StartServiceOptions {
  /** `services/<name>/dist/main.js`. */
  readonly service: string;
  readonly env?: Record<string, string>;
  readonly dataDir?: string;
  readonly timeoutMs?: number;
  /** Consumer group prefix; services of one topology must share it (default: unique per process start). */
  readonly groupPrefix?: string;
}

/** How long a service gets to print its banner; generous because CI machines are shared and slow. */
const DEFAULT_START_TIMEOUT_MS = 120_000;

/** Starts a service process and waits for the banner that says where it listens. */
export async function startService(options: StartServiceOptions): Promise<StartedService> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `cairn-${options.service}-`));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services', options.service, 'dist', 'main.js')], {
    cwd: dataDir,
    env: {
      ...inheritedEnv(),
      CAIRN_DATA_DIR: join(dataDir, '.cairn'),
      CAIRN_GRPC_PORT: '0',
      CAIRN_HTTP_PORT: '0',
      CAIRN_LOG_LEVEL: 'warn',
      // The agent-runner's MCP server on a free port too (other services do not know the key).
      ...(['agent-runner', 'all-in-one'].includes(options.service)
        ? { CAIRN_AGENT_MCP_SERVER_PORT: '0' }
        : {}),
      // Test topologies run side by side on one broker: each gets its own consumer groups.
      CAIRN_EVENTS_GROUP_PREFIX: `${options.groupPrefix ?? `t${process.pid}-${Date.now().toString(36)}`}-`,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const banner = await new Promise<{ grpc: string; http: string }>((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const timer = setTimeout(() => {
      // A process that never became ready must not outlive the test (it would hold the runner open).
      child.kill('SIGKILL');
      reject(new Error(`${options.service} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = (): void => {
      const grpc = /gRPC\s+(\S+:\d+)/.exec(output);
      const http = /HTTP\s+(http:\/\/\S+)/.exec(output);
      if (grpc?.[1] && http?.[1]) {
        clearTimeout(timer);
        resolve({ grpc: grpc[1], http: http[1] });
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${options.service} exited with ${code} before it was ready:\n${output}`));
    });
  });
  return {
    child,
    grpcAddress: banner.grpc,
    httpBase: banner.http,
    mcpUrl: /MCP\s+(http:\/\/\S+)/.exec(output)?.[1],
    dataDir,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs a service that is expected to refuse to start; resolves with its exit code and output. */
export async function runToExit(
  service: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `cairn-${service}-`));
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services', service, 'dist', 'main.js')], {
    cwd: dataDir,
    env: { ...inheritedEnv(), CAIRN_DATA_DIR: join(dataDir, '.cairn'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

/** What a service process inherits from the test run: PATH, HOME and where the local model is. */
function inheritedEnv(): Record<string, string> {
  const inherited: Record<string, string> = {};
  // eslint-disable-next-line no-restricted-properties -- tests hand their environment to child processes.
  const env = process.env;
  for (const name of [
    'PATH',
    'HOME',
    'CAIRN_MODEL_DIR',
    ...Object.keys(env).filter((key) => key.startsWith('OTEL_')),
  ]) {
    const value = env[name];
    if (value !== undefined) inherited[name] = value;
  }
  return inherited;
}
