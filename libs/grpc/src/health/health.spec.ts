import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '@cairn/contracts/grpc/health/v1/health';
import { createGrpcClient } from '../client/grpc-client.js';
import type { GrpcClient } from '../client/grpc-client.types.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { EchoService } from '../testing/echo-service.fixture.js';
import { startTestServer, type TestServer } from '../testing/grpc-test-kit.js';
import { nextMatching } from '@cairn/testing';

describe('grpc.health.v1', { timeout: 30_000 }, () => {
  let t: TestServer;
  let health: GrpcClient<typeof Health>;
  const echo = EchoService.typeName;

  before(async () => {
    t = await startTestServer((server) =>
      server.addService(EchoService, {
        say: async () => ({}),
        count: async function* () {},
        collect: async () => ({}),
        chat: async function* () {},
        purge: async () => ({}),
      }),
    );
    health = createGrpcClient(Health, t.address);
  });
  after(async () => {
    health.close();
    await t.stop();
  });

  it('reports the server and each added service SERVING once started', async () => {
    assert.equal((await health.check({ service: '' })).status, ServingStatus.SERVING);
    assert.equal((await health.check({ service: echo })).status, ServingStatus.SERVING);
  });

  it('answers NOT_FOUND for an unknown service', async () => {
    const error = await health.check({ service: 'nope.v1.Nope' }).catch((e: unknown) => e);
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, Status.NOT_FOUND);
  });

  it('streams the current status, then each change, on Watch', async () => {
    const watch = health.watch({ service: echo })[Symbol.asyncIterator]();
    const next = async () => {
      const response = await nextMatching(watch, () => true, {
        timeoutMs: 5_000,
        description: 'a health status',
      });
      return response.status;
    };
    assert.equal(await next(), ServingStatus.SERVING);
    t.server.setStatus(echo, ServingStatus.NOT_SERVING);
    assert.equal(await next(), ServingStatus.NOT_SERVING);
    t.server.setStatus(echo, ServingStatus.NOT_SERVING); // no change, no message
    t.server.setStatus(echo, ServingStatus.SERVING);
    assert.equal(await next(), ServingStatus.SERVING);
    await watch.return?.();
  });

  it('reports SERVICE_UNKNOWN on Watch of a service that is not there yet', async () => {
    for await (const response of health.watch({ service: 'later.v1.Later' })) {
      assert.equal(response.status, ServingStatus.SERVICE_UNKNOWN);
      break;
    }
  });

  it('sends NOT_SERVING and ends watches when the server stops', async () => {
    const other = await startTestServer(() => undefined);
    const client = createGrpcClient(Health, other.address);
    try {
      const statuses: ServingStatus[] = [];
      let stopping: Promise<void> | undefined;
      for await (const response of client.watch({ service: '' })) {
        statuses.push(response.status);
        stopping ??= other.stop();
      }
      await stopping;
      assert.deepEqual(statuses, [ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    } finally {
      client.close();
      await other.stop();
    }
  });
});
