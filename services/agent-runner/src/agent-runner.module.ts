import { Module } from '@nestjs/common';
import { AgentCatalog } from './agents/agent-catalog.js';
import { PlatformClients } from './clients/platform-clients.js';
import { AgentRunRequestedConsumer } from './events/agent-run-requested.consumer.js';
import { AgentRunnerGrpcController } from './grpc/agent-runner.grpc-controller.js';
import { CairnMcpServer } from './mcp/cairn-mcp.server.js';
import { ConversationMemory } from './memory/conversation-memory.js';
import { LongTermMemory } from './memory/long-term-memory.js';
import { ModelProvider } from './models/model-provider.js';
import { RunEngine } from './runs/run-engine.js';
import { RunHub } from './runs/run-hub.js';
import { RunPreparation } from './runs/run-preparation.js';
import { RunScheduler } from './runs/run-scheduler.js';
import { RunService } from './runs/run-service.js';
import { agentStoreProvider } from './store/agent-store.provider.js';
import { ToolRegistry } from './tools/tool-registry.js';

/**
 * The agent-runner service: durable agent runs (gRPC AgentService, Kafka intake), tools (retrieve,
 * remember, http, MCP servers), memory, guardrails, and Cairn's own MCP server.
 */
@Module({
  providers: [
    agentStoreProvider,
    PlatformClients,
    ModelProvider,
    LongTermMemory,
    ConversationMemory,
    ToolRegistry,
    AgentCatalog,
    RunHub,
    RunPreparation,
    RunEngine,
    RunScheduler,
    RunService,
    AgentRunnerGrpcController,
    AgentRunRequestedConsumer,
    CairnMcpServer,
  ],
})
export class AgentRunnerModule {}
