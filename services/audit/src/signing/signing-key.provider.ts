import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FactoryProvider } from '@nestjs/common';
import type { Logger } from '@cairn/observability';
import { LOGGER, PLATFORM_CONFIG } from '@cairn/platform';
import type { AuditConfig } from '../audit.config.js';
import { CheckpointSigner } from './checkpoint-signer.js';

// DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows it.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Reads `CAIRN_AUDIT_SIGNING_KEY`: a PKCS#8 PEM, or a 32-byte seed in base64. */
export function parseSigningKey(value: string): KeyObject {
  const text = value.trim();
  try {
    if (text.startsWith('-----BEGIN')) return createPrivateKey(text);
    const seed = Buffer.from(text, 'base64');
    if (seed.length !== 32 || seed.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, ''))
      throw new Error(`a base64 seed must decode to 32 bytes, got ${seed.length}`);
    return createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
  } catch (error) {
    throw new Error(
      `CAIRN_AUDIT_SIGNING_KEY is neither an Ed25519 PKCS#8 PEM nor a base64 seed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * The key from config; without one, on the embedded (SQLite) store only, a key generated once into
 * `<dataDir>/audit-signing-key.pem` (like the development API key). Distributed deployments share
 * one configured key so that every replica's checkpoints verify.
 */
export function loadSigningKey(config: AuditConfig, logger: Logger): KeyObject {
  const { signingKey, storeBackend } = config.audit;
  if (signingKey !== undefined && signingKey.trim() !== '') return parseSigningKey(signingKey);
  if (storeBackend === 'postgres')
    throw new Error(
      'CAIRN_AUDIT_SIGNING_KEY is required when CAIRN_AUDIT_STORE_BACKEND=postgres (an Ed25519 PKCS#8 PEM or base64 seed)',
    );
  const file = join(resolve(config.dataDir), 'audit-signing-key.pem');
  if (existsSync(file)) return createPrivateKey(readFileSync(file, 'utf8'));
  const { privateKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  logger.warn(
    { file },
    'created an audit checkpoint signing key (development); set CAIRN_AUDIT_SIGNING_KEY in production',
  );
  return privateKey;
}

/** The checkpoint signer of the service, from the configured (or development) key. */
export const checkpointSignerProvider: FactoryProvider<CheckpointSigner> = {
  provide: CheckpointSigner,
  inject: [PLATFORM_CONFIG, LOGGER],
  useFactory: (config: AuditConfig, logger: Logger) => new CheckpointSigner(loadSigningKey(config, logger)),
};
