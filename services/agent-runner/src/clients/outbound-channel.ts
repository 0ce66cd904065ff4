import type { ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import { channelCredentialsFromFiles } from '@cairn/grpc';
import type { AgentRunnerConfig } from '../agent-runner.config.js';

/** How the runner's calls to other services (tools, MCP server) reach them. */
export interface OutboundChannel {
  readonly credentials?: ChannelCredentials;
  readonly channelOptions?: ChannelOptions;
}

/**
 * Plaintext by default; TLS when `agent.grpcCaFile` is set, with this process's own gRPC certificate
 * as client certificate when it serves TLS (services requiring mTLS accept their peers).
 */
export function outboundChannel(config: AgentRunnerConfig): OutboundChannel {
  const { grpcCaFile, grpcTlsServerName } = config.agent;
  if (!grpcCaFile) return {};
  const { certFile, keyFile } = config.grpc.tls;
  return {
    credentials: channelCredentialsFromFiles({ caFile: grpcCaFile, certFile, keyFile }),
    ...(grpcTlsServerName ? { channelOptions: { 'grpc.ssl_target_name_override': grpcTlsServerName } } : {}),
  };
}
