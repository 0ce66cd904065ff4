import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { createAgentStore } from '@cairn/agent-store';
import {
  AgentRunSchema,
  MemorySettingsSchema,
  RunStatus,
  type AgentRun,
} from '@cairn/contracts/cairn/agent/v1/agent';
import { ConversationMemory } from './conversation-memory.js';

const T0 = 1_760_000_000_000;

void describe('ConversationMemory', () => {
  const store = createAgentStore({ backend: 'sqlite', path: ':memory:' });
  const memory = new ConversationMemory(store);
  after(() => store.close());

  async function turn(
    session: string,
    n: number,
    answer = `Answer ${n}. More detail follows.`,
  ): Promise<AgentRun> {
    const run = create(AgentRunSchema, {
      runId: randomUUID(),
      tenant: 'acme',
      agent: 'a',
      input: `Question ${n}? And more.`,
      sessionId: session,
      status: RunStatus.PENDING,
      createdAt: timestampFromMs(T0 + n * 1000),
    });
    await store.migrate();
    await store.createRun(run, '');
    const lease = await store.claimRun(run.runId, 'r', 60_000, T0);
    assert.ok(lease);
    await store.updateRun(lease, {
      ...run,
      status: RunStatus.SUCCEEDED,
      answer,
      completedAt: timestampFromMs(T0 + n * 1000 + 500),
    });
    return run;
  }

  const current = (session: string, n: number) =>
    create(AgentRunSchema, { tenant: 'acme', sessionId: session, createdAt: timestampFromMs(T0 + n * 1000) });

  void it('gives recent turns oldest first within the message budget and summarises the older ones', async () => {
    const session = `s-${randomUUID()}`;
    for (let n = 1; n <= 5; n++) await turn(session, n);
    const context = await memory.context(
      current(session, 6),
      create(MemorySettingsSchema, { enabled: true, maxMessages: 4 }),
      T0 + 7000,
    );
    assert.deepEqual(
      context.history.map((m) => m.content),
      [
        'Question 4? And more.',
        'Answer 4. More detail follows.',
        'Question 5? And more.',
        'Answer 5. More detail follows.',
      ],
    );
    assert.equal(
      context.summary,
      [
        '- Asked: Question 1? Answered: Answer 1.',
        '- Asked: Question 2? Answered: Answer 2.',
        '- Asked: Question 3? Answered: Answer 3.',
      ].join('\n'),
    );
    assert.equal(
      (await store.getSessionMemory('acme', session))?.summary,
      context.summary,
      'the summary is kept',
    );
  });

  void it('gives nothing without memory, without a session, or after the session expired', async () => {
    const session = `s-${randomUUID()}`;
    await turn(session, 1);
    const settings = create(MemorySettingsSchema, { enabled: true });
    assert.equal((await memory.context(current(session, 2), settings, T0 + 3000)).history.length, 2);
    assert.deepEqual(
      await memory.context(current(session, 2), create(MemorySettingsSchema, { enabled: false }), T0 + 3000),
      {
        history: [],
        summary: '',
      },
    );
    assert.deepEqual(await memory.context(current('', 2), settings, T0 + 3000), { history: [], summary: '' });
    const ttl = create(MemorySettingsSchema, { enabled: true, ttl: durationFromMs(60_000) });
    assert.deepEqual(await memory.context(current(session, 2), ttl, T0 + 120_000), {
      history: [],
      summary: '',
    });
  });
});
