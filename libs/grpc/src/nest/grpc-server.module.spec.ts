import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '@cairn/contracts/grpc/health/v1/health';
import { createGrpcClient } from '../client/grpc-client.js';
import { GrpcError, Status } from '../errors/grpc-error.js';
import { CairnGrpcServer } from '../server/cairn-grpc-server.js';
import type { CallContext, GrpcServiceImpl } from '../server/service-impl.types.js';
import {
  EchoService,
  PingService,
  type EchoRequest,
  type PingRequest,
} from '../testing/echo-service.fixture.js';
import { capturingLogger, testKeyStore } from '../testing/grpc-test-kit.js';
import { GrpcService } from './grpc-service.decorator.js';
import { GrpcServerModule } from './grpc-server.module.js';

@Injectable()
class Greeter {
  greet(text: string, tenant: string): string {
    return `hello ${text} from ${tenant}`;
  }
}

/** A controller as services write them: one-line delegates to injected logic. */
@GrpcService(EchoService)
class EchoGrpcController implements GrpcServiceImpl<typeof EchoService> {
  constructor(private readonly greeter: Greeter) {}

  async say(request: EchoRequest, ctx: CallContext) {
    return { text: this.greeter.greet(request.text, ctx.tenant) };
  }
  async *count() {}
  async collect() {
    return {};
  }
  async *chat() {}
  async purge() {
    return {};
  }
}

@Module({ providers: [Greeter], controllers: [EchoGrpcController] })
class EchoModule {}

@GrpcService(PingService)
class PingGrpcService implements GrpcServiceImpl<typeof PingService> {
  async ping(request: PingRequest) {
    return { text: `pong ${request.text}` };
  }
}

@Module({ providers: [PingGrpcService] })
class PingModule {}

describe('GrpcServerModule', { timeout: 30_000 }, () => {
  it('serves the @GrpcService classes of several modules on one server and stops with the app', async () => {
    const { store, keys } = testKeyStore();
    @Module({
      imports: [
        GrpcServerModule.forRoot({
          host: '127.0.0.1',
          port: 0,
          apiKeyStore: store,
          logger: capturingLogger().logger,
          shutdownGraceMs: 500,
        }),
        EchoModule,
        PingModule,
      ],
    })
    class AppModule {}

    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const server = app.get(CairnGrpcServer);
    const address = `127.0.0.1:${server.port}`;
    const echo = createGrpcClient(EchoService, address, { apiKey: keys.reader });
    const ping = createGrpcClient(PingService, address, { apiKey: keys.reader });
    const health = createGrpcClient(Health, address);
    try {
      assert.equal((await echo.say({ text: 'nest' })).text, 'hello nest from acme');
      assert.equal((await ping.ping({ text: 'x' })).text, 'pong x');
      for (const service of ['', EchoService.typeName, PingService.typeName]) {
        assert.equal((await health.check({ service })).status, ServingStatus.SERVING, service);
      }
      await app.close();
      assert.equal(server.port, undefined);
      const error = await ping.ping({ text: 'x' }, { deadlineMs: 2_000 }).catch((e: unknown) => e);
      assert.ok(error instanceof GrpcError);
      assert.equal(error.code, Status.UNAVAILABLE);
    } finally {
      echo.close();
      ping.close();
      health.close();
      await app.close();
    }
  });
});
