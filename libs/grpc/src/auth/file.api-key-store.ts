import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Role } from '@cairn/contracts/cairn/common/v1/options';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store.port.js';
import { parseRole, roleName } from './roles.js';

const keyFileSchema = z.object({
  keys: z.array(
    z.object({
      id: z.string().regex(/^[A-Za-z0-9]{4,64}$/, 'key id must be 4-64 letters or digits'),
      hash: z.string().regex(/^[0-9a-f]{64}$/, 'hash must be the lowercase hex SHA-256 of the key'),
      tenant: z.string().min(1, 'tenant must not be empty'),
      roles: z.array(z.string()).min(1, 'give at least one role'),
      name: z.string().optional(),
    }),
  ),
});

/** JSON form of a key file: `{"keys":[{"id","hash","tenant","roles":["writer"],"name"?}]}`. */
export type ApiKeyFileJson = z.input<typeof keyFileSchema>;

/** Parses and validates a key file's text; the error names the bad entry and field. */
export function parseApiKeyFile(text: string, source = 'API key file'): ApiKeyRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const seen = new Set<string>();
  return parsed.data.keys.map((entry, index) => {
    if (seen.has(entry.id)) throw new Error(`${source}: keys.${index}.id: duplicate key id '${entry.id}'`);
    seen.add(entry.id);
    const roles = entry.roles.map((text, roleIndex) => {
      const role = parseRole(text);
      if (role === undefined)
        throw new Error(
          `${source}: keys.${index}.roles.${roleIndex}: unknown role '${text}' (reader, writer, admin)`,
        );
      return role;
    });
    return { keyId: entry.id, hash: entry.hash, tenant: entry.tenant, roles, name: entry.name ?? entry.id };
  });
}

/** The key file entry for a record (for tools that write key files). */
export function apiKeyRecordToJson(record: ApiKeyRecord): ApiKeyFileJson['keys'][number] {
  return {
    id: record.keyId,
    hash: record.hash,
    tenant: record.tenant,
    roles: record.roles.map((role: Role) => roleName(role).toLowerCase()),
    name: record.name,
  };
}

/** API key store read from a JSON key file; `reload()` re-reads it (e.g. on SIGHUP). */
export class FileApiKeyStore implements ApiKeyStore {
  private records = new Map<string, ApiKeyRecord>();

  private constructor(readonly path: string) {}

  /** Reads and validates the file; fails with the bad entry named. */
  static async open(path: string): Promise<FileApiKeyStore> {
    const store = new FileApiKeyStore(path);
    await store.reload();
    return store;
  }

  /** Re-reads the file; on error the previous keys stay in force and the error is thrown. */
  async reload(): Promise<void> {
    const text = await readFile(this.path, 'utf8');
    const records = parseApiKeyFile(text, this.path);
    this.records = new Map(records.map((record) => [record.keyId, record]));
  }

  /** Number of keys loaded. */
  get size(): number {
    return this.records.size;
  }

  async findById(keyId: string): Promise<ApiKeyRecord | undefined> {
    return this.records.get(keyId);
  }
}
