import {
  AuditService,
  type EraseRequest,
  type ExplainRequest,
  type ExportRequest,
  type QueryRequest,
  type VerifyRequest,
} from '@cairn/contracts/cairn/audit/v1/audit';
import {
  GrpcError,
  GrpcService,
  mapErrors,
  Status,
  type CallContext,
  type GrpcServiceImpl,
} from '@cairn/grpc';
import { Explainer } from '../explain/explainer.js';
import { AuditTrail } from '../trail/audit-trail.js';
import { toGrpcError } from './audit-errors.js';

/** gRPC surface of the audit service: one-line delegates; the tenant always comes from the API key. */
@GrpcService(AuditService)
export class AuditGrpcController implements GrpcServiceImpl<typeof AuditService> {
  constructor(
    private readonly trail: AuditTrail,
    private readonly explainer: Explainer,
  ) {}

  async query(request: QueryRequest, context: CallContext) {
    return mapErrors(() => this.trail.query(context.tenant, request), toGrpcError);
  }

  async *export(request: ExportRequest, context: CallContext) {
    try {
      yield* this.trail.export(context.tenant, request, context.signal);
    } catch (error) {
      throw toGrpcError(error);
    }
  }

  async verify(request: VerifyRequest, context: CallContext) {
    return mapErrors(() => this.trail.verify(context.tenant, request), toGrpcError);
  }

  async explain(request: ExplainRequest, context: CallContext) {
    return mapErrors(async () => {
      switch (request.subject.case) {
        case 'runId':
          return this.explainer.explainRun(context.tenant, required(request.subject.value, 'run_id'));
        case 'requestId':
          return this.explainer.explainRequest(context.tenant, required(request.subject.value, 'request_id'));
        case undefined:
          throw new GrpcError(Status.INVALID_ARGUMENT, 'set run_id or request_id', {
            reason: 'MISSING_FIELD',
            field: 'subject',
          });
      }
    }, toGrpcError);
  }

  async erase(request: EraseRequest, context: CallContext) {
    return mapErrors(() => this.trail.erase(context.tenant, request), toGrpcError);
  }
}

function required(value: string, field: string): string {
  if (value === '')
    throw new GrpcError(Status.INVALID_ARGUMENT, `${field} must not be empty`, {
      reason: 'MISSING_FIELD',
      field,
    });
  return value;
}
