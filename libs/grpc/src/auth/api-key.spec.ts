import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { ApiKeyAuthenticator } from './api-key.authenticator.js';
import { apiKeyMatches, generateApiKey, hashApiKey, parseApiKey } from './api-key.js';
import { FileApiKeyStore, apiKeyRecordToJson, parseApiKeyFile } from './file.api-key-store.js';
import { InMemoryApiKeyStore } from './in-memory.api-key-store.js';
import { grantsRole, parseRole, roleName } from './roles.js';

describe('API keys', { timeout: 30_000 }, () => {
  it('generates cairn_<id>_<secret> keys whose record holds only the hash', () => {
    const { key, record } = generateApiKey('acme', [Role.WRITER], { name: 'ci' });
    assert.match(key, /^cairn_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(parseApiKey(key), {
      keyId: record.keyId,
      secret: key.slice(`cairn_${record.keyId}_`.length),
    });
    assert.equal(record.hash, hashApiKey(key));
    assert.ok(
      !JSON.stringify(record).includes(key.split('_').slice(2).join('_')),
      'the secret is not in the record',
    );
    assert.equal(apiKeyMatches(key, record.hash), true);
    assert.equal(apiKeyMatches(`${key}x`, record.hash), false);
    assert.notEqual(generateApiKey('acme', [Role.WRITER]).key, key);
  });

  it('rejects what is not a Cairn key', () => {
    for (const bad of [
      '',
      'cairn_',
      'cairn_abc_short',
      'Bearer cairn_abcd_0123456789abcdef0123',
      'cairn_ab-cd_0123456789abcdef0123',
    ]) {
      assert.equal(parseApiKey(bad), undefined, bad);
    }
  });

  it('orders roles and parses their names', () => {
    assert.equal(parseRole('writer'), Role.WRITER);
    assert.equal(parseRole('ROLE_ADMIN'), Role.ADMIN);
    assert.equal(parseRole('unspecified'), undefined);
    assert.equal(parseRole('root'), undefined);
    assert.equal(roleName(Role.READER), 'READER');
    assert.equal(grantsRole([Role.ADMIN], Role.READER), true);
    assert.equal(grantsRole([Role.READER], Role.WRITER), false);
    assert.equal(grantsRole([], Role.READER), false);
  });

  it('reads a key file and names the bad entry when it is invalid', async () => {
    const generated = generateApiKey('acme', [Role.READER, Role.WRITER], { name: 'ingest bot' });
    const dir = await mkdtemp(join(tmpdir(), 'cairn-keys-'));
    try {
      const path = join(dir, 'keys.json');
      await writeFile(path, JSON.stringify({ keys: [apiKeyRecordToJson(generated.record)] }));
      const store = await FileApiKeyStore.open(path);
      assert.equal(store.size, 1);
      assert.deepEqual(await store.findById(generated.record.keyId), generated.record);
      assert.equal(await store.findById('nope'), undefined);

      await writeFile(
        path,
        JSON.stringify({ keys: [{ id: 'k1x2', hash: 'abc', tenant: 'acme', roles: ['reader'] }] }),
      );
      await assert.rejects(store.reload(), /keys\.0\.hash: hash must be the lowercase hex SHA-256/);
      assert.equal(store.size, 1, 'the previous keys stay in force');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.throws(() => parseApiKeyFile('{', 'keys.json'), /keys\.json: not valid JSON/);
    assert.throws(
      () =>
        parseApiKeyFile(
          JSON.stringify({ keys: [{ id: 'k1x2', hash: 'a'.repeat(64), tenant: 't', roles: ['root'] }] }),
        ),
      /keys\.0\.roles\.0: unknown role 'root'/,
    );
  });

  it('authenticates from metadata and checks the key in constant time against the stored hash', async () => {
    const generated = generateApiKey('acme', [Role.READER]);
    const store = new InMemoryApiKeyStore([generated.record]);
    const authenticator = new ApiKeyAuthenticator(store);
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${generated.key}`);
    assert.deepEqual(await authenticator.authenticate(metadata), {
      keyId: generated.record.keyId,
      tenant: 'acme',
      roles: [Role.READER],
      name: generated.record.keyId,
    });
    store.remove(generated.record.keyId);
    await assert.rejects(
      authenticator.authenticate(metadata),
      (e: unknown) => e instanceof GrpcError && e.code === Status.UNAUTHENTICATED,
    );
  });

  it('answers UNAVAILABLE when the key store fails', async () => {
    const authenticator = new ApiKeyAuthenticator({ findById: () => Promise.reject(new Error('disk gone')) });
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${generateApiKey('acme', [Role.READER]).key}`);
    await assert.rejects(
      authenticator.authenticate(metadata),
      (e: unknown) => e instanceof GrpcError && e.code === Status.UNAVAILABLE,
    );
  });
});
