import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { modelTestGate } from '@cairn/embeddings';
import { REPO_ROOT, skipKafka } from '../support/repo.js';
import type { BenchResult } from './bench-report.js';

const gate = modelTestGate();

/** Figures each benchmark must report (by name prefix), whatever the sizes. */
const EXPECTED: Record<string, readonly string[]> = {
  ingestion: ['parse + chunk (Cairn', 'chunk only', 'ingest ack', 'ingest → indexed'],
  retrieval: [
    'search p50 @',
    'search p99 @',
    'search QPS @',
    'recall@10 @',
    'gRPC Search p50 @',
    'gRPC Search p99 @',
  ],
  memory: ['RSS at start', 'RSS max, second half', 'corpus ingested'],
  embedding: ['service chunks/s, batch 1'],
  freshness: ['ack → searchable p50', 'ack → searchable p99'],
  events: ['KafkaEventBus publish → consume', 'embedded log publish → consume'],
  'agent-runner': ['per-step overhead p50', 'per-step overhead p99'],
};

/** `npm run bench` in its tiny `--smoke` configuration: every figure is written, with sane values. */
void describe('npm run bench --smoke', { skip: gate.skip }, () => {
  const kafka = !skipKafka();
  const names = kafka ? Object.keys(EXPECTED) : ['ingestion', 'retrieval', 'memory', 'agent-runner'];
  const out = mkdtempSync(join(tmpdir(), 'cairn-bench-smoke-'));
  let exit: { code: number | null; output: string };

  before(
    async () => {
      if (gate.missingError) throw gate.missingError;
      const child = spawn(
        process.execPath,
        [join(REPO_ROOT, 'test/dist/bench/run-bench.js'), '--smoke', '--only', names.join(','), '--out', out],
        // eslint-disable-next-line no-restricted-properties -- the bench inherits the broker and model the test run set.
        { cwd: REPO_ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      exit = { code, output };
    },
    { timeout: 900_000 },
  );
  after(() => rmSync(out, { recursive: true, force: true }));

  void it('runs every selected benchmark to the end', () => {
    assert.equal(exit.code, 0, exit.output.slice(-4000));
  });

  for (const name of names) {
    void it(`writes ${name}.json with every figure and sane values`, () => {
      const file = join(out, `${name}.json`);
      assert.ok(existsSync(file), `${file} exists`);
      const result = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
      assert.equal(result.name, name);
      assert.ok(result.machine.cores > 0 && result.machine.ramGb > 0 && result.machine.node.startsWith('v'));
      assert.ok(result.machine.cpu.length > 0);
      assert.ok(result.notes.length > 0, 'explains how it measured');
      for (const prefix of EXPECTED[name]!) {
        assert.ok(
          result.figures.some((figure) => figure.name.startsWith(prefix)),
          `${name} reports "${prefix}…" (has ${result.figures.map((f) => f.name).join('; ')})`,
        );
      }
      for (const figure of result.figures) {
        assert.ok(Number.isFinite(figure.value) && figure.value >= 0, `${figure.name} = ${figure.value}`);
        if (figure.name.startsWith('recall@10'))
          assert.ok(figure.value > 0 && figure.value <= 1, figure.name);
        if (figure.reference) {
          assert.ok(
            Number.isFinite(figure.reference.value) && figure.reference.value > 0,
            `${figure.name} reference`,
          );
          assert.ok(Number.isFinite(figure.ratio) && figure.ratio! > 0, `${figure.name} ratio`);
        }
      }
    });
  }

  void it('writes the Markdown table with the machine described', () => {
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    assert.match(readme, /Machine: .+, \d+ cores, [\d.]+ GB RAM, Node v\d+/);
    assert.match(readme, /\| benchmark \| figure \| value \| reference \| ratio \| target \|/);
    for (const name of names) assert.match(readme, new RegExp(`^\\| ${name} \\| `, 'm'));
  });
});
