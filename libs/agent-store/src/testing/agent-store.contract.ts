import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  AgentRunSchema,
  AgentSchema,
  RunStatus,
  RunStepSchema,
  type AgentRun,
} from '@cairn/contracts/cairn/agent/v1/agent';
import {
  type AgentStore,
  AgentStoreError,
  AgentVersionConflictError,
  LeaseLostError,
} from '../agent-store.port.js';

/** What a suite run needs from an adapter: a fresh store, a way to reopen it, and cleanup. */
export interface AgentStoreHarness {
  readonly store: AgentStore;
  /** Closes the store and opens a new one on the same data (restart). */
  reopen(): Promise<AgentStore>;
  dispose(last: AgentStore): Promise<void>;
}

const T0 = 1_750_000_000_000;

function newRun(
  tenant: string,
  overrides: MessageInitShape<typeof AgentRunSchema> = {},
  createdAt = T0,
): AgentRun {
  return create(AgentRunSchema, {
    runId: randomUUID(),
    tenant,
    agent: 'helper',
    agentVersion: 1,
    input: 'What is the travel policy?',
    status: RunStatus.PENDING,
    createdAt: timestampFromMs(createdAt),
    ...overrides,
  });
}

function step(index: number, text = `step ${index}`) {
  return create(RunStepSchema, {
    index,
    time: timestampFromMs(T0 + index),
    kind: {
      case: 'toolCall',
      value: { callId: `c${index}`, tool: 'retrieve', argumentsJson: JSON.stringify({ q: text }) },
    },
  });
}

