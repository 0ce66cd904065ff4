import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import type { CairnGrpcServerOptions, GrpcListenOptions } from '../server/cairn-grpc-server.js';

/** Token of the {@link GrpcServerModuleOptions}. */
export const GRPC_SERVER_MODULE_OPTIONS = Symbol('GRPC_SERVER_MODULE_OPTIONS');

/** Server, auth and listen options of `GrpcServerModule`. */
export interface GrpcServerModuleOptions extends CairnGrpcServerOptions, GrpcListenOptions {
  /** How long in-flight calls may run on shutdown before they are cancelled (default 5 s). */
  readonly shutdownGraceMs?: number;
}

/** Options of `GrpcServerModule.forRootAsync`. */
export interface GrpcServerModuleAsyncOptions {
  readonly imports?: ModuleMetadata['imports'];
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[];
  readonly useFactory: (...args: never[]) => GrpcServerModuleOptions | Promise<GrpcServerModuleOptions>;
}
