import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CairnGrpcServer } from '../server/cairn-grpc-server.js';
import { GrpcServerLifecycle } from './grpc-server.lifecycle.js';
import {
  GRPC_SERVER_MODULE_OPTIONS,
  type GrpcServerModuleAsyncOptions,
  type GrpcServerModuleOptions,
} from './grpc-server.options.js';

/**
 * One gRPC server per process (global). At bootstrap it serves every class decorated with
 * `@GrpcService(...)` in any module, sets each to SERVING and listens; it stops on shutdown.
 * Inject {@link CairnGrpcServer} for the port and health status.
 */
@Module({})
export class GrpcServerModule {
  static forRoot(options: GrpcServerModuleOptions): DynamicModule {
    return GrpcServerModule.build([], { provide: GRPC_SERVER_MODULE_OPTIONS, useValue: options });
  }

  static forRootAsync(options: GrpcServerModuleAsyncOptions): DynamicModule {
    return GrpcServerModule.build(options.imports ?? [], {
      provide: GRPC_SERVER_MODULE_OPTIONS,
      useFactory: options.useFactory,
      inject: options.inject ?? [],
    });
  }

  private static build(
    imports: NonNullable<ModuleMetadata['imports']>,
    optionsProvider: NonNullable<ModuleMetadata['providers']>[number],
  ): DynamicModule {
    return {
      module: GrpcServerModule,
      global: true,
      imports: [DiscoveryModule, ...imports],
      providers: [
        optionsProvider,
        {
          provide: CairnGrpcServer,
          useFactory: (options: GrpcServerModuleOptions) => new CairnGrpcServer(options),
          inject: [GRPC_SERVER_MODULE_OPTIONS],
        },
        GrpcServerLifecycle,
      ],
      exports: [CairnGrpcServer],
    };
  }
}
