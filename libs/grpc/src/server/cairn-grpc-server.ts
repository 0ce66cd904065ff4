import {
  Server,
  ServerCredentials,
  type ServerOptions,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { DescFile, DescService } from '@bufbuild/protobuf';
import type { Role } from '@cairn/contracts/cairn/common/v1/options';
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from '@cairn/contracts/grpc/health/v1/health';
import { ServerReflection } from '@cairn/contracts/grpc/reflection/v1/reflection';
import { ServerReflection as ServerReflectionV1Alpha } from '@cairn/contracts/grpc/reflection/v1alpha/reflection';
import { RpcServerMetrics, silentLogger, type Logger, type MetricsRegistry } from '@cairn/observability';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator.js';
import type { ApiKeyStore } from '../auth/api-key-store.port.js';
import { TenantRateLimiter, type RateLimitOptions } from '../limits/tenant-rate-limiter.js';
import { HealthStatusRegistry } from '../health/health-status.registry.js';
import { createHealthImpl } from '../health/health.service.js';
import { DescriptorIndex } from '../reflection/descriptor-index.js';
import { createReflectionImpl, createReflectionV1AlphaImpl } from '../reflection/reflection.service.js';
import { grpcHandlerFor, type HandlerEnvironment } from './method-handlers.js';
import { outgoingStatusInterceptor } from './outgoing-status.interceptor.js';
import { methodPath, serviceDefinitionOf } from './service-definition.js';
import type { GrpcServiceImpl } from './service-impl.types.js';

/** How the server authenticates and what it logs to. */
export interface CairnGrpcServerOptions {
  /** Where API keys are verified; every non-public RPC needs `authorization: Bearer <key>`. */
  readonly apiKeyStore: ApiKeyStore;
  readonly logger?: Logger;
  /** Role required by methods that declare no `required_role` option (default WRITER). */
  readonly defaultRequiredRole?: Role;
  /** Files reflection serves besides those of the added services (e.g. `allFiles` of @cairn/contracts). */
  readonly reflectionFiles?: readonly DescFile[];
  /** Where per-RPC metrics go (`cairn_grpc_server_*`); none when absent. */
  readonly metrics?: MetricsRegistry;
  /** Per-tenant rate limit of authenticated calls; off when absent or `requestsPerSecond` is 0. */
  readonly rateLimit?: RateLimitOptions;
}

/** Where and how to listen. */
export interface GrpcListenOptions {
  /** Interface to bind (default `0.0.0.0`). */
  readonly host?: string;
  /** Port; 0 picks a free one (the bound port is returned). */
  readonly port: number;
  /** Default: insecure (plaintext; TLS is terminated in front of the pod). */
  readonly credentials?: ServerCredentials;
  /** Largest request accepted, in bytes (grpc default 4 MiB). */
  readonly maxReceiveMessageLength?: number;
  /** Largest response sent, in bytes (grpc default unlimited). */
  readonly maxSendMessageLength?: number;
  /** Further grpc-js server options (`grpc.keepalive_time_ms`, …). */
  readonly serverOptions?: ServerOptions;
}

/** Options of {@link CairnGrpcServer.addService}. */
export interface AddServiceOptions {
  /** Skip API key checks (only for infrastructure services such as health). Default false. */
  readonly public?: boolean;
}

interface Registration {
  readonly service: DescService;
  readonly implementation: UntypedServiceImplementation;
  readonly internal: boolean;
}

/**
 * gRPC server on @grpc/grpc-js with protobuf-es types end to end: add services as
 * `GrpcServiceImpl<typeof Service>`, API key auth and tenant binding on every call, and built-in
 * grpc.health.v1 and server reflection (v1 and v1alpha).
 */
export class CairnGrpcServer {
  private readonly registrations = new Map<string, Registration>();
  private readonly env: HandlerEnvironment;
  private readonly health = new HealthStatusRegistry();
  private readonly index = new DescriptorIndex();
  private readonly logger: Logger;
  private server: Server | undefined;
  private boundPort: number | undefined;

  constructor(options: CairnGrpcServerOptions) {
    this.logger = options.logger ?? silentLogger();
    const metrics = options.metrics ? new RpcServerMetrics(options.metrics) : undefined;
    const rateLimit = options.rateLimit;
    this.env = {
      authenticator: new ApiKeyAuthenticator(options.apiKeyStore, options.defaultRequiredRole),
      logger: this.logger,
      ...(metrics ? { metrics } : {}),
      ...(rateLimit && rateLimit.requestsPerSecond > 0
        ? {
            rateLimiter: new TenantRateLimiter(rateLimit, options.defaultRequiredRole, (method) =>
              metrics?.rateLimited(methodPath(method)),
            ),
          }
        : {}),
    };
    this.index.add(...(options.reflectionFiles ?? []));
    this.register(Health, createHealthImpl(this.health), { public: true }, true);
    const source = { index: this.index, serviceNames: () => this.serviceNames };
    this.register(ServerReflection, createReflectionImpl(source), { public: true }, true);
    this.register(ServerReflectionV1Alpha, createReflectionV1AlphaImpl(source), { public: true }, true);
  }

  /** Serves `service` with `impl`; fails fast when a method is not implemented or the service is already added. */
  addService<S extends DescService>(
    service: S,
    impl: GrpcServiceImpl<S>,
    options: AddServiceOptions = {},
  ): this {
    this.register(service, impl, options, false);
    return this;
  }

  /** Binds and starts serving; resolves with the bound port. Sets SERVING for the server ('') and each added service. */
  async start(options: GrpcListenOptions): Promise<number> {
    if (this.server) throw new Error('CairnGrpcServer: already started');
    const server = new Server({
      ...(options.maxReceiveMessageLength !== undefined
        ? { 'grpc.max_receive_message_length': options.maxReceiveMessageLength }
        : {}),
      ...(options.maxSendMessageLength !== undefined
        ? { 'grpc.max_send_message_length': options.maxSendMessageLength }
        : {}),
      ...options.serverOptions,
      interceptors: [outgoingStatusInterceptor, ...(options.serverOptions?.interceptors ?? [])],
    });
    for (const registration of this.registrations.values()) {
      server.addService(this.definitionOf(registration.service), registration.implementation);
    }
    const host = options.host ?? '0.0.0.0';
    const address = `${host.includes(':') ? `[${host}]` : host}:${options.port}`;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, options.credentials ?? ServerCredentials.createInsecure(), (error, bound) =>
        error
          ? reject(new Error(`gRPC server could not bind ${address}: ${error.message}`, { cause: error }))
          : resolve(bound),
      );
    });
    this.server = server;
    this.boundPort = port;
    for (const registration of this.registrations.values()) {
      const name = registration.service.typeName;
      if (!registration.internal && this.health.get(name) === undefined)
        this.health.set(name, ServingStatus.SERVING);
    }
    this.health.set('', ServingStatus.SERVING);
    this.logger.info({ address: `${host}:${port}`, services: this.serviceNames }, 'gRPC server listening');
    return port;
  }

  /**
   * Reports NOT_SERVING, ends health watches, lets in-flight calls finish for up to `graceMs`, then
   * cancels what is left.
   */
  async stop(graceMs = 5_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.health.setAll(ServingStatus.NOT_SERVING);
    this.health.closeWatches();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(
          { graceMs },
          'gRPC server: calls still running after the grace period; cancelling them',
        );
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown((error) => {
        clearTimeout(timer);
        if (error) {
          this.logger.warn({ err: error }, 'gRPC server: graceful shutdown failed; forcing');
          server.forceShutdown();
        }
        resolve();
      });
    });
    this.boundPort = undefined;
    this.logger.info('gRPC server stopped');
  }

  /** Sets the grpc.health.v1 status of a service (fully-qualified name) or of the server (''). */
  setStatus(service: string, status: ServingStatus): void {
    this.health.set(service, status);
  }

  /** Current grpc.health.v1 status; undefined for an unknown service. */
  getStatus(service: string): ServingStatus | undefined {
    return this.health.get(service);
  }

  /** The bound port while started. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Fully-qualified names of every service served, health and reflection included. */
  get serviceNames(): string[] {
    return [...this.registrations.keys()];
  }

  private definitionOf(service: DescService): ServiceDefinition {
    return serviceDefinitionOf(service, {
      lenient: true,
      onResponseSerializeError: (method, error) =>
        this.logger.error(
          { err: error, method: methodPath(method) },
          'gRPC: the response could not be encoded; the client got INTERNAL',
        ),
    });
  }

  private register(service: DescService, impl: object, options: AddServiceOptions, internal: boolean): void {
    if (this.registrations.has(service.typeName))
      throw new Error(`CairnGrpcServer: service ${service.typeName} added twice`);
    const missing = service.methods.filter(
      (m) => typeof (impl as Record<string, unknown>)[m.localName] !== 'function',
    );
    if (missing.length > 0) {
      throw new Error(
        `CairnGrpcServer: ${service.typeName} implementation lacks ${missing.map((m) => m.localName).join(', ')}`,
      );
    }
    const implementation: UntypedServiceImplementation = {};
    for (const method of service.methods) {
      implementation[method.name] = grpcHandlerFor(
        { method, target: impl, isPublic: options.public ?? false },
        this.env,
      );
    }
    this.registrations.set(service.typeName, { service, implementation, internal });
    this.index.add(service.file);
    if (this.server) {
      this.server.addService(this.definitionOf(service), implementation);
      if (!internal) this.health.set(service.typeName, ServingStatus.SERVING);
    }
  }
}
