import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { DescService } from '@bufbuild/protobuf';
import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import {
  CairnGrpcServer,
  createGrpcClient,
  ON_BEHALF_OF_METADATA,
  TENANT_METADATA,
  type GrpcClient,
} from '@cairn/grpc';
import { PLATFORM_CONFIG, SERVICE_API_KEY } from '@cairn/platform';
import type { AgentRunnerConfig } from '../agent-runner.config.js';
import { outboundChannel, type OutboundChannel } from './outbound-channel.js';

/** Who a call to another service acts for. */
export interface ActingFor {
  readonly tenant: string;
  /** Recorded as the call's principal (e.g. the run's principal). */
  readonly principal: string;
}

/**
 * gRPC clients of the services the runner calls (retrieval for the retrieve tool, ingestion and
 * audit for the MCP server), authenticated with the process's service key and acting for a tenant.
 * An endpoint left unset is this process's own gRPC server (the all-in-one). TLS per
 * {@link outboundChannel}.
 */
@Injectable()
export class PlatformClients implements OnApplicationShutdown {
  private readonly clients = new Map<string, { close(): void }>();
  private readonly channel: OutboundChannel;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: AgentRunnerConfig,
    @Inject(SERVICE_API_KEY) private readonly serviceKey: string,
    private readonly server: CairnGrpcServer,
  ) {
    this.channel = outboundChannel(config);
  }

  retrieval(): GrpcClient<typeof RetrievalService> {
    return this.client(RetrievalService, this.config.agent.retrievalEndpoint);
  }

  ingestion(): GrpcClient<typeof IngestionService> {
    return this.client(IngestionService, this.config.agent.ingestionEndpoint);
  }

  audit(): GrpcClient<typeof AuditService> {
    return this.client(AuditService, this.config.agent.auditEndpoint);
  }

  /** Metadata of a call made with the service key on behalf of a tenant and principal. */
  actingFor(who: ActingFor): Record<string, string> {
    return { [TENANT_METADATA]: who.tenant, [ON_BEHALF_OF_METADATA]: who.principal };
  }

  onApplicationShutdown(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client<S extends DescService>(service: S, endpoint: string | undefined): GrpcClient<S> {
    const address = endpoint ?? this.ownAddress();
    const key = `${service.typeName}@${address}`;
    let client = this.clients.get(key) as GrpcClient<S> | undefined;
    if (!client) {
      client = createGrpcClient(service, address, { apiKey: this.serviceKey, ...this.channel });
      this.clients.set(key, client);
    }
    return client;
  }

  private ownAddress(): string {
    const port = this.server.port ?? this.config.grpc.port;
    const host = ['0.0.0.0', '::', '[::]'].includes(this.config.grpc.host)
      ? '127.0.0.1'
      : this.config.grpc.host;
    return `${host}:${port}`;
  }
}