/** The contract every {@link AgentStore} adapter passes. */
export function runAgentStoreContract(
  name: string,
  open: () => Promise<AgentStoreHarness>,
  skip?: string,
): void {
  void describe(`AgentStore contract: ${name}`, { ...(skip ? { skip } : {}), timeout: 60_000 }, () => {
    let h: AgentStoreHarness;
    let store: AgentStore;
    before(async () => {
      h = await open();
      store = h.store;
    });
    after(async () => {
      if (h) await h.dispose(store);
    });

    void it('reports itself healthy', async () => {
      assert.equal((await store.health()).ok, true);
    });

    void it('versions agent definitions, keeps equal ones, and checks the expected version', async () => {
      const tenant = `t-${randomUUID()}`;
      const agent = create(AgentSchema, {
        name: 'helper',
        systemPrompt: 'Be brief.',
        allowedTools: ['retrieve'],
      });
      const first = await store.putAgent(tenant, agent, 0, T0);
      assert.deepEqual([first.created, first.changed, first.agent.version], [true, true, 1]);
      assert.equal(first.agent.tenant, tenant);
      const same = await store.putAgent(tenant, { ...agent, version: 7, tenant: 'ignored' }, 0, T0 + 1);
      assert.deepEqual([same.created, same.changed, same.agent.version], [false, false, 1]);
      const changed = await store.putAgent(tenant, { ...agent, systemPrompt: 'Be thorough.' }, 1, T0 + 2);
      assert.deepEqual([changed.created, changed.changed, changed.agent.version], [false, true, 2]);
      assert.equal(Number(changed.agent.createdAt?.seconds), Math.floor(T0 / 1000), 'created_at is kept');
      await assert.rejects(
        store.putAgent(tenant, { ...agent, systemPrompt: 'x' }, 1, T0 + 3),
        (error: unknown) => {
          assert.ok(error instanceof AgentVersionConflictError);
          assert.equal(error.currentVersion, 2);
          return true;
        },
      );
      assert.equal((await store.getAgent(tenant, 'helper'))?.systemPrompt, 'Be thorough.');
      assert.equal((await store.getAgent(tenant, 'helper', 1))?.systemPrompt, 'Be brief.');
      assert.equal(await store.getAgent(`other-${tenant}`, 'helper'), undefined, 'agents belong to a tenant');
    });

    void it('creates runs idempotently by id and by idempotency key, within the tenant', async () => {
      const tenant = `t-${randomUUID()}`;
      const run = newRun(tenant);
      const created = await store.createRun(run, 'key-1');
      assert.equal(created.created, true);
      assert.equal(created.run.status, RunStatus.PENDING);
      assert.equal((await store.createRun(run, 'key-1')).created, false, 'same id');
      const retry = await store.createRun(newRun(tenant), 'key-1');
      assert.deepEqual([retry.created, retry.run.runId], [false, run.runId], 'same idempotency key');
      const elsewhere = await store.createRun(newRun(`other-${tenant}`), 'key-1');
      assert.equal(elsewhere.created, true, 'keys are per tenant');
      assert.equal((await store.createRun(newRun(tenant), '')).created, true, 'no key: always new');
      assert.equal((await store.createRun(newRun(tenant), '')).created, true);
      await assert.rejects(store.createRun({ ...run, tenant: `other-${tenant}` }, ''), AgentStoreError);
      assert.equal((await store.getRun(tenant, run.runId))?.input, run.input);
      assert.equal(await store.getRun(`other-${tenant}`, run.runId), undefined, 'runs belong to a tenant');
    });

    void it('lists runs newest first with filters and pages, and counts them by status', async () => {
      const tenant = `t-${randomUUID()}`;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const run = newRun(
          tenant,
          { agent: i % 2 === 0 ? 'even' : 'odd', sessionId: i < 2 ? 's1' : '' },
          T0 + i,
        );
        ids.push(run.runId);
        await store.createRun(run, '');
      }
      const first = await store.listRuns(tenant, { pageSize: 2 });
      assert.deepEqual(
        first.runs.map((r) => r.runId),
        [ids[4], ids[3]],
      );
      const second = await store.listRuns(tenant, { pageSize: 2, pageToken: first.nextPageToken });
      assert.deepEqual(
        second.runs.map((r) => r.runId),
        [ids[2], ids[1]],
      );
      const third = await store.listRuns(tenant, { pageSize: 2, pageToken: second.nextPageToken });
      assert.deepEqual([third.runs.map((r) => r.runId), third.nextPageToken], [[ids[0]], '']);
      assert.deepEqual(
        (await store.listRuns(tenant, { agent: 'odd' })).runs.map((r) => r.runId),
        [ids[3], ids[1]],
      );
      assert.deepEqual((await store.listRuns(tenant, { sessionId: 's1' })).runs.length, 2);
      await store.claimRun(ids[0] ?? '', 'runner-a', 10_000, T0 + 10);
      assert.equal((await store.listRuns(tenant, { status: RunStatus.RUNNING })).runs.length, 1);
      assert.deepEqual([...(await store.countRuns(tenant))].sort(), [
        [RunStatus.PENDING, 4],
        [RunStatus.RUNNING, 1],
      ]);
      await assert.rejects(store.listRuns(tenant, { pageToken: 'bogus' }), AgentStoreError);
    });

    void it('leases a run to one runner; another takes it over only after the lease expired', async () => {
      const tenant = `t-${randomUUID()}`;
      const run = newRun(tenant);
      await store.createRun(run, '');
      const a = await store.claimRun(run.runId, 'runner-a', 1_000, T0 + 100);
      assert.ok(a);
      const running = await store.getRun(tenant, run.runId);
      assert.equal(running?.status, RunStatus.RUNNING, 'claiming starts the run');
      assert.equal(Number(running?.startedAt?.seconds), Math.floor((T0 + 100) / 1000));
      assert.equal(await store.claimRun(run.runId, 'runner-b', 1_000, T0 + 500), undefined, 'live lease');
      assert.equal(
        (await store.claimRun(run.runId, 'runner-a', 1_000, T0 + 600))?.epoch,
        a.epoch,
        'own lease',
      );
      const renewed = await store.renewLease(a, 1_000, T0 + 900);
      assert.equal(renewed?.expiresAt, T0 + 1_900);
      assert.deepEqual(await store.claimableRuns(T0 + 1_000, T0, 10), [], 'nothing to pick up yet');
      assert.deepEqual(
        (await store.claimableRuns(T0 + 2_000, T0, 10)).map((r) => r.runId),
        [run.runId],
        'the expired lease makes it claimable',
      );
      const b = await store.claimRun(run.runId, 'runner-b', 1_000, T0 + 2_000);
      assert.ok(b && b.epoch > a.epoch);
      await assert.rejects(
        store.appendStep(a, step(0), running ?? run),
        LeaseLostError,
        'the old holder is fenced',
      );
      assert.equal(await store.renewLease(a, 1_000, T0 + 2_100), undefined);
      await store.appendStep(b, step(0), running ?? run);
      assert.equal((await store.steps(run.runId)).length, 1);
      await store.releaseLease(b);
      assert.ok(await store.claimRun(run.runId, 'runner-c', 1_000, T0 + 2_200), 'a released lease is free');
    });

    void it('appends steps in order under the lease and ends the lease with the run', async () => {
      const tenant = `t-${randomUUID()}`;
      const run = newRun(tenant);
      await store.createRun(run, '');
      const lease = await store.claimRun(run.runId, 'runner-a', 60_000, T0);
      assert.ok(lease);
      const snapshot = { ...run, status: RunStatus.RUNNING };
      await store.appendStep(lease, step(0), snapshot);
      await store.appendStep(lease, step(1), snapshot);
      await assert.rejects(store.appendStep(lease, step(3), snapshot), /not its next step/);
      await assert.rejects(store.appendStep(lease, step(1), snapshot), AgentStoreError);
      await store.markPublished(run.runId, [0]);
      assert.deepEqual(
        (await store.steps(run.runId, 1)).map((s) => s.step.index),
        [1],
        'steps from an index',
      );
      const stored = await store.steps(run.runId);
      assert.deepEqual(
        stored.map((s) => [s.step.index, s.published, s.step.kind.case]),
        [
          [0, true, 'toolCall'],
          [1, false, 'toolCall'],
        ],
      );
      await store.setPreparedContext(lease, '{"memory":[]}');
      assert.equal(await store.preparedContext(run.runId), '{"memory":[]}');
      assert.ok(
        !(await store.finishedRunsWithUnpublishedSteps(1000)).includes(run.runId),
        'a running run publishes its own steps',
      );
      await store.appendStep(lease, step(2), {
        ...snapshot,
        status: RunStatus.SUCCEEDED,
        answer: 'Economy [1]',
      });
      assert.ok((await store.finishedRunsWithUnpublishedSteps(1000)).includes(run.runId));
      await store.markPublished(run.runId, [1, 2]);
      assert.ok(!(await store.finishedRunsWithUnpublishedSteps(1000)).includes(run.runId));
      const done = await store.getRun(tenant, run.runId);
      assert.deepEqual([done?.status, done?.answer], [RunStatus.SUCCEEDED, 'Economy [1]']);
      assert.equal(await store.claimRun(run.runId, 'runner-b', 1_000, T0 + 999_999), undefined, 'finished');
      await assert.rejects(
        store.updateRun(lease, snapshot),
        LeaseLostError,
        'a finished run takes no writes',
      );
      assert.deepEqual(
        await store
          .claimableRuns(T0 + 999_999, T0 + 999_999, 10)
          .then((r) => r.filter((x) => x.runId === run.runId)),
        [],
      );
    });

    void it('cancels a pending run at once and flags a running one', async () => {
      const tenant = `t-${randomUUID()}`;
      const pending = newRun(tenant);
      await store.createRun(pending, '');
      const cancelled = await store.requestCancel(tenant, pending.runId, 'changed my mind', T0 + 5);
      assert.equal(cancelled?.status, RunStatus.CANCELLED);
      assert.equal(cancelled?.error?.message, 'changed my mind');
      assert.equal(await store.claimRun(pending.runId, 'runner-a', 1_000, T0 + 6), undefined);
      const running = newRun(tenant);
      await store.createRun(running, '');
      await store.claimRun(running.runId, 'runner-a', 1_000, T0);
      assert.equal(await store.cancelRequested(running.runId), false);
      const flagged = await store.requestCancel(tenant, running.runId, 'stop', T0 + 7);
      assert.deepEqual([flagged?.status, flagged?.cancelRequested], [RunStatus.RUNNING, true]);
      assert.equal(await store.cancelRequested(running.runId), true);
      assert.equal((await store.getRun(tenant, running.runId))?.cancelRequested, true);
      assert.equal(await store.requestCancel(`other-${tenant}`, running.runId, 'x', T0), undefined);
    });

    void it('finds pending runs nobody claimed in time', async () => {
      const tenant = `t-${randomUUID()}`;
      const old = newRun(tenant, {}, T0 - 60_000);
      const fresh = newRun(tenant, {}, T0);
      await store.createRun(old, '');
      await store.createRun(fresh, '');
      const ids = (await store.claimableRuns(T0, T0 - 30_000, 1000)).map((r) => r.runId);
      assert.ok(ids.includes(old.runId));
      assert.ok(!ids.includes(fresh.runId));
    });

    void it('keeps session memory and returns a session’s succeeded runs newest first', async () => {
      const tenant = `t-${randomUUID()}`;
      const session = `s-${randomUUID()}`;
      for (let i = 0; i < 3; i++) {
        const run = newRun(tenant, { sessionId: session, input: `q${i}` }, T0 + i);
        await store.createRun(run, '');
        const lease = await store.claimRun(run.runId, 'r', 60_000, T0 + i);
        assert.ok(lease);
        const status = i === 1 ? RunStatus.FAILED : RunStatus.SUCCEEDED;
        await store.updateRun(lease, { ...run, status, answer: `a${i}` });
      }
      const turns = await store.sessionRuns(tenant, session, T0 + 100, 10);
      assert.deepEqual(
        turns.map((r) => r.input),
        ['q2', 'q0'],
      );
      assert.deepEqual(
        (await store.sessionRuns(tenant, session, T0 + 2, 10)).map((r) => r.input),
        ['q0'],
      );
      assert.equal(await store.getSessionMemory(tenant, session), undefined);
      await store.saveSessionMemory(tenant, session, {
        summary: 'asked about q0',
        summarizedThrough: T0,
        expiresAt: T0 + 9,
      });
      await store.saveSessionMemory(tenant, session, {
        summary: 'asked q0, q2',
        summarizedThrough: T0 + 2,
        expiresAt: T0 + 10,
      });
      assert.deepEqual(await store.getSessionMemory(tenant, session), {
        summary: 'asked q0, q2',
        summarizedThrough: T0 + 2,
        expiresAt: T0 + 10,
      });
      assert.equal(await store.getSessionMemory(`other-${tenant}`, session), undefined);
    });

    void it('keeps everything across a restart', async () => {
      const tenant = `t-${randomUUID()}`;
      const run = newRun(tenant);
      await store.createRun(run, 'restart');
      const lease = await store.claimRun(run.runId, 'r', 60_000, T0);
      assert.ok(lease);
      await store.appendStep(lease, step(0), { ...run, status: RunStatus.RUNNING });
      await store.putAgent(tenant, create(AgentSchema, { name: 'kept' }), 0, T0);
      store = await h.reopen();
      assert.equal((await store.getRun(tenant, run.runId))?.status, RunStatus.RUNNING);
      assert.equal((await store.steps(run.runId)).length, 1);
      assert.equal((await store.getAgent(tenant, 'kept'))?.version, 1);
      assert.ok(await store.renewLease(lease, 60_000, T0 + 1), 'the lease survives too');
    });
  });
}
