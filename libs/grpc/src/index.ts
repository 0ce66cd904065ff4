export { GrpcError, Status, isServiceError, mapErrors, type ErrorDetailInit } from './errors/grpc-error.js';
export {
  ERROR_DETAIL_TRAILER,
  decodeErrorDetail,
  encodeErrorDetail,
  errorDetailFromTrailers,
} from './errors/error-detail.codec.js';

export type {
  CallContext,
  GrpcServiceImpl,
  MethodImpl,
  ResponseInit,
  UnaryImpl,
  ServerStreamingImpl,
  ClientStreamingImpl,
  BiDiStreamingImpl,
} from './server/service-impl.types.js';
export { serviceDefinitionOf, methodPath, DecodeFailure } from './server/service-definition.js';
export {
  CairnGrpcServer,
  type CairnGrpcServerOptions,
  type GrpcListenOptions,
  type AddServiceOptions,
} from './server/cairn-grpc-server.js';
export { serverCredentialsFromFiles, type ServerTlsFiles } from './server/tls-credentials.js';
export { HealthStatusRegistry } from './health/health-status.registry.js';
export { ServingStatus } from './health/health.service.js';
export { DescriptorIndex } from './reflection/descriptor-index.js';

export type { ApiKeyStore, ApiKeyRecord, ApiKeyPrincipal } from './auth/api-key-store.port.js';
export {
  generateApiKey,
  parseApiKey,
  hashApiKey,
  apiKeyMatches,
  type GeneratedApiKey,
  type ParsedApiKey,
} from './auth/api-key.js';
export { InMemoryApiKeyStore } from './auth/in-memory.api-key-store.js';
export {
  FileApiKeyStore,
  parseApiKeyFile,
  apiKeyRecordToJson,
  type ApiKeyFileJson,
} from './auth/file.api-key-store.js';
export { ApiKeyAuthenticator, ON_BEHALF_OF_METADATA, TENANT_METADATA } from './auth/api-key.authenticator.js';
export { DEFAULT_REQUIRED_ROLE, grantsRole, parseRole, requiredRoleOf, roleName } from './auth/roles.js';
export { bindTenant, tenantFieldOf } from './auth/tenant.guard.js';
export { TokenBuckets, type TokenBucketOptions, type TokenDecision } from './limits/token-bucket.js';
export { TenantRateLimiter, type RateLimitOptions } from './limits/tenant-rate-limiter.js';

export { createGrpcClient } from './client/grpc-client.js';
export { channelCredentialsFromFiles, type ClientTlsFiles } from './client/channel-credentials.js';
export type {
  GrpcClient,
  GrpcClientOptions,
  GrpcCallOptions,
  ClientMethod,
  UnaryClientMethod,
  ServerStreamingClientMethod,
  ClientStreamingClientMethod,
  BiDiStreamingClientMethod,
} from './client/grpc-client.types.js';

export { GrpcService } from './nest/grpc-service.decorator.js';
export { GrpcServerModule } from './nest/grpc-server.module.js';
export {
  GRPC_SERVER_MODULE_OPTIONS,
  type GrpcServerModuleOptions,
  type GrpcServerModuleAsyncOptions,
} from './nest/grpc-server.options.js';
