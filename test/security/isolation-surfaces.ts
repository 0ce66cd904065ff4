import assert from 'node:assert/strict';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import type { AuditRecord } from '@cairn/contracts/cairn/audit/v1/audit';
import type { Citation } from '@cairn/contracts/cairn/common/v1/common';
import {
  SearchMode,
  type MetadataFilterSchema,
  type ScoredChunk,
} from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { GrpcError, Status } from '@cairn/grpc';
import { waitFor } from '@cairn/testing';
import { drainRun, stepsOf } from '../support/agent-clients.js';
import type { Prng } from '../support/prng.js';
import {
  COLLECTIONS,
  LANGS,
  othersOf,
  TEAMS,
  words,
  type TenantWorld,
  type World,
} from './isolation-world.js';

export const MODES = [SearchMode.UNSPECIFIED, SearchMode.DENSE, SearchMode.KEYWORD, SearchMode.HYBRID];
const QUERIES_PER_TENANT = 6;

/** What a surface check sees: the world, the tenant under test and the generator. */
export interface IsolationContext {
  readonly world: World;
  readonly tenant: TenantWorld;
  readonly rng: Prng;
  /** Counts results per label, to show the property was not checked on empty answers. */
  readonly seen: Map<string, number>;
}

/**
 * One way data leaves the platform. Each asserts that tenant A never gets B's data through it.
 * A new surface is one more entry.
 */
export interface IsolationSurface {
  readonly name: string;
  /** The surface is the agent-runner's: checked where the topology runs one. */
  readonly needsAgents?: boolean;
  check(ctx: IsolationContext): Promise<void>;
}

export function assertOwn(ctx: IsolationContext, documentIds: Iterable<string>, where: string): void {
  for (const id of documentIds) {
    assert.ok(
      ctx.tenant.documentIds.has(id),
      `${where}: ${ctx.tenant.name} got document ${id} of ${ctx.world.owner.get(id) ?? 'nobody known'}`,
    );
  }
}

/**
 * The one document id of another tenant this tenant names in its requests (filters, Get, Delete,
 * Erase). Its own trail records its own requests, so this one id may appear there; no other may.
 */
function probeId(ctx: IsolationContext): string {
  const named = ctx.tenant.namedForeignIds.values().next();
  if (!named.done) return named.value;
  const id = ctx.rng.pick([...ctx.rng.pick(othersOf(ctx.world, ctx.tenant)).documentIds]);
  ctx.tenant.namedForeignIds.add(id);
  return id;
}

function count(ctx: IsolationContext, label: string, n: number): void {
  if (n > 0) ctx.seen.set(label, (ctx.seen.get(label) ?? 0) + 1);
}

/** Random filter variants: none, collections, metadata must / must_not / any_of, and another tenant's document id. */
function filterVariants(
  ctx: IsolationContext,
): Array<{ label: string; collections: string[]; filter?: MessageInitShape<typeof MetadataFilterSchema> }> {
  const { rng } = ctx;
  const foreign = probeId(ctx);
  return [
    { label: 'no filter', collections: [] },
    { label: 'collections', collections: rng.sample(COLLECTIONS, rng.int(1, 2)) },
    {
      label: 'metadata',
      collections: [],
      filter: {
        must: [{ key: 'team', match: { case: 'anyOf', value: { values: rng.sample(TEAMS, 2) } } }],
        mustNot: [{ key: 'lang', match: { case: 'equals', value: rng.pick(LANGS) } }],
      },
    },
    {
      label: 'another tenant’s document id',
      collections: [],
      filter: { must: [{ key: 'document_id', match: { case: 'equals', value: foreign } }] },
    },
  ];
}

