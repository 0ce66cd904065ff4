import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../support/repo.js';

/** The shell lines of the first `sh` block after `<!-- quick-start:<name> -->` in the README. */
function readmeBlock(name: string): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const marker = readme.indexOf(`<!-- quick-start:${name} -->`);
  assert.ok(marker >= 0, `README.md has a quick-start:${name} block`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(marker));
  assert.ok(block?.[1], `a sh code block follows quick-start:${name}`);
  return block[1]
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** What the test hands the commands: the toolchain's PATH and where the model is, nothing else of its own. */
function baseEnv(): Record<string, string> {
  // eslint-disable-next-line no-restricted-properties -- tests hand their environment to child processes.
  const env = process.env;
  const out: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'CAIRN_MODEL_DIR', 'CAIRN_CACHE_DIR'])
    if (env[name] !== undefined) out[name] = env[name];
  return out;
}

interface Ran {
  readonly code: number | null;
  readonly output: string;
}

function sh(line: string, env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', line], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/**
 * The README's quick start, exactly as written: the server command in the background, then each
 * client line in order, from the repository root. Only ports and the data directory are moved
 * aside (environment variables), so the test runs next to others and leaves the checkout clean.
 */
void describe('README quick start', { timeout: 900_000 }, () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'cairn-quick-start-')), '.cairn');
  let server: ChildProcess;
  let output = '';
  let endpoint = '';

  before(async () => {
    const [command, ...rest] = readmeBlock('server');
    assert.deepEqual(rest, [], 'the server block is one command');
    server = spawn('bash', ['-c', command ?? ''], {
      cwd: REPO_ROOT,
      env: {
        ...baseEnv(),
        CAIRN_DATA_DIR: dataDir,
        CAIRN_GRPC_PORT: '0',
        CAIRN_HTTP_PORT: '0',
        CAIRN_AGENT_MCP_SERVER_PORT: '0',
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm run up did not start:\n${output}`)), 600_000);
      const check = () => {
        const grpc = /gRPC\s+(\S+:\d+)/.exec(output)?.[1];
        if (grpc) {
          clearTimeout(timer);
          resolve(grpc);
        }
      };
      server.stdout?.on('data', check);
      server.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm run up exited with ${code}:\n${output}`));
      });
    });
  });

  after(async () => {
    if (server?.pid && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
  });

  void it('ingests the docs, answers with citations of them, and verifies the audit trail', async () => {
    assert.match(output, /API key cairn_\S+ {3}\(created; also in /, 'the created key is printed');
    const key = readFileSync(join(dataDir, 'api-key'), 'utf8').trim();
    const env = { ...baseEnv(), CAIRN_ENDPOINT: endpoint, CAIRN_API_KEY: key };
    const results: Ran[] = [];
    for (const line of readmeBlock('client')) {
      const ran = await sh(line, env);
      assert.equal(ran.code, 0, `\`${line}\` exited ${ran.code}:\n${ran.output}`);
      results.push(ran);
    }
    const [ingested, asked, verified] = results;
    assert.match(ingested?.output ?? '', /documents? into collection default:/);
    assert.match(ingested?.output ?? '', /\nindexed: [1-9]\d*\n/);
    assert.match(
      asked?.output ?? '',
      /\nCitations:\n {2}\[\d+\] .*docs\//,
      'the answer cites the ingested docs',
    );
    assert.match(verified?.output ?? '', /verified/i);
  });
});
