import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { apiKeyRecordToJson, generateApiKey, type ApiKeyRecord } from '@cairn/grpc';

/**
 * Writes a hashed key file for the given tenants (admin keys), plus any other records (a service key,
 * for instance), and returns the plaintext keys by tenant.
 */
export function writeApiKeys(
  dir: string,
  tenants: readonly string[],
  others: readonly ApiKeyRecord[] = [],
): { file: string; keys: Record<string, string> } {
  mkdirSync(dir, { recursive: true });
  const keys: Record<string, string> = {};
  const records = tenants.map((tenant) => {
    const generated = generateApiKey(tenant, [Role.ADMIN], { name: `${tenant} test key` });
    keys[tenant] = generated.key;
    return apiKeyRecordToJson(generated.record);
  });
  const file = join(dir, 'api-keys.json');
  writeFileSync(file, JSON.stringify({ keys: [...records, ...others.map(apiKeyRecordToJson)] }));
  return { file, keys };
}
