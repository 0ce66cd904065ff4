import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './repo.js';

const SCRIPT = join(REPO_ROOT, 'deploy', 'local', 'topology.mjs');

/** The local distributed topology (deploy/local/topology.mjs): each service its own process, configured by the chart. */
export interface LocalTopology {
  /** gRPC `host:port` of a service: `ingestion`, `embedding`, `retrieval`, `agent-runner`, `audit`. */
  grpc(service: string): string;
  /** An admin API key of tenant `default`. */
  readonly apiKey: string;
  /** The agent-runner's MCP endpoint (Streamable HTTP), `http://127.0.0.1:<port>/mcp`. */
  readonly mcpUrl: string;
  /** Run directory with every process's log. */
  readonly runDir: string;
  /** `topology.mjs status`: true when every service runs and is ready. */
  ready(): boolean;
  /** Stops every process the topology started; resolves true when each stopped on SIGTERM. */
  stop(): boolean;
}

function run(command: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [SCRIPT, command], { encoding: 'utf8', timeout: 240_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the topology on the test run's Kafka and PostgreSQL (CAIRN_KAFKA_BROKERS, CAIRN_POSTGRES_URL). */
export function startLocalTopology(): LocalTopology {
  const started = run('start');
  if (started.status !== 0) throw new Error(`topology did not start:\n${started.stderr}`);
  const vars = new Map(
    started.stdout
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1]!, match[2]!]),
  );
  const get = (name: string): string => {
    const value = vars.get(name);
    if (value === undefined) throw new Error(`topology printed no ${name}`);
    return value;
  };
  return {
    grpc: (service) => get(`${service.toUpperCase().replaceAll('-', '_')}_GRPC`),
    apiKey: get('CAIRN_API_KEY'),
    mcpUrl: get('AGENT_RUNNER_MCP'),
    runDir: get('TOPOLOGY_DIR'),
    ready: () => run('status').status === 0,
    stop: () => run('stop').status === 0,
  };
}
