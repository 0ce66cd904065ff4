import { Module } from '@nestjs/common';
import { AgentRunnerGrpcController } from './grpc/agent-runner.grpc-controller.js';

/** The agent-runner service: its gRPC controllers, event consumers and domain providers. */
@Module({
  providers: [AgentRunnerGrpcController],
})
export class AgentRunnerModule {}
