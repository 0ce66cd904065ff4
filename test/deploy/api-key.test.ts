import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { apiKeyMatches, parseApiKey, parseApiKeyFile } from '@cairn/grpc';
import { REPO_ROOT } from '../support/repo.js';
import { CHART_DIR } from './chart-fixture.js';

const ENTRY = join(REPO_ROOT, 'deploy', 'docker', 'cairn.mjs');

function cairn(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [ENTRY, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `cairn api-key`, the image's command that makes the keys an operator puts in the Secret. */
void describe('cairn api-key', () => {
  void it("adds a new key's hash to the key file and prints the key once; a service key gets role service", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cairn-api-key-')), 'api-keys.json');
    const service = cairn(['api-key', '--keys-file', file, '--role', 'service', '--name', 'agent-runner']);
    assert.equal(service.status, 0, service.stderr);
    const admin = cairn(['api-key', '--keys-file', file, '--role', 'admin', '--tenant', 'acme']);
    assert.equal(admin.status, 0, admin.stderr);
    const [serviceKey, adminKey] = [service.stdout.trim(), admin.stdout.trim()];
    assert.ok(parseApiKey(serviceKey) && parseApiKey(adminKey), 'keys of the form cairn_<id>_<secret>');

    const text = readFileSync(file, 'utf8');
    const records = parseApiKeyFile(text, file);
    assert.deepEqual(
      records.map((r) => [r.keyId, r.tenant, r.roles, r.name]),
      [
        [parseApiKey(serviceKey)!.keyId, '_service', [Role.SERVICE], 'agent-runner'],
        [parseApiKey(adminKey)!.keyId, 'acme', [Role.ADMIN], parseApiKey(adminKey)!.keyId],
      ],
    );
    assert.ok(apiKeyMatches(serviceKey, records[0]!.hash) && apiKeyMatches(adminKey, records[1]!.hash));
    assert.ok(!text.includes(parseApiKey(serviceKey)!.secret), 'the key file holds no key, only hashes');
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  void it('refuses what would make a key no service accepts, naming the problem, and leaves the file alone', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cairn-api-key-')), 'api-keys.json');
    assert.equal(
      cairn(['api-key', '--keys-file', file, '--role', 'writer', '--tenant', 'acme', '--id', 'k1a2']).status,
      0,
    );
    const before = readFileSync(file, 'utf8');
    for (const [args, status, message] of [
      [['--keys-file', file, '--role', 'owner', '--tenant', 'acme'], 64, /unknown role 'owner'/],
      [['--keys-file', file, '--role', 'reader'], 64, /--tenant is required/],
      [['--role', 'service'], 64, /--keys-file is required/],
      [
        ['--keys-file', file, '--role', 'admin', '--tenant', 'acme', '--id', 'k1a2'],
        64,
        /already has a key with id 'k1a2'/,
      ],
      [
        ['--keys-file', file, '--role', 'admin', '--tenant', 'acme', '--id', 'no!'],
        1,
        /must be 4-64 letters or digits/,
      ],
      [['--keys-file', file, '--roles', 'admin'], 64, /Unknown option '--roles'/],
    ] as const) {
      const result = cairn(['api-key', ...args]);
      assert.equal(result.status, status, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, '', 'no key printed');
    }
    assert.equal(readFileSync(file, 'utf8'), before);
    writeFileSync(file, '{"keys":[{"id":"abcd","tenant":"acme","roles":["admin"]}]}');
    const broken = cairn(['api-key', '--keys-file', file, '--role', 'service']);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /keys\.0\.hash/);
  });

  void it("the chart README's Node one-liner makes a service key and an entry the services accept", () => {
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const script = /^node -e '(.+)'$/m.exec(readme)?.[1];
    assert.ok(script, 'no one-liner in the README');
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const key = result.stdout.trim();
    const [record] = parseApiKeyFile(JSON.stringify({ keys: [JSON.parse(result.stderr) as unknown] }));
    assert.equal(record?.keyId, parseApiKey(key)?.keyId);
    assert.deepEqual(record?.roles, [Role.SERVICE]);
    assert.ok(apiKeyMatches(key, record.hash));
  });
});
