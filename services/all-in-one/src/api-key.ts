import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { apiKeyRecordToJson, generateApiKey, parseApiKeyFile, parseRole } from '@cairn/grpc';

// `cairn api-key`: makes a new API key, adds its hash to a key file (the `api-keys.json` every service
// reads) and prints the key, once, on stdout. The key itself is never written anywhere.

const USAGE = `usage: cairn api-key --keys-file <api-keys.json> --role <reader|writer|admin|service> [--role …]
                     [--tenant <tenant>] [--name <name>] [--id <key id>]
  Adds the new key's hash to the key file (created when missing) and prints the key on stdout.
  A service key (--role service) acts for the tenant each call names; its tenant defaults to _service.`;

/** Tenant recorded on a service key when none is given (it acts for the tenant its calls name). */
const SERVICE_TENANT = '_service';

class UsageError extends Error {}

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'keys-file': { type: 'string' },
      role: { type: 'string', multiple: true },
      tenant: { type: 'string' },
      name: { type: 'string' },
      id: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const file = values['keys-file'];
  if (!file) throw new UsageError('--keys-file is required');
  const roles = (values.role ?? []).map((text) => {
    const role = parseRole(text);
    if (role === undefined) throw new UsageError(`unknown role '${text}' (reader, writer, admin, service)`);
    return role;
  });
  if (roles.length === 0) throw new UsageError('give at least one --role');
  const tenant = values.tenant ?? (roles.includes(Role.SERVICE) ? SERVICE_TENANT : undefined);
  if (!tenant) throw new UsageError('--tenant is required for a key without role service');

  const existing = existsSync(file) ? parseApiKeyFile(await readFile(file, 'utf8'), file) : [];
  const { key, record } = generateApiKey(tenant, roles, {
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.id !== undefined ? { keyId: values.id } : {}),
  });
  if (existing.some((other) => other.keyId === record.keyId))
    throw new UsageError(`${file} already has a key with id '${record.keyId}'`);
  const keys = [...existing, record].map(apiKeyRecordToJson);
  await writeFile(file, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
  process.stderr.write(
    `added key ${record.keyId} (tenant ${tenant}, roles ${keys.at(-1)!.roles.join(', ')}) to ${file}\n`,
  );
  process.stdout.write(`${key}\n`);
}

try {
  // As `cairn api-key …` (the image's entry point) or `node dist/api-key.js …`.
  await main(process.argv.slice(process.argv[2] === 'api-key' ? 3 : 2));
} catch (error) {
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`cairn api-key: ${(error as Error).message}\n${usage ? `${USAGE}\n` : ''}`);
  process.exitCode = usage ? 64 : 1;
}
