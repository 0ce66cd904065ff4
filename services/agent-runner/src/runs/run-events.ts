import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import type { AgentRun, RunStep } from '@cairn/contracts/cairn/agent/v1/agent';
import {
  AgentRunCompletedSchema,
  AgentRunRequestedSchema,
  AgentStepCompletedSchema,
} from '@cairn/contracts/cairn/agent/v1/events';
import { EventMetaSchema } from '@cairn/contracts/cairn/common/v1/common';
import { stableEventId, topicFor, type EventBus } from '@cairn/events';

const stepTopic = topicFor(AgentStepCompletedSchema);
const completedTopic = topicFor(AgentRunCompletedSchema);
const requestedTopic = topicFor(AgentRunRequestedSchema);

/**
 * The events a run publishes. Ids are derived from the run, so that a step published again after a
 * crash (or by two runners) is dropped by consumers as a duplicate.
 */
export class RunEvents {
  constructor(private readonly bus: EventBus) {}

  async requested(run: AgentRun, idempotencyKey: string, traceparent: string | undefined): Promise<void> {
    const eventId = stableEventId(`${run.runId}:requested`);
    await this.bus.publish(
      requestedTopic,
      create(AgentRunRequestedSchema, {
        tenant: run.tenant,
        runId: run.runId,
        meta: this.meta(run, eventId),
        agent: run.agent,
        input: run.input,
        sessionId: run.sessionId,
        ...(run.budget ? { budget: run.budget } : {}),
        idempotencyKey,
        userId: run.userId,
      }),
      { tenant: run.tenant, eventId, ...(traceparent ? { traceparent } : {}) },
    );
  }

  async stepCompleted(run: AgentRun, step: RunStep, traceparent: string | undefined): Promise<void> {
    const eventId = stableEventId(`${run.runId}:step:${step.index}`);
    await this.bus.publish(
      stepTopic,
      create(AgentStepCompletedSchema, {
        tenant: run.tenant,
        runId: run.runId,
        meta: this.meta(run, eventId),
        agent: run.agent,
        step,
        idempotencyKey: `${run.runId}:${step.index}`,
      }),
      { tenant: run.tenant, eventId, ...(traceparent ? { traceparent } : {}) },
    );
  }

  async runCompleted(run: AgentRun, traceparent: string | undefined): Promise<void> {
    const eventId = stableEventId(`${run.runId}:completed`);
    await this.bus.publish(
      completedTopic,
      create(AgentRunCompletedSchema, {
        tenant: run.tenant,
        runId: run.runId,
        meta: this.meta(run, eventId),
        status: run.status,
        run,
      }),
      { tenant: run.tenant, eventId, ...(traceparent ? { traceparent } : {}) },
    );
  }

  private meta(run: AgentRun, eventId: string) {
    return create(EventMetaSchema, {
      eventId,
      occurredAt: timestampNow(),
      requestId: run.requestId,
      principal: run.principal,
    });
  }
}
