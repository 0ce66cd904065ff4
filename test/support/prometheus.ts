import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@cairn/testing';
import { stringify } from 'yaml';
import { toolPath } from './repo.js';

/** One scrape job: its name (the Prometheus `job` label) and the `host:port` of the `/metrics` it scrapes. */
export interface ScrapeTarget {
  readonly job: string;
  readonly address: string;
}

/** A sample of an instant query: its labels and value. */
export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A Prometheus server started for a test: its own config, storage dir and loopback port. */
export interface TestPrometheus {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Instant query through the HTTP API (`/api/v1/query`); fails on an error status. */
  query(promql: string): Promise<PromSample[]>;
  /** Scrape pools' active targets (`/api/v1/targets`): job → health (`up`, `down`, `unknown`) and last error. */
  targets(): Promise<{ job: string; health: string; lastError: string }[]>;
  /** Everything it logged so far. */
  output(): string;
  /** SIGTERM (SIGKILL after 10 s), then removes its storage. Resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** A loopback port nothing listens on right now (Prometheus cannot report a port it picked itself). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * Starts the `prometheus` binary (Debian's package, from scripts/setup-test-deps.sh) scraping the targets'
 * `/metrics` every `scrapeIntervalSeconds`, and waits until it answers `/-/ready`.
 */
export async function startPrometheus(
  targets: readonly ScrapeTarget[],
  scrapeIntervalSeconds = 1,
): Promise<TestPrometheus> {
  const binary = toolPath('prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'cairn-prometheus-'));
  const interval = `${scrapeIntervalSeconds}s`;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
      scrape_configs: targets.map((target) => ({
        job_name: target.job,
        metrics_path: '/metrics',
        static_configs: [{ targets: [target.address] }],
      })),
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
    return code;
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: () => `prometheus to be ready:\n${output}` },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    query: async (promql) => {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as QueryBody;
      if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error ?? response.status}`);
      return body.data.result.map((sample) => ({ metric: sample.metric, value: Number(sample.value[1]) }));
    },
    targets: async () => {
      const body = (await (await fetch(`${url}/api/v1/targets?state=active`)).json()) as TargetsBody;
      return body.data.activeTargets.map((target) => ({
        job: target.labels.job ?? '',
        health: target.health,
        lastError: target.lastError,
      }));
    },
    output: () => output,
    stop,
  };
}

interface QueryBody {
  readonly status: string;
  readonly error?: string;
  readonly data: { readonly result: { metric: Record<string, string>; value: [number, string] }[] };
}

interface TargetsBody {
  readonly data: {
    readonly activeTargets: { labels: Record<string, string>; health: string; lastError: string }[];
  };
}
