import { create } from '@bufbuild/protobuf';
import {
  AgentService,
  CancelRunResponseSchema,
  GetAgentResponseSchema,
  GetRunResponseSchema,
  ListRunsResponseSchema,
  PutAgentResponseSchema,
  RunResponseSchema,
  StartRunResponseSchema,
  type CancelRunRequest,
  type GetAgentRequest,
  type GetRunRequest,
  type ListRunsRequest,
  type PutAgentRequest,
  type RunRequest,
  type StartRunRequest,
} from '@cairn/contracts/cairn/agent/v1/agent';
import {
  GrpcError,
  GrpcService,
  mapErrors,
  Status,
  type CallContext,
  type GrpcServiceImpl,
} from '@cairn/grpc';
import { AgentCatalog } from '../agents/agent-catalog.js';
import { RunSubjectNotFoundError, RunService, type RunOrigin, type RunStart } from '../runs/run-service.js';
import { toGrpcError } from './agent-errors.js';

const MAX_PAGE_SIZE = 500;

/** gRPC surface of the agent-runner: delegates to the agent catalog and the run service. */
@GrpcService(AgentService)
export class AgentRunnerGrpcController implements GrpcServiceImpl<typeof AgentService> {
  constructor(
    private readonly catalog: AgentCatalog,
    private readonly runs: RunService,
  ) {}

  putAgent(request: PutAgentRequest, context: CallContext) {
    return mapErrors(async () => {
      if (!request.agent)
        throw new GrpcError(Status.INVALID_ARGUMENT, 'agent is required', {
          reason: 'INVALID_ARGUMENT',
          field: 'agent',
        });
      const result = await this.catalog.put(context.tenant, request.agent, request.expectedVersion);
      return create(PutAgentResponseSchema, { agent: result.agent, created: result.created });
    }, toGrpcError);
  }

  getAgent(request: GetAgentRequest, context: CallContext) {
    return mapErrors(async () => {
      const agent = await this.catalog.get(context.tenant, request.name);
      if (!agent)
        throw new RunSubjectNotFoundError(`agent ${request.name} does not exist`, 'AGENT_NOT_FOUND');
      return create(GetAgentResponseSchema, { agent });
    }, toGrpcError);
  }

  async *run(request: RunRequest, context: CallContext) {
    const { run } = await mapErrors(
      () => this.runs.start(toStart(request, context), origin(context)),
      toGrpcError,
    );
    const progress = this.runs.follow(context.tenant, run.runId, context.signal, true);
    for await (const { step, status } of progress)
      yield create(RunResponseSchema, { runId: run.runId, step, status });
  }

  startRun(request: StartRunRequest, context: CallContext) {
    return mapErrors(async () => {
      const { run } = await this.runs.start(toStart(request, context), origin(context));
      return create(StartRunResponseSchema, { run });
    }, toGrpcError);
  }

  getRun(request: GetRunRequest, context: CallContext) {
    return mapErrors(async () => {
      const { run, steps } = await this.runs.get(context.tenant, request.runId);
      return create(GetRunResponseSchema, { run, steps: request.includeSteps ? await steps() : [] });
    }, toGrpcError);
  }

  cancelRun(request: CancelRunRequest, context: CallContext) {
    return mapErrors(async () => {
      const run = await this.runs.cancel(context.tenant, request.runId, request.reason);
      return create(CancelRunResponseSchema, { run });
    }, toGrpcError);
  }

  listRuns(request: ListRunsRequest, context: CallContext) {
    return mapErrors(async () => {
      const size = request.page?.pageSize ?? 0;
      if (size < 0)
        throw new GrpcError(Status.INVALID_ARGUMENT, 'page.page_size must not be negative', {
          reason: 'INVALID_ARGUMENT',
          field: 'page.page_size',
        });
      const page = await this.runs.list(context.tenant, {
        agent: request.agent,
        status: request.status,
        sessionId: request.sessionId,
        pageSize: Math.min(size || 50, MAX_PAGE_SIZE),
        pageToken: request.page?.pageToken ?? '',
      });
      return create(ListRunsResponseSchema, { runs: page.runs, page: { nextPageToken: page.nextPageToken } });
    }, toGrpcError);
  }
}

function toStart(request: RunRequest | StartRunRequest, context: CallContext): RunStart {
  return {
    tenant: context.tenant,
    agent: request.agent,
    input: request.input,
    sessionId: request.sessionId,
    userId: request.userId,
    budget: request.budget,
    requestId: request.requestId,
    idempotencyKey: request.idempotencyKey,
    runId: '',
  };
}

function origin(context: CallContext): RunOrigin {
  return { principal: context.principal ?? '', traceparent: context.traceparent, publishRequested: true };
}
