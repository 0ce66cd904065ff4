import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { PlatformConfig } from '@cairn/config';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { apiKeyRecordToJson, FileApiKeyStore, generateApiKey } from '@cairn/grpc';
import type { Logger } from '@cairn/observability';

/** Tenant of the development key created when no key is configured. */
export const DEV_TENANT = 'default';

export interface ApiKeysSetup {
  readonly store: FileApiKeyStore;
  /** The plaintext development key, when this start created it (printed once, also in `<dataDir>/api-key`). */
  readonly createdDevKey?: string;
  /** Where the plaintext development key is kept, when there is one. */
  readonly devKeyFile?: string;
}

/**
 * Opens the hashed API key file. When none exists and `auth.createDevKey` is on, creates a development
 * key (tenant `default`, admin), stores only its hash in the key file and the key itself in
 * `<dataDir>/api-key` (mode 0600) for local use.
 */
export async function setUpApiKeys(config: PlatformConfig, logger: Logger): Promise<ApiKeysSetup> {
  const keysFile = resolve(config.auth.apiKeysFile ?? join(config.dataDir, 'api-keys.json'));
  const devKeyFile = resolve(config.dataDir, 'api-key');
  if (await exists(keysFile)) {
    const store = await FileApiKeyStore.open(keysFile);
    logger.info({ keysFile, keys: store.size }, 'API keys loaded');
    return { store, ...((await exists(devKeyFile)) ? { devKeyFile } : {}) };
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
  return { store: await FileApiKeyStore.open(keysFile), createdDevKey: key, devKeyFile };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
