import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { apiKeyRecordToJson, generateApiKey, type ApiKeyRecord } from '@cairn/grpc';

/** One key of a test key file. */
export interface TestKeySpec {
  /** Label the plaintext key is returned under. */
  readonly name: string;
  readonly tenant: string;
  readonly roles: readonly Role[];
}

/** Writes a hashed key file (`<dir>/api-keys.json`) and returns the plaintext keys by spec name. */
export function writeApiKeyFile(
  dir: string,
  specs: readonly TestKeySpec[],
  others: readonly ApiKeyRecord[] = [],
): { file: string; keys: Record<string, string> } {
  mkdirSync(dir, { recursive: true });
  const keys: Record<string, string> = {};
  const records = specs.map((spec) => {
    const generated = generateApiKey(spec.tenant, spec.roles, { name: `${spec.name} test key` });
    keys[spec.name] = generated.key;
    return apiKeyRecordToJson(generated.record);
  });
  const file = join(dir, 'api-keys.json');
  writeFileSync(file, JSON.stringify({ keys: [...records, ...others.map(apiKeyRecordToJson)] }));
  return { file, keys };
}

/**
 * Writes a hashed key file for the given tenants (admin keys), plus any other records (a service key,
 * for instance), and returns the plaintext keys by tenant.
 */
export function writeApiKeys(
  dir: string,
  tenants: readonly string[],
  others: readonly ApiKeyRecord[] = [],
): { file: string; keys: Record<string, string> } {
  return writeApiKeyFile(
    dir,
    tenants.map((tenant) => ({ name: tenant, tenant, roles: [Role.ADMIN] })),
    others,
  );
}