const searchAndContext: IsolationSurface = {
  name: 'Search and BuildContext, every mode, with and without filters',
  async check(ctx) {
    const { tenant, rng } = ctx;
    for (let q = 0; q < QUERIES_PER_TENANT; q++) {
      const query = words(rng, 2, 4);
      for (const mode of MODES) {
        for (const { label, collections, filter } of filterVariants(ctx)) {
          const request = { query, mode, collections, topK: 20, ...(filter ? { filter } : {}) };
          const where = `${SearchMode[mode]} '${query}' (${label})`;
          const found = await tenant.retrieval.search(request);
          tenant.searchRequestIds.push(found.requestId);
          assertOwn(ctx, found.chunks.map(documentOf), `Search ${where}`);
          count(ctx, `Search ${SearchMode[mode]} ${label}`, found.chunks.length);
          const built = await tenant.retrieval.buildContext({ ...request, tokenBudget: 400 });
          tenant.searchRequestIds.push(built.requestId);
          assertOwn(ctx, built.chunks.map(documentOf), `BuildContext chunks ${where}`);
          assertOwn(
            ctx,
            built.citations.map((c: Citation) => c.documentId),
            `BuildContext citations ${where}`,
          );
          count(ctx, `BuildContext ${SearchMode[mode]} ${label}`, built.citations.length);
          if (label === 'another tenant’s document id')
            assert.equal(found.chunks.length + built.chunks.length, 0, `${where} found something`);
        }
      }
    }
  },
};

const documents: IsolationSurface = {
  name: 'ListDocuments, GetDocument and DeleteDocument',
  async check(ctx) {
    const { tenant } = ctx;
    const listed = await tenant.ingestion.listDocuments({ page: { pageSize: 500 } });
    assertOwn(
      ctx,
      listed.documents.map((d) => d.documentId),
      'ListDocuments',
    );
    assert.equal(listed.documents.length, tenant.documentIds.size, 'ListDocuments lists every own document');
    const foreignId = probeId(ctx);
    const victim = ctx.world.tenants.find((t) => t.documentIds.has(foreignId))!;
    for (const attempt of [
      () => tenant.ingestion.getDocument({ documentId: foreignId }),
      () => tenant.ingestion.deleteDocument({ documentId: foreignId }),
    ]) {
      await assert.rejects(attempt(), (e: unknown) => e instanceof GrpcError && e.code === Status.NOT_FOUND);
    }
    const still = await victim.ingestion.getDocument({ documentId: foreignId });
    assert.equal(still.document?.documentId, foreignId, 'the other tenant still has its document');
  },
};

/** Every record of the tenant's trail through Query, page by page. */
async function queryAll(tenant: TenantWorld): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let pageToken = '';
  do {
    const page = await tenant.audit.query({ includePayload: true, page: { pageSize: 500, pageToken } });
    records.push(...page.records);
    pageToken = page.page?.nextPageToken ?? '';
  } while (pageToken);
  return records;
}

function assertOwnRecords(ctx: IsolationContext, records: readonly AuditRecord[], where: string): void {
  // What the tenant named itself (a filter on another tenant's document id) is its own request, not a leak.
  const foreignStrings = othersOf(ctx.world, ctx.tenant)
    .flatMap((t) => [t.name, ...t.documentIds])
    .filter((s) => !ctx.tenant.namedForeignIds.has(s));
  for (const record of records) {
    assert.equal(record.tenant, ctx.tenant.name, `${where}: record ${record.id} of tenant ${record.tenant}`);
    assert.ok(record.id.startsWith(`${ctx.tenant.name}/`), `${where}: record id ${record.id}`);
    assertOwn(
      ctx,
      record.subjects.filter((s) => s.kind === 'document').map((s) => s.id),
      `${where}: subjects of ${record.id}`,
    );
    const payload = Buffer.from(record.payload).toString('latin1');
    const leaked = foreignStrings.filter((s) => payload.includes(s));
    assert.deepEqual(leaked, [], `${where}: payload of ${record.id} names another tenant's data`);
  }
}

