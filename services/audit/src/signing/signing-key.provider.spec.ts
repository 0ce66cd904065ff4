import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '@cairn/observability';
import { auditConfigSchema } from '../audit.config.js';
import { CheckpointSigner } from './checkpoint-signer.js';
import { loadSigningKey, parseSigningKey } from './signing-key.provider.js';

const configWith = (env: Record<string, string>) =>
  auditConfigSchema.parse({
    dataDir: mkdtempSync(join(tmpdir(), 'cairn-audit-key-')),
    audit: {
      ...(env['key'] === undefined ? {} : { signingKey: env['key'] }),
      storeBackend: env['backend'] ?? 'sqlite',
    },
  });

void describe('audit signing key', () => {
  void it('reads a PKCS#8 PEM and a base64 seed; the same seed gives the same key id', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    assert.equal(new CheckpointSigner(parseSigningKey(pem)).keyId, new CheckpointSigner(privateKey).keyId);
    const seed = randomBytes(32).toString('base64');
    assert.equal(
      new CheckpointSigner(parseSigningKey(seed)).keyId,
      new CheckpointSigner(parseSigningKey(` ${seed}\n`)).keyId,
    );
  });

  void it('refuses what is not an Ed25519 key, naming the setting', () => {
    assert.throws(() => parseSigningKey('c2hvcnQ='), /CAIRN_AUDIT_SIGNING_KEY .*32 bytes/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    assert.throws(() => new CheckpointSigner(parseSigningKey(rsa.toString())), /not ed25519/);
  });

  void it('generates a development key once into the data dir; PostgreSQL needs a configured one', () => {
    const config = configWith({});
    const first = new CheckpointSigner(loadSigningKey(config, silentLogger()));
    const file = join(config.dataDir, 'audit-signing-key.pem');
    assert.match(readFileSync(file, 'utf8'), /BEGIN PRIVATE KEY/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(new CheckpointSigner(loadSigningKey(config, silentLogger())).keyId, first.keyId, 'reused');
    assert.throws(
      () => loadSigningKey(configWith({ backend: 'postgres' }), silentLogger()),
      /CAIRN_AUDIT_SIGNING_KEY is required when CAIRN_AUDIT_STORE_BACKEND=postgres/,
    );
  });

  void it('signs checkpoints that verify, and rejects a checkpoint of another key', () => {
    const signer = new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);
    const other = new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);
    const checkpoint = signer.sign('acme', 7, new Uint8Array(32).fill(1));
    assert.equal(signer.check(checkpoint), undefined);
    assert.match(signer.check(other.sign('acme', 7, checkpoint.hash)) ?? '', /signed by key/);
    assert.match(signer.check({ ...checkpoint, sequence: 8 }) ?? '', /does not verify/);
  });
});
