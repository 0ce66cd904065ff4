import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { PlatformConfig } from '@cairn/config';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import {
  apiKeyRecordToJson,
  FileApiKeyStore,
  generateApiKey,
  InMemoryApiKeyStore,
  type ApiKeyRecord,
  type ApiKeyStore,
} from '@cairn/grpc';
import type { Logger } from '@cairn/observability';

/** Tenant of the development key created when no key is configured. */
export const DEV_TENANT = 'default';

/** Tenant recorded on the process-internal service key (a service key acts for the tenant its calls name). */
const SERVICE_KEY_TENANT = '_service';

export interface ApiKeysSetup {
  /** The key file's records, plus the process-internal service key when one was generated. */
  readonly store: ApiKeyStore;
  /** The key this process calls other Cairn services with (role SERVICE). */
  readonly serviceApiKey: string;
  /** The plaintext development key, when this start created it (printed once, also in `<dataDir>/api-key`). */
  readonly createdDevKey?: string;
  /** Where the plaintext development key is kept, when there is one. */
  readonly devKeyFile?: string;
}

/**
 * Opens the hashed API key file. When none exists and `auth.createDevKey` is on, creates a development
 * key (tenant `default`, admin), stores only its hash in the key file and the key itself in
 * `<dataDir>/api-key` (mode 0600) for local use. Without `auth.serviceApiKey`, generates a service key
 * that only this process knows (never written anywhere), for calls a service makes to another one
 * hosted in the same process.
 */
export async function setUpApiKeys(config: PlatformConfig, logger: Logger): Promise<ApiKeysSetup> {
  const keysFile = resolve(config.auth.apiKeysFile ?? join(config.dataDir, 'api-keys.json'));
  const devKeyFile = resolve(config.dataDir, 'api-key');
  const service = serviceKeyOf(config);
  if (await exists(keysFile)) {
    const file = await FileApiKeyStore.open(keysFile);
    logger.info({ keysFile, keys: file.size }, 'API keys loaded');
    return {
      store: withServiceKey(file, service.record),
      serviceApiKey: service.key,
      ...((await exists(devKeyFile)) ? { devKeyFile } : {}),
    };
  }
  if (!config.auth.createDevKey) {
    throw new Error(
      `no API key file at ${keysFile}: create one (see docs) or set CAIRN_AUTH_CREATE_DEV_KEY=true for a development key`,
    );
  }
  const { key, record } = generateApiKey(DEV_TENANT, [Role.ADMIN], { name: 'development key' });
  await mkdir(dirname(keysFile), { recursive: true });
  await writeFile(keysFile, `${JSON.stringify({ keys: [apiKeyRecordToJson(record)] }, null, 2)}\n`, {
    mode: 0o600,
  });
  await mkdir(dirname(devKeyFile), { recursive: true });
  await writeFile(devKeyFile, `${key}\n`, { mode: 0o600 });
  logger.warn({ keysFile, devKeyFile, tenant: DEV_TENANT }, 'created a development API key (admin)');
  return {
    store: withServiceKey(await FileApiKeyStore.open(keysFile), service.record),
    serviceApiKey: service.key,
    createdDevKey: key,
    devKeyFile,
  };
}

/** The configured service key (its record comes from the key file), or a new process-internal one. */
function serviceKeyOf(config: PlatformConfig): { key: string; record?: ApiKeyRecord } {
  if (config.auth.serviceApiKey) return { key: config.auth.serviceApiKey };
  const { key, record } = generateApiKey(SERVICE_KEY_TENANT, [Role.SERVICE], {
    name: 'process-internal service key',
  });
  return { key, record };
}

/** The key file, with the process-internal service key looked up first when there is one. */
function withServiceKey(file: ApiKeyStore, record: ApiKeyRecord | undefined): ApiKeyStore {
  if (!record) return file;
  const internal = new InMemoryApiKeyStore([record]);
  return {
    findById: async (keyId) => (await internal.findById(keyId)) ?? file.findById(keyId),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