const auditTrail: IsolationSurface = {
  name: 'AuditService Query, Export, Verify, Explain and Erase',
  async check(ctx) {
    const { tenant, rng } = ctx;
    const queried = await queryAll(tenant);
    assertOwnRecords(ctx, queried, 'Query');
    count(ctx, 'audit records', queried.length);
    const exported: AuditRecord[] = [];
    for await (const { record } of tenant.audit.export({ includePayload: true }))
      if (record) exported.push(record);
    assertOwnRecords(ctx, exported, 'Export');
    const verified = await tenant.audit.verify({});
    assert.equal(verified.ok, true, verified.detail);
    const after = await queryAll(tenant);
    assert.ok(verified.checkedCount <= BigInt(after.length), 'Verify checked only the tenant’s own chain');

    // Explain: an own search is explained from own chunks; another tenant's search is not found.
    const own = rng.pick(tenant.searchRequestIds);
    const explained = await waitFor(
      () => tenant.audit.explain({ subject: { case: 'requestId', value: own } }).catch(() => undefined),
      { timeoutMs: 60_000, intervalMs: 100, description: `the explanation of ${own}` },
    );
    assertOwn(
      ctx,
      explained.retrievals.flatMap((r) => r.chunks.map((c) => c.chunk?.documentId ?? '')).filter(Boolean),
      'Explain',
    );
    const victim = rng.pick(othersOf(ctx.world, tenant));
    const theirs = rng.pick(victim.searchRequestIds);
    await waitFor(
      () => victim.audit.explain({ subject: { case: 'requestId', value: theirs } }).catch(() => undefined),
      {
        timeoutMs: 60_000,
        intervalMs: 100,
        description: `${victim.name}'s explanation of ${theirs}`,
      },
    );
    await assert.rejects(
      tenant.audit.explain({ subject: { case: 'requestId', value: theirs } }),
      (e: unknown) => e instanceof GrpcError && e.code === Status.NOT_FOUND,
      `${tenant.name} explained ${victim.name}'s search`,
    );
    // Erase names another tenant's document: nothing of it is erased.
    const erased = await tenant.audit.erase({ scope: { case: 'documentId', value: probeId(ctx) } });
    assert.equal(erased.erasedCount, 0n, `${tenant.name} erased records about another tenant's document`);
  },
};

/** The session every tenant's runs share the id of: memory must still be per tenant. */
const SHARED_SESSION = 'shared-session';

const agentRuns: IsolationSurface = {
  name: 'AgentService runs: answers, retrievals, session memory, GetRun and ListRuns',
  needsAgents: true,
  async check(ctx) {
    const { tenant, rng } = ctx;
    const agents = tenant.agents;
    if (!agents) throw new Error('the agent surface needs the agent-runner');
    for (let turn = 0; turn < 2; turn++) {
      const run = await drainRun(
        agents.run({
          agent: 'default',
          input: `${words(rng, 2, 4)}?`,
          sessionId: SHARED_SESSION,
          userId: 'shared-user',
        }),
      );
      assert.equal(run.status, RunStatus.SUCCEEDED, `${tenant.name}: run ${run.runId}`);
      tenant.runIds.push(run.runId);
      const cited = stepsOf(run.steps, 'retrieval').flatMap((r) => r.citations.map((c) => c.documentId));
      assertOwn(ctx, cited, 'agent run retrievals');
      assertOwn(
        ctx,
        stepsOf(run.steps, 'finalAnswer').flatMap((a) => a.citations.map((c) => c.documentId)),
        'agent answer',
      );
      count(ctx, 'agent run citations', cited.length);
      const [recall] = stepsOf(run.steps, 'memoryRecall');
      assert.equal(
        recall?.sessionMessages,
        2 * turn,
        `${tenant.name}: only its own turns of the shared session id`,
      );
    }
    const listed = await agents.listRuns({ page: { pageSize: 500 } });
    assert.deepEqual(
      listed.runs.map((r) => r.runId).sort(),
      [...tenant.runIds].sort(),
      'ListRuns lists its own runs only',
    );
    for (const other of othersOf(ctx.world, tenant))
      for (const runId of other.runIds)
        await assert.rejects(
          agents.getRun({ runId }),
          (e: unknown) => e instanceof GrpcError && e.code === Status.NOT_FOUND,
          `${tenant.name} reads ${other.name}'s run`,
        );
  },
};

export const SURFACES: readonly IsolationSurface[] = [searchAndContext, documents, auditTrail, agentRuns];

export function documentOf(chunk: ScoredChunk): string {
  return chunk.chunk?.documentId ?? '';
}
