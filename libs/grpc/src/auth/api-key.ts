import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '@cairn/contracts/cairn/common/v1/options';
import type { ApiKeyRecord } from './api-key-store.port.js';

const KEY_PATTERN = /^cairn_([A-Za-z0-9]{4,64})_([A-Za-z0-9_-]{16,256})$/;

/** The two parts of an API key `cairn_<keyId>_<secret>`. */
export interface ParsedApiKey {
  readonly keyId: string;
  readonly secret: string;
}

/** Splits a key into id and secret; undefined when it does not look like a Cairn key. */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match?.[1] || !match[2]) return undefined;
  return { keyId: match[1], secret: match[2] };
}

/**
 * SHA-256 (hex) of the whole key. Keys carry 256 random bits, so a fast unsalted hash is enough:
 * a stolen key file does not let anyone recover a key.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented key with a stored hash. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const presented = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** A new key and the record to store for it (the key itself is shown once and never stored). */
export interface GeneratedApiKey {
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/** Generates a key `cairn_<12 hex>_<43 base64url>` for a tenant and its record. */
export function generateApiKey(
  tenant: string,
  roles: readonly Role[],
  options: { name?: string; keyId?: string } = {},
): GeneratedApiKey {
  if (!tenant) throw new Error('generateApiKey: tenant must not be empty');
  if (roles.length === 0) throw new Error('generateApiKey: give at least one role');
  const keyId = options.keyId ?? randomBytes(6).toString('hex');
  if (!/^[A-Za-z0-9]{4,64}$/.test(keyId))
    throw new Error(`generateApiKey: key id '${keyId}' must be 4-64 letters or digits`);
  const key = `cairn_${keyId}_${randomBytes(32).toString('base64url')}`;
  return {
    key,
    record: { keyId, hash: hashApiKey(key), tenant, roles: [...roles], name: options.name ?? keyId },
  };
}
