import { Inject } from '@nestjs/common';
import type { MessageShape } from '@bufbuild/protobuf';
import type { AgentStore } from '@cairn/agent-store';
import { AgentRunRequestedSchema } from '@cairn/contracts/cairn/agent/v1/events';
import { EventConsumer, stableEventId, type EventEnvelope, type EventHandler } from '@cairn/events';
import { RunService } from '../runs/run-service.js';
import { AGENT_STORE } from '../store/agent-store.provider.js';

/**
 * Runs requested by other systems on `cairn.agent.run-requested.v1` (protobuf or JSON). The run id
 * is the producer's, or derived from its idempotency key or the event, so a redelivery never starts a
 * second run. A request that cannot run (unknown agent, empty input) is retried, then dead-lettered
 * with its cause. Runs the API started are on this topic too: they are already recorded and skipped.
 */
@EventConsumer(AgentRunRequestedSchema, { group: 'agent-runner' })
export class AgentRunRequestedConsumer implements EventHandler<typeof AgentRunRequestedSchema> {
  constructor(
    private readonly runs: RunService,
    @Inject(AGENT_STORE) private readonly store: AgentStore,
  ) {}

  async handle(event: EventEnvelope<MessageShape<typeof AgentRunRequestedSchema>>): Promise<void> {
    const request = event.payload;
    const runId =
      request.runId ||
      stableEventId(
        request.idempotencyKey
          ? `${event.tenant}:run:${request.idempotencyKey}`
          : `run-requested:${event.id}`,
      );
    if (await this.store.findRun(runId)) return;
    await this.runs.start(
      {
        tenant: event.tenant,
        agent: request.agent,
        input: request.input,
        sessionId: request.sessionId,
        userId: request.userId,
        budget: request.budget,
        requestId: request.meta?.requestId || event.id,
        idempotencyKey: request.idempotencyKey,
        runId,
      },
      {
        principal: request.meta?.principal || `kafka:${event.topic}`,
        traceparent: event.traceparent,
        publishRequested: false,
      },
    );
  }
}
