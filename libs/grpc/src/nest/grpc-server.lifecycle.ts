import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { DescService } from '@bufbuild/protobuf';
import { HealthCheckResponse_ServingStatus as ServingStatus } from '@cairn/contracts/grpc/health/v1/health';
import { CairnGrpcServer } from '../server/cairn-grpc-server.js';
import type { GrpcServiceImpl } from '../server/service-impl.types.js';
import { GrpcServiceMarker } from './grpc-service.decorator.js';
import { GRPC_SERVER_MODULE_OPTIONS, type GrpcServerModuleOptions } from './grpc-server.options.js';

/** Finds the `@GrpcService` classes, serves them, starts and stops the server with the app. */
@Injectable()
export class GrpcServerLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly server: CairnGrpcServer,
    @Inject(GRPC_SERVER_MODULE_OPTIONS) private readonly options: GrpcServerModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const served = new Map<string, { service: DescService; instance: object }>();
    const wrappers = [
      ...this.discovery.getControllers({ metadataKey: GrpcServiceMarker.KEY }),
      ...this.discovery.getProviders({ metadataKey: GrpcServiceMarker.KEY }),
    ];
    for (const wrapper of wrappers) {
      const service = this.discovery.getMetadataByDecorator(GrpcServiceMarker, wrapper);
      if (!service) continue;
      const instance: unknown = wrapper.instance;
      if (!wrapper.isDependencyTreeStatic() || typeof instance !== 'object' || instance === null) {
        throw new Error(
          `@GrpcService(${service.typeName}) on ${wrapper.name}: must be a singleton (no request scope)`,
        );
      }
      const existing = served.get(service.typeName);
      if (existing?.instance === instance) continue;
      if (existing) throw new Error(`@GrpcService(${service.typeName}) is declared on two classes; keep one`);
      served.set(service.typeName, { service, instance });
    }
    for (const { service, instance } of served.values()) {
      this.server.addService(service, instance as GrpcServiceImpl<DescService>);
    }
    await this.server.start(this.options);
    for (const name of served.keys()) this.server.setStatus(name, ServingStatus.SERVING);
  }

  async onModuleDestroy(): Promise<void> {
    await this.server.stop(this.options.shutdownGraceMs);
  }
}
