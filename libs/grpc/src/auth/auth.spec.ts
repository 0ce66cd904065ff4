import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGrpcClient } from '../client/grpc-client.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import type { GrpcServiceImpl } from '../server/service-impl.types.js';
import { EchoService, type EchoRequest } from '../testing/echo-service.fixture.js';
import { startTestServer, type TestServer } from '../testing/grpc-test-kit.js';
import { Role } from '@cairn/contracts/cairn/common/v1/options';
import { Health } from '@cairn/contracts/grpc/health/v1/health';
import { generateApiKey } from './api-key.js';

async function* items<T>(...values: T[]): AsyncGenerator<T> {
  for (const value of values) yield value;
}

async function failure(promise: Promise<unknown>): Promise<GrpcError> {
  const error = await promise.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GrpcError, `expected a GrpcError, got ${String(error)}`);
  return error;
}

describe('API key auth and tenant binding', { timeout: 30_000 }, () => {
  let t: TestServer;
  const seen: EchoRequest[] = [];

  const impl: GrpcServiceImpl<typeof EchoService> = {
    async say(request, ctx) {
      seen.push(request);
      return { tenant: request.tenant, text: ctx.roles.join(','), principal: ctx.principal ?? '' };
    },
    async *count(request) {
      yield { tenant: request.tenant };
    },
    async collect(requests) {
      const tenants: string[] = [];
      for await (const request of requests) tenants.push(request.tenant);
      return { text: tenants.join(',') };
    },
    async *chat(requests) {
      for await (const request of requests) yield { tenant: request.tenant };
    },
    async purge(_request, ctx) {
      return { tenant: ctx.tenant };
    },
  };

  before(async () => {
    t = await startTestServer((server) => server.addService(EchoService, impl));
  });
  after(() => t.stop());

  const client = (apiKey?: string, metadata?: Record<string, string>) => {
    const c = createGrpcClient(EchoService, t.address, apiKey !== undefined ? { apiKey } : {});
    return { c, call: (req: { text?: string; tenant?: string }) => c.say(req, metadata ? { metadata } : {}) };
  };

  it('refuses a call without an API key', async () => {
    const { c, call } = client();
    const error = await failure(call({ text: 'x' }));
    c.close();
    assert.equal(error.code, Status.UNAUTHENTICATED);
    assert.equal(error.message, "missing API key: send metadata 'authorization: Bearer <key>'");
    assert.equal(error.details?.reason, 'API_KEY_MISSING');
  });

  it('refuses malformed authorization metadata and malformed keys', async () => {
    const basic = client(undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    const e1 = await failure(basic.call({}));
    basic.c.close();
    assert.equal(e1.code, Status.UNAUTHENTICATED);
    assert.match(e1.message, /malformed authorization metadata: expected 'Bearer <key>'/);

    const notCairn = client('sk-1234567890abcdef1234567890');
    const e2 = await failure(notCairn.call({}));
    notCairn.c.close();
    assert.equal(e2.code, Status.UNAUTHENTICATED);
    assert.match(e2.message, /malformed API key: expected 'cairn_<keyId>_<secret>'/);
  });

  it('refuses unknown keys and right ids with a wrong secret', async () => {
    const unknown = client('cairn_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const e1 = await failure(unknown.call({}));
    unknown.c.close();
    assert.equal(e1.code, Status.UNAUTHENTICATED);
    assert.match(e1.message, /^unknown API key/);

    const keyId = t.keys.writer.split('_')[1] ?? '';
    const forged = client(`cairn_${keyId}_${'B'.repeat(43)}`);
    const e2 = await failure(forged.call({}));
    forged.c.close();
    assert.equal(e2.code, Status.UNAUTHENTICATED);
    assert.match(e2.message, /^unknown API key/);
  });

  it('refuses a role below the one the method requires, naming it', async () => {
    const reader = createGrpcClient(EchoService, t.address, { apiKey: t.keys.reader });
    try {
      assert.equal((await reader.say({})).tenant, 'acme', 'Say requires READER');
      const purge = await failure(reader.purge({}));
      assert.equal(purge.code, Status.PERMISSION_DENIED);
      assert.match(
        purge.message,
        /cairn\.grpctest\.v1\.EchoService\/Purge requires role ADMIN; API key '[0-9a-f]+' has READER/,
      );
      assert.equal(purge.details?.reason, 'ROLE_REQUIRED');
      // Collect declares no required_role: WRITER by default.
      const collect = await failure(reader.collect(items({ text: 'a' })));
      assert.equal(collect.code, Status.PERMISSION_DENIED);
      assert.match(collect.message, /requires role WRITER/);
    } finally {
      reader.close();
    }
    const admin = createGrpcClient(EchoService, t.address, { apiKey: t.keys.admin });
    try {
      assert.equal((await admin.purge({})).tenant, 'acme', 'ADMIN includes every lower role');
      assert.equal((await admin.collect(items({ text: 'a' }))).text, 'acme');
    } finally {
      admin.close();
    }
  });

  it('refuses a request naming another tenant', async () => {
    const globex = createGrpcClient(EchoService, t.address, { apiKey: t.keys.globexWriter });
    try {
      const error = await failure(globex.say({ tenant: 'acme' }));
      assert.equal(error.code, Status.PERMISSION_DENIED);
      assert.equal(error.message, 'API key belongs to tenant globex; request names tenant acme');
      assert.deepEqual(error.details, {
        reason: 'TENANT_MISMATCH',
        field: 'tenant',
        metadata: { key_tenant: 'globex', request_tenant: 'acme' },
      });
      const streamed = await failure(globex.collect(items({ tenant: 'globex' }, { tenant: 'acme' })));
      assert.equal(streamed.code, Status.PERMISSION_DENIED);
      assert.equal(
        (await globex.say({ tenant: 'globex' })).tenant,
        'globex',
        'naming its own tenant is fine',
      );
    } finally {
      globex.close();
    }
  });

  it('fills in the key tenant when the request leaves it empty, for unary and streaming requests', async () => {
    const writer = createGrpcClient(EchoService, t.address, { apiKey: t.keys.writer });
    try {
      seen.length = 0;
      const response = await writer.say({ text: 'no tenant' });
      assert.equal(seen[0]?.tenant, 'acme', 'the handler sees the tenant');
      assert.equal(response.tenant, 'acme');
      const streamed: string[] = [];
      for await (const r of writer.count({})) streamed.push(r.tenant);
      assert.deepEqual(streamed, ['acme']);
      assert.equal((await writer.collect(items({}, { tenant: 'acme' }, {}))).text, 'acme,acme,acme');
      const chat: string[] = [];
      for await (const r of writer.chat(items({}, {}))) chat.push(r.tenant);
      assert.deepEqual(chat, ['acme', 'acme']);
    } finally {
      writer.close();
    }
  });

  it('lets a service key act for the tenant and principal its call names, and only with a tenant named', async () => {
    const service = generateApiKey('_service', [Role.SERVICE], { name: 'runner' });
    t.store.add(service.record);
    const call = (metadata: Record<string, string>, tenant = '') => {
      const c = createGrpcClient(EchoService, t.address, { apiKey: service.key });
      return c.say({ tenant }, { metadata }).finally(() => c.close());
    };
    seen.length = 0;
    const acting = await call({ 'cairn-tenant': 'globex', 'cairn-on-behalf-of': 'key:abc' });
    assert.equal(acting.tenant, 'globex');
    assert.equal(acting.principal, 'key:abc');
    assert.equal(seen[0]?.tenant, 'globex', 'the request is bound to the named tenant');
    assert.equal((await call({ 'cairn-tenant': 'acme' })).principal, service.record.keyId);
    const mismatch = await failure(call({ 'cairn-tenant': 'acme' }, 'globex'));
    assert.equal(mismatch.code, Status.PERMISSION_DENIED);
    assert.equal(mismatch.details?.reason, 'TENANT_MISMATCH');
    const missing = await failure(call({}));
    assert.equal(missing.code, Status.UNAUTHENTICATED);
    assert.equal(missing.details?.reason, 'SERVICE_TENANT_MISSING');
    // Other keys cannot pick a tenant with the metadata.
    const writer = createGrpcClient(EchoService, t.address, { apiKey: t.keys.writer });
    try {
      assert.equal((await writer.say({}, { metadata: { 'cairn-tenant': 'globex' } })).tenant, 'acme');
    } finally {
      writer.close();
    }
  });

  it('lets health checks through without a key', async () => {
    const health = createGrpcClient(Health, t.address);
    try {
      const response = await health.check({ service: '' });
      assert.equal(response.status, 1);
    } finally {
      health.close();
    }
  });
});
