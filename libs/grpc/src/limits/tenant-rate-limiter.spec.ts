import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMetricsRegistry } from '@cairn/observability';
import { createGrpcClient } from '../client/grpc-client.js';
import type { GrpcClient } from '../client/grpc-client.types.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { EchoService } from '../testing/echo-service.fixture.js';
import { startTestServer, withUnimplemented, type TestServer } from '../testing/grpc-test-kit.js';
import type { RateLimitOptions } from './tenant-rate-limiter.js';

const echo = withUnimplemented(EchoService, {
  async say(request, ctx) {
    return { tenant: ctx.tenant, text: request.text, principal: ctx.principal ?? '' };
  },
  async purge() {
    return {};
  },
});

async function refusal(call: Promise<unknown>): Promise<GrpcError> {
  const error = await call.then(
    () => assert.fail('expected the call to be rate limited'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GrpcError, String(error));
  return error;
}

/** A server with EchoService, a rate limit on a hand-moved clock, and clients of two tenants. */
function limitedServer(limit: Omit<RateLimitOptions, 'now'>) {
  let t = 0;
  const metrics = createMetricsRegistry('test');
  const ctx = {
    server: undefined as unknown as TestServer,
    acme: undefined as unknown as GrpcClient<typeof EchoService>,
    acmeAdmin: undefined as unknown as GrpcClient<typeof EchoService>,
    globex: undefined as unknown as GrpcClient<typeof EchoService>,
    advance: (ms: number) => (t += ms),
    refusedCount: async () => {
      const metric = await metrics.getSingleMetric('cairn_grpc_server_rate_limited_total')?.get();
      return (metric?.values ?? []).reduce((sum, v) => sum + v.value, 0);
    },
  };
  before(async () => {
    ctx.server = await startTestServer((server) => server.addService(EchoService, echo), {
      rateLimit: { ...limit, now: () => t },
      metrics,
    });
    const { keys, address } = ctx.server;
    ctx.acme = createGrpcClient(EchoService, address, { apiKey: keys.reader });
    ctx.acmeAdmin = createGrpcClient(EchoService, address, { apiKey: keys.admin });
    ctx.globex = createGrpcClient(EchoService, address, { apiKey: keys.globexWriter });
  });
  after(async () => {
    for (const client of [ctx.acme, ctx.acmeAdmin, ctx.globex]) client.close();
    await ctx.server.stop();
  });
  return ctx;
}

describe('per-tenant rate limit on the gRPC server', { timeout: 30_000 }, () => {
  describe('scope tenant', () => {
    const s = limitedServer({ requestsPerSecond: 1, burst: 2 });

    it('refuses a tenant over its burst with RESOURCE_EXHAUSTED, RATE_LIMITED and retry_after_ms', async () => {
      await s.acme.say({ text: '1' });
      await s.acmeAdmin.say({ text: '2' });
      const error = await refusal(s.acme.say({ text: '3' }));
      assert.equal(error.code, Status.RESOURCE_EXHAUSTED);
      assert.equal(error.details?.reason, 'RATE_LIMITED');
      assert.equal(error.details?.metadata?.['retry_after_ms'], '1000');
      assert.match(error.message, /tenant acme is over its rate limit of 1 calls per second \(burst 2\)/);
      assert.equal(await s.refusedCount(), 1, 'the refusal is counted');
    });

    it('does not limit another tenant', async () => {
      assert.equal((await s.globex.say({ text: 'hi' })).tenant, 'globex');
    });

    it('admits the tenant again once the wait has passed', async () => {
      s.advance(999);
      await refusal(s.acme.say({ text: 'early' }));
      s.advance(1);
      assert.equal((await s.acme.say({ text: 'on time' })).text, 'on time');
    });

    it('checks the key before the limit: an unauthenticated call is UNAUTHENTICATED, not RATE_LIMITED', async () => {
      const anonymous = createGrpcClient(EchoService, s.server.address);
      try {
        const error = await refusal(anonymous.say({ text: 'x' }));
        assert.equal(error.code, Status.UNAUTHENTICATED);
      } finally {
        anonymous.close();
      }
    });
  });

  describe('scope tenant-role', () => {
    const s = limitedServer({ requestsPerSecond: 1, burst: 1, scope: 'tenant-role' });

    it('limits reads and admin calls of one tenant apart', async () => {
      await s.acmeAdmin.say({ text: 'read' });
      const error = await refusal(s.acme.say({ text: 'read again' }));
      assert.equal(error.details?.metadata?.['scope'], 'tenant-role');
      await s.acmeAdmin.purge({});
      await refusal(s.acmeAdmin.purge({}));
    });
  });
});
