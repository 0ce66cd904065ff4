import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultModelDir } from '@cairn/embeddings';
import { REPO_ROOT } from '../support/repo.js';
import { log, machineInfo, markdownReport, round, writeResult, type BenchResult } from './bench-report.js';
import type { BenchContext, Benchmark } from './benchmark.js';
import { embeddingBench } from './embedding.bench.js';
import { eventsBench } from './events.bench.js';
import { freshnessBench } from './freshness.bench.js';
import { ingestionBench } from './ingestion.bench.js';
import { memoryBench } from './memory.bench.js';
import { agentRunnerBench } from './agent-runner.bench.js';
import { retrievalBench } from './retrieval.bench.js';

/**
 * `npm run bench`: runs the benchmarks, writes `<out>/<name>.json` for each and `<out>/README.md`,
 * and prints the table.
 *   npm run bench -- [--only ingestion,embedding,...] [--smoke] [--out docs/bench] [--corpus corpus.jsonl]
 *                    [--size <name>=<n>]... (names: see SIZES)
 *   npm run bench -- --report     rewrites <out>/README.md from the JSON files already there
 */
const BENCHMARKS: readonly Benchmark[] = [
  ingestionBench,
  embeddingBench,
  retrievalBench,
  freshnessBench,
  eventsBench,
  memoryBench,
  agentRunnerBench,
];

/** Benchmarks the issue lists that cannot be measured yet, and why. */
const NOT_YET: string[] = [];

/** `--size` names and defaults, for the usage note in the report. */
export const SIZES = [
  'ingestion-chunk-docs=2000',
  'ingestion-api-docs=300',
  'ingestion-doc-bytes=4000',
  'embedding-chunks=512',
  'embedding-batches=1,16,32,64',
  'retrieval-sizes=10000,100000,1000000',
  'retrieval-queries=200',
  'retrieval-grpc-queries=100',
  'freshness-rate=50',
  'freshness-seconds=30',
  'freshness-doc-bytes=700',
  'events-messages=5000',
  'events-rounds=3',
  'memory-mb=1024',
  'memory-local-model=0',
  'agent-runs=30',
  'agent-tool-steps=5',
];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'docs', 'bench') },
    size: { type: 'string', multiple: true, default: [] },
    corpus: { type: 'string' },
    report: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  if (values.report) {
    const report = markdownReport(savedResults(resolve(values.out), []), NOT_YET, SIZES);
    writeFileSync(join(resolve(values.out), 'README.md'), `${report}\n`);
    process.stdout.write(`${report}\n`);
    return;
  }
  const names = values.only?.split(',').map((name) => name.trim()) ?? BENCHMARKS.map((b) => b.name);
  for (const name of names) {
    if (!BENCHMARKS.some((b) => b.name === name)) {
      throw new Error(`unknown benchmark ${name}: use ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    }
  }
  const sizes = new Map<string, string>();
  for (const entry of values.size) {
    const [key, value] = entry.split('=');
    if (!key || !value) throw new Error(`--size takes <name>=<value>, got ${entry}`);
    sizes.set(key, value);
  }
  const broker = new LazyBroker();
  const interrupted = (): void => {
    broker.stop();
    process.exit(130);
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  const ctx: BenchContext = {
    smoke: values.smoke,
    modelDir: defaultModelDir(),
    corpusJsonl: values.corpus ? resolve(values.corpus) : undefined,
    size: (name, fallback) => {
      const value = sizes.get(name);
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--size ${name} must be a positive number`);
      return n;
    },
    sizes: (name, fallback) => {
      const value = sizes.get(name);
      return value === undefined ? [...fallback] : value.split(',').map(Number);
    },
    kafkaBrokers: () => broker.address(),
    checkpoint: (name, partial) => {
      const bench = BENCHMARKS.find((b) => b.name === name)!;
      writeResult(resolve(values.out), {
        name,
        title: `${bench.title} (partial)`,
        machine: machineInfo(),
        ...partial,
        durationS: 0,
      });
    },
  };
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const results: BenchResult[] = [];
  const failed: string[] = [];
  try {
    for (const bench of BENCHMARKS.filter((b) => names.includes(b.name))) {
      log(`▶ ${bench.name}`);
      const started = Date.now();
      try {
        const measured = await bench.run(ctx);
        const result: BenchResult = {
          name: bench.name,
          title: bench.title,
          machine: machineInfo(),
          ...measured,
          durationS: round((Date.now() - started) / 1000, 1),
        };
        writeResult(out, result);
        results.push(result);
        log(`✔ ${bench.name} in ${result.durationS} s`);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`✘ ${bench.name} failed: ${message}`);
        failed.push(`${bench.name}: failed in this run (${message.split('\n')[0]})`);
      }
    }
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    broker.stop();
  }
  // The table covers every benchmark with a result in `out`: this run's, and earlier runs' of the others.
  const report = markdownReport(savedResults(out, results), [...failed, ...NOT_YET], SIZES);
  writeFileSync(join(out, 'README.md'), `${report}\n`);
  process.stdout.write(`${report}\n`);
  log(`wrote ${out}`);
  // A benchmark that failed half-way may leave a client handle open: the run ends here regardless.
  process.exit(failed.length > 0 ? 1 : 0);
}

/** This run's results, and earlier runs' of the other benchmarks found in `out`, in benchmark order. */
function savedResults(out: string, fresh: readonly BenchResult[]): BenchResult[] {
  return BENCHMARKS.flatMap((bench) => {
    const result = fresh.find((r) => r.name === bench.name);
    if (result) return [result];
    const file = join(out, `${bench.name}.json`);
    return existsSync(file) ? [JSON.parse(readFileSync(file, 'utf8')) as BenchResult] : [];
  });
}

/** The run's Kafka broker: CAIRN_KAFKA_BROKERS when set, else deploy/local/kafka.sh started on first use. */
class LazyBroker {
  private brokers: string | undefined;
  private started = false;

  async address(): Promise<string> {
    if (this.brokers) return this.brokers;
    // eslint-disable-next-line no-restricted-properties -- the runner reads the broker the caller started.
    const given = process.env['CAIRN_KAFKA_BROKERS'];
    if (given) return (this.brokers = given);
    log('starting Kafka (deploy/local/kafka.sh)');
    const result = spawnSync('bash', [join(REPO_ROOT, 'deploy/local/kafka.sh'), 'start'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const match = /^CAIRN_KAFKA_BROKERS=(.+)$/m.exec(result.stdout ?? '');
    if (result.status !== 0 || !match?.[1]) throw new Error(`Kafka did not start (exit ${result.status})`);
    this.started = true;
    return (this.brokers = match[1].trim());
  }

  stop(): void {
    if (!this.started) return;
    log('stopping Kafka');
    spawnSync('bash', [join(REPO_ROOT, 'deploy/local/kafka.sh'), 'stop'], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    this.started = false;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
