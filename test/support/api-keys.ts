import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { apiKeyRecordToJson, generateApiKey } from '@cairn/grpc';

/** Writes a hashed key file for the given tenants (admin keys) and returns the plaintext keys by tenant. */
export function writeApiKeys(
  dir: string,
  tenants: readonly string[],
): { file: string; keys: Record<string, string> } {
  mkdirSync(dir, { recursive: true });
  const keys: Record<string, string> = {};
  const records = tenants.map((tenant) => {
    const generated = generateApiKey(tenant, [Role.ADMIN], { name: `${tenant} test key` });
    keys[tenant] = generated.key;
    return apiKeyRecordToJson(generated.record);
  });
  const file = join(dir, 'api-keys.json');
  writeFileSync(file, JSON.stringify({ keys: records }));
  return { file, keys };
}
