import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  Health,
} from '@cairn/contracts/grpc/health/v1/health';
import { createGrpcClient, type GrpcClientOptions } from '@cairn/grpc';
import { writeApiKeyFile, type TestKeySpec } from '../support/api-keys.js';
import { startService, type StartedService } from '../support/service-process.js';

/** An all-in-one process with its own key file. */
export interface SecuredProcess {
  readonly aio: StartedService;
  /** Plaintext keys by spec name. */
  readonly keys: Record<string, string>;
  /** True while the process runs and its gRPC health says SERVING. */
  serving(clientOptions?: GrpcClientOptions): Promise<boolean>;
  /** Stops the process; asserts it exited cleanly (exit 0 on SIGTERM). */
  stop(): Promise<void>;
}

/**
 * Starts the all-in-one on embedded defaults with the given API keys (no development key) and the
 * `hash` embedding provider, which needs no model files and is fast: these tests are about who may
 * see what, not about ranking quality.
 */
export async function startSecuredAllInOne(
  keys: readonly TestKeySpec[],
  env: Record<string, string> = {},
): Promise<SecuredProcess> {
  const { file, keys: plaintext } = writeApiKeyFile(mkdtempSync(join(tmpdir(), 'cairn-security-')), keys);
  const aio = await startService({
    service: 'all-in-one',
    env: {
      CAIRN_AUTH_API_KEYS_FILE: file,
      CAIRN_AUTH_CREATE_DEV_KEY: 'false',
      CAIRN_EMBEDDING_PROVIDER: 'hash',
      ...env,
    },
  });
  return {
    aio,
    keys: plaintext,
    serving: async (clientOptions = {}) => {
      if (aio.child.exitCode !== null || aio.child.signalCode !== null) return false;
      const health = createGrpcClient(Health, aio.grpcAddress, clientOptions);
      try {
        return (await health.check({ service: '' }, { deadlineMs: 5_000 })).status === ServingStatus.SERVING;
      } finally {
        health.close();
      }
    },
    stop: async () => {
      assert.equal(
        await aio.stop(),
        0,
        `the all-in-one stops cleanly on SIGTERM:\n${aio.output().slice(-4_000)}`,
      );
    },
  };
}
