import {
  AgentService,
  RunStatus,
  type RunResponse,
  type RunStep,
} from '@cairn/contracts/cairn/agent/v1/agent';
import { AuditService } from '@cairn/contracts/cairn/audit/v1/audit';
import { DocumentStatus, IngestionService } from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { RetrievalService, SearchMode } from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { createGrpcClient, type GrpcClient } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';

/** The public APIs a tenant's key reaches on one endpoint. */
export interface TenantClients {
  readonly ingestion: GrpcClient<typeof IngestionService>;
  readonly retrieval: GrpcClient<typeof RetrievalService>;
  readonly agents: GrpcClient<typeof AgentService>;
  readonly audit: GrpcClient<typeof AuditService>;
  close(): void;
}

export function tenantClients(address: string, apiKey: string): TenantClients {
  const clients = {
    ingestion: createGrpcClient(IngestionService, address, { apiKey }),
    retrieval: createGrpcClient(RetrievalService, address, { apiKey }),
    agents: createGrpcClient(AgentService, address, { apiKey }),
    audit: createGrpcClient(AuditService, address, { apiKey }),
  };
  return { ...clients, close: () => Object.values(clients).forEach((client) => client.close()) };
}

/** Ingests a Markdown document and waits until search finds its current version; returns its id. */
export async function ingestSearchable(
  clients: Pick<TenantClients, 'ingestion' | 'retrieval'>,
  externalId: string,
  text: string,
  collection = 'handbook',
): Promise<string> {
  const { documentId, version } = await clients.ingestion.ingest({
    document: { collection, externalId, mimeType: 'text/markdown', content: { case: 'text', value: text } },
  });
  await waitFor(
    async () => {
      const { document } = await clients.ingestion.getDocument({ documentId });
      if (document?.status !== DocumentStatus.INDEXED || document.version !== version) return false;
      const { chunks } = await clients.retrieval.search({
        query: text,
        mode: SearchMode.KEYWORD,
        topK: 1,
        filter: { must: [{ key: 'document_id', match: { case: 'equals', value: documentId } }] },
      });
      return chunks[0]?.chunk?.documentVersion === version;
    },
    { timeoutMs: 90_000, intervalMs: 100, description: `${externalId} v${version} to be searchable` },
  );
  return documentId;
}

/** A streamed run, drained: its id, the steps in order, and the status of the last message. */
export interface DrainedRun {
  readonly runId: string;
  readonly steps: RunStep[];
  readonly status: RunStatus;
  readonly statuses: RunStatus[];
}

export async function drainRun(stream: AsyncIterable<RunResponse>): Promise<DrainedRun> {
  let runId = '';
  const steps: RunStep[] = [];
  const statuses: RunStatus[] = [];
  for await (const response of stream) {
    runId = response.runId;
    if (response.step) steps.push(response.step);
    statuses.push(response.status);
  }
  return { runId, steps, status: statuses.at(-1) ?? RunStatus.UNSPECIFIED, statuses };
}

type StepCase = NonNullable<RunStep['kind']['case']>;
type StepValue<K extends StepCase> =
  Extract<RunStep['kind'], { case: K }> extends { value: infer V } ? V : never;

/** The steps of one kind. */
export function stepsOf<K extends StepCase>(steps: readonly RunStep[], kind: K): StepValue<K>[] {
  const out: StepValue<K>[] = [];
  for (const step of steps) if (step.kind.case === kind) out.push(step.kind.value as StepValue<K>);
  return out;
}
