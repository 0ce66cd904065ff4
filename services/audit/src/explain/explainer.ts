import { Inject, Injectable } from '@nestjs/common';
import { create, fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { AuditStore } from '@cairn/audit-store';
import {
  AgentRunCompletedSchema,
  AgentRunRequestedSchema,
  AgentStepCompletedSchema,
} from '@cairn/contracts/cairn/agent/v1/events';
import {
  ChunkProvenanceSchema,
  ExplainResponseSchema,
  RetrievalProvenanceSchema,
  ToolCallProvenanceSchema,
  type AuditRecord,
  type ExplainResponse,
  type RetrievalProvenance,
} from '@cairn/contracts/cairn/audit/v1/audit';
import { SearchPerformedSchema, type SearchPerformed } from '@cairn/contracts/cairn/retrieval/v1/events';
import { AUDIT_STORE } from '../store/audit-store.provider.js';
import { AuditSubjectNotFoundError } from '../trail/audit-errors.js';
import { readAll } from '../trail/read-all.js';

/**
 * Rebuilds the provenance of a search or an agent run from the recorded payloads: the question,
 * the retrievals with the chunks returned (document, version, chunk hash, score), model calls,
 * tool calls, guardrail verdicts and the answer. Parts whose records are missing or erased make
 * the explanation incomplete rather than wrong.
 */
@Injectable()
export class Explainer {
  constructor(@Inject(AUDIT_STORE) private readonly store: AuditStore) {}

  /** A search request, or the run a request started. */
  async explainRequest(tenant: string, requestId: string): Promise<ExplainResponse> {
    const records = await this.recordsAbout(tenant, 'request', requestId);
    const search = records.find((r) => r.eventType === SearchPerformedSchema.typeName);
    if (search !== undefined) {
      const performed = decode(SearchPerformedSchema, search);
      const response = create(ExplainResponseSchema, {
        requestId,
        principal: search.principal,
        recordIds: [search.id],
        complete: performed !== undefined,
        ...(search.occurredAt ? { startedAt: search.occurredAt } : {}),
      });
      if (performed !== undefined) {
        response.question = performed.query;
        response.model = performed.model;
        response.retrievals.push(toRetrieval(performed, search));
      }
      return response;
    }
    const runId = records.map(runIdOf).find((id) => id !== '');
    if (runId !== undefined) return this.explainRun(tenant, runId);
    throw new AuditSubjectNotFoundError(
      `no search or run of request ${requestId} is recorded`,
      'REQUEST_NOT_FOUND',
    );
  }

  async explainRun(tenant: string, runId: string): Promise<ExplainResponse> {
    const records = await this.recordsAbout(tenant, 'run', runId);
    if (records.length === 0)
      throw new AuditSubjectNotFoundError(`no record of run ${runId}`, 'RUN_NOT_FOUND');
    const response = create(ExplainResponseSchema, { runId, recordIds: records.map((r) => r.id) });
    const searches = new Map<string, { performed: SearchPerformed; record: AuditRecord }>();
    let complete = true;
    let ended = false;
    let stepsTaken = 0;
    const stepIndexes = new Set<number>();
    for (const record of records) {
      if (record.payloadErased) complete = false;
      switch (record.eventType) {
        case AgentRunRequestedSchema.typeName: {
          const requested = decode(AgentRunRequestedSchema, record);
          if (!requested) break;
          response.agent = requested.agent;
          response.question = requested.input;
          response.principal = requested.meta?.principal || record.principal;
          response.requestId = requested.meta?.requestId ?? '';
          if (record.occurredAt) response.startedAt = record.occurredAt;
          break;
        }
        case AgentStepCompletedSchema.typeName: {
          const step = decode(AgentStepCompletedSchema, record)?.step;
          if (step && !stepIndexes.has(step.index)) {
            stepIndexes.add(step.index);
            this.addStep(response, step);
          }
          break;
        }
        case AgentRunCompletedSchema.typeName: {
          const completed = decode(AgentRunCompletedSchema, record);
          if (!completed) break;
          ended = true;
          const run = completed.run;
          response.status = completed.status;
          if (run) {
            stepsTaken = run.usage?.steps ?? 0;
            response.agent ||= run.agent;
            response.agentVersion = run.agentVersion;
            response.question ||= run.input;
            response.principal ||= run.principal;
            response.requestId ||= run.requestId;
            response.answer ||= run.answer;
            response.model ||= run.model;
            if (response.citations.length === 0) response.citations = run.citations;
            if (run.startedAt && !response.startedAt) response.startedAt = run.startedAt;
            if (run.completedAt) response.completedAt = run.completedAt;
          }
          break;
        }
        case SearchPerformedSchema.typeName: {
          const performed = decode(SearchPerformedSchema, record);
          if (performed) searches.set(performed.requestId, { performed, record });
          break;
        }
      }
    }
    // Every step the run reports taking must be on record, without a hole in the indexes.
    const stepsComplete =
      stepIndexes.size >= stepsTaken && [...stepIndexes].every((index) => index < stepIndexes.size);
    complete = (await this.attachSearches(tenant, response, searches)) && complete && ended && stepsComplete;
    response.complete = complete;
    return response;
  }

  private addStep(
    response: ExplainResponse,
    step: NonNullable<MessageShape<typeof AgentStepCompletedSchema>['step']>,
  ): void {
    const kind = step.kind;
    switch (kind.case) {
      case 'modelCall':
        response.modelCalls.push(kind.value);
        response.model = kind.value.model;
        break;
      case 'toolCall':
        response.toolCalls.push(
          create(ToolCallProvenanceSchema, {
            stepIndex: step.index,
            callId: kind.value.callId,
            tool: kind.value.tool,
            argumentsJson: kind.value.argumentsJson,
          }),
        );
        break;
      case 'toolResult': {
        const call = response.toolCalls.find((c) => c.callId === kind.value.callId);
        if (call) {
          call.result = kind.value.content;
          call.isError = kind.value.isError;
        } else {
          response.toolCalls.push(
            create(ToolCallProvenanceSchema, {
              stepIndex: step.index,
              callId: kind.value.callId,
              tool: kind.value.tool,
              result: kind.value.content,
              isError: kind.value.isError,
            }),
          );
        }
        break;
      }
      case 'retrieval':
        response.retrievals.push(
          create(RetrievalProvenanceSchema, {
            requestId: kind.value.requestId,
            query: kind.value.query,
            collections: kind.value.collections,
            ...(step.time ? { time: step.time } : {}),
          }),
        );
        break;
      case 'guardrailVerdict':
        response.guardrailVerdicts.push(kind.value);
        break;
      case 'finalAnswer':
        response.answer = kind.value.text;
        response.citations = kind.value.citations;
        break;
      case 'memoryRecall':
      case 'error':
      case undefined:
        break;
    }
  }

  /**
   * Fills each retrieval with the chunks its SearchPerformed recorded (looked up by request id when
   * the run's own records lack it), marks the chunks the answer cites. False when a search is missing.
   */
  private async attachSearches(
    tenant: string,
    response: ExplainResponse,
    searches: Map<string, { performed: SearchPerformed; record: AuditRecord }>,
  ): Promise<boolean> {
    let complete = true;
    for (const [index, retrieval] of response.retrievals.entries()) {
      let found = searches.get(retrieval.requestId);
      if (found === undefined && retrieval.requestId !== '') {
        const record = (await this.recordsAbout(tenant, 'request', retrieval.requestId)).find(
          (r) => r.eventType === SearchPerformedSchema.typeName,
        );
        const performed = record && decode(SearchPerformedSchema, record);
        if (record && performed) found = { performed, record };
      }
      searches.delete(retrieval.requestId);
      if (found === undefined) {
        complete = false;
        continue;
      }
      response.retrievals[index] = toRetrieval(found.performed, found.record, retrieval);
      response.recordIds.push(found.record.id);
    }
    // Searches of the run that no retrieval step names (e.g. the runner recorded only the search).
    for (const { performed, record } of searches.values())
      response.retrievals.push(toRetrieval(performed, record));
    for (const retrieval of response.retrievals)
      for (const chunk of retrieval.chunks) {
        const citation = response.citations.find((c) => c.chunkId === chunk.chunk?.chunkId);
        if (citation) {
          chunk.cited = true;
          chunk.citationIndex = citation.index;
          chunk.title = citation.title;
          chunk.sourceUri = citation.sourceUri;
        }
      }
    response.recordIds = [...new Set(response.recordIds)];
    return complete;
  }

  private recordsAbout(tenant: string, kind: string, id: string): Promise<AuditRecord[]> {
    return readAll(this.store, tenant, { subject: { kind, id } }, true);
  }
}

function toRetrieval(
  performed: SearchPerformed,
  record: AuditRecord,
  step?: RetrievalProvenance,
): RetrievalProvenance {
  return create(RetrievalProvenanceSchema, {
    requestId: performed.requestId,
    query: performed.query || step?.query || '',
    mode: performed.mode,
    collections: performed.collections.length > 0 ? performed.collections : (step?.collections ?? []),
    chunks: performed.results.map((result) =>
      create(ChunkProvenanceSchema, {
        ...(result.chunk ? { chunk: result.chunk } : {}),
        score: result.score,
        rank: result.rank,
      }),
    ),
    ...(record.occurredAt ? { time: record.occurredAt } : {}),
    model: performed.model,
  });
}

function runIdOf(record: AuditRecord): string {
  return record.subjects.find((s) => s.kind === 'run')?.id ?? '';
}

/** The record's payload as its event type; undefined when erased. */
function decode<S extends DescMessage>(schema: S, record: AuditRecord): MessageShape<S> | undefined {
  if (record.payloadErased) return undefined;
  return fromBinary(schema, record.payload);
}
