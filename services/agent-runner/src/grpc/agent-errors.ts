import { AgentStoreError, AgentStoreUnavailableError, AgentVersionConflictError } from '@cairn/agent-store';
import { GrpcError, Status } from '@cairn/grpc';
import { InvalidAgentError } from '../agents/agent-catalog.js';
import { InvalidRunRequestError, RunSubjectNotFoundError } from '../runs/run-service.js';

/** Domain failures of the agent API as gRPC statuses with a reason; anything else passes through. */
export function toGrpcError(error: unknown): unknown {
  if (error instanceof GrpcError) return error;
  if (error instanceof InvalidAgentError || error instanceof InvalidRunRequestError)
    return new GrpcError(Status.INVALID_ARGUMENT, error.message, {
      reason: 'INVALID_ARGUMENT',
      field: error.field,
    });
  if (error instanceof RunSubjectNotFoundError)
    return new GrpcError(Status.NOT_FOUND, error.message, { reason: error.reason });
  if (error instanceof AgentVersionConflictError)
    return new GrpcError(Status.FAILED_PRECONDITION, error.message, {
      reason: 'AGENT_VERSION_CONFLICT',
      field: 'expected_version',
      metadata: { current_version: String(error.currentVersion) },
    });
  if (error instanceof AgentStoreUnavailableError)
    return new GrpcError(Status.UNAVAILABLE, 'the agent store is unavailable; retry later', {
      reason: 'STORE_UNAVAILABLE',
    });
  if (error instanceof AgentStoreError && /page_token|page_size/.test(error.message))
    return new GrpcError(Status.INVALID_ARGUMENT, error.message, {
      reason: 'INVALID_ARGUMENT',
      field: 'page',
    });
  return error;
}
