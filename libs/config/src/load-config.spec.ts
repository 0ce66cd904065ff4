import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { listConfigKeys } from './config-keys.js';
import { loadConfig } from './load-config.js';
import { platformConfigSchema } from './platform-config.js';

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadConfig(platformConfigSchema, { env: {} });
    assert.equal(config.grpc.port, 50051);
    assert.equal(config.http.port, 8080);
    assert.equal(config.dataDir, './.cairn');
    assert.equal(config.events.backend, 'embedded');
  });

  it('reads nested keys from CAIRN_* variables with coercion', () => {
    const config = loadConfig(platformConfigSchema, {
      env: {
        CAIRN_GRPC_PORT: '6000',
        CAIRN_KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093',
        CAIRN_EVENTS_BACKEND: 'kafka',
        CAIRN_AUTH_CREATE_DEV_KEY: 'false',
      },
    });
    assert.equal(config.grpc.port, 6000);
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:19092', '127.0.0.1:19093']);
    assert.equal(config.events.backend, 'kafka');
    assert.equal(config.auth.createDevKey, false);
  });

  it('names the bad key and the reason', () => {
    assert.throws(
      () =>
        loadConfig(platformConfigSchema, { env: { CAIRN_GRPC_PORT: 'abc', CAIRN_EVENTS_BACKEND: 'rabbit' } }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const keys = error.issues.map((issue) => issue.key).sort();
        assert.deepEqual(keys, ['CAIRN_EVENTS_BACKEND', 'CAIRN_GRPC_PORT']);
        assert.match(error.message, /CAIRN_GRPC_PORT: .*number/i);
        return true;
      },
    );
  });

  it('reads gRPC TLS files and rejects a certificate without its key', () => {
    const config = loadConfig(platformConfigSchema, {
      env: { CAIRN_GRPC_TLS_CERT_FILE: '/tls/tls.crt', CAIRN_GRPC_TLS_KEY_FILE: '/tls/tls.key' },
    });
    assert.deepEqual(config.grpc.tls, { certFile: '/tls/tls.crt', keyFile: '/tls/tls.key' });
    assert.throws(
      () => loadConfig(platformConfigSchema, { env: { CAIRN_GRPC_TLS_CERT_FILE: '/tls/tls.crt' } }),
      /CAIRN_GRPC_TLS_KEY_FILE: set both/,
    );
    assert.throws(
      () => loadConfig(platformConfigSchema, { env: { CAIRN_GRPC_TLS_CLIENT_CA_FILE: '/tls/ca.crt' } }),
      /CAIRN_GRPC_TLS_CLIENT_CA_FILE: mTLS/,
    );
  });

  it('reads the per-tenant gRPC rate limit, off by default', () => {
    assert.deepEqual(loadConfig(platformConfigSchema, { env: {} }).grpc.rateLimit, {
      requestsPerSecond: 0,
      scope: 'tenant',
    });
    const config = loadConfig(platformConfigSchema, {
      env: {
        CAIRN_GRPC_RATE_LIMIT_REQUESTS_PER_SECOND: '2.5',
        CAIRN_GRPC_RATE_LIMIT_BURST: '10',
        CAIRN_GRPC_RATE_LIMIT_SCOPE: 'tenant-role',
      },
    });
    assert.deepEqual(config.grpc.rateLimit, { requestsPerSecond: 2.5, burst: 10, scope: 'tenant-role' });
    assert.throws(
      () => loadConfig(platformConfigSchema, { env: { CAIRN_GRPC_RATE_LIMIT_BURST: '0' } }),
      /CAIRN_GRPC_RATE_LIMIT_BURST: /,
    );
  });

  it('rejects unknown CAIRN_ variables so typos do not pass silently', () => {
    assert.throws(
      () => loadConfig(platformConfigSchema, { env: { CAIRN_GRPC_PROT: '1' } }),
      /CAIRN_GRPC_PROT: unknown/,
    );
  });

  it('reads a JSON file that environment variables override', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-config-'));
    const file = join(dir, 'cairn.json');
    writeFileSync(file, JSON.stringify({ grpc: { port: 7000, host: '0.0.0.0' } }));
    const config = loadConfig(platformConfigSchema, {
      env: { CAIRN_CONFIG_FILE: file, CAIRN_GRPC_PORT: '7001' },
    });
    assert.equal(config.grpc.port, 7001);
    assert.equal(config.grpc.host, '0.0.0.0');
  });

  it('lists every leaf with its environment variable', () => {
    const schema = z.object({ a: z.object({ bCd: z.string().describe('x') }), topLevel: z.number() });
    assert.deepEqual(
      listConfigKeys(schema).map((key) => [key.env, key.description]),
      [
        ['CAIRN_A_B_CD', 'x'],
        ['CAIRN_TOP_LEVEL', undefined],
      ],
    );
  });
});
