import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { RunStatus } from '@cairn/contracts/cairn/agent/v1/agent';
import { FakeChatCompletionsServer, type FakeReply, type RecordedChatRequest } from '@cairn/models/testing';
import { waitFor } from '@cairn/testing';
import { drainRun, stepsOf, tenantClients, type TenantClients } from '../support/agent-clients.js';
import { writeApiKeys } from '../support/api-keys.js';
import { RecordingHttpServer } from '../support/recording-http.server.js';
import { kafkaBrokers, postgresUrl, skipKafka, toolPath } from '../support/repo.js';
import { startService, type StartedService } from '../support/service-process.js';

const run = promisify(execFile);
const REQUESTED = 'cairn.agent.run-requested.v1';
const STEPS = 'cairn.agent.step-completed.v1';
const TOOL_STEPS = 3;

const toolMessages = (request: RecordedChatRequest) =>
  (request.body['messages'] as Array<{ role: string }>).filter((m) => m.role === 'tool').length;

/**
 * Two agent-runner processes on real Kafka and PostgreSQL share the runs: the one executing a
 * multi-step run is SIGKILLed, and the other resumes it from its last step without repeating a tool
 * call; runs requested on the Kafka ingress topic are executed too.
 */
void describe(
  'durable agent runs across runner processes (Kafka + PostgreSQL)',
  { skip: skipKafka() },
  () => {
    let runnerA: StartedService;
    let runnerB: StartedService;
    let viaB: TenantClients;
    const model = new FakeChatCompletionsServer();
    const api = new RecordingHttpServer();
    let apiAddress = '';
    let releaseHeld: (() => void) | undefined;
    let reachedThirdDecision: () => void = () => undefined;
    const thirdDecision = new Promise<void>((resolve) => (reachedThirdDecision = resolve));
    let held = false;
    /** Input of the run to hold at its third model call. */
    let holdRun = '';
    let acmeKey = '';
    let restartA: () => Promise<StartedService> = () => Promise.reject(new Error('not started'));

    before(async () => {
      apiAddress = await api.start();
      const baseUrl = await model.start();
      model.respondWith(async (request): Promise<FakeReply> => {
        const done = toolMessages(request);
        if (done === 2 && holdRun !== '' && JSON.stringify(request.body).includes(holdRun) && !held) {
          // The runner now holds two completed tool calls and waits for the model: the moment to kill it.
          held = true;
          reachedThirdDecision();
          await new Promise<void>((resolve) => (releaseHeld = resolve));
        }
        if (done < TOOL_STEPS)
          return {
            type: 'completion',
            toolCalls: [
              {
                id: `call_${done + 1}`,
                name: 'http',
                arguments: JSON.stringify({
                  method: 'POST',
                  url: `http://${apiAddress}/step/${done + 1}`,
                  body: '{}',
                }),
              },
            ],
          };
        return { type: 'completion', content: `All ${TOOL_STEPS} steps done.` };
      });
      const { file, keys } = writeApiKeys(mkdtempSync(join(tmpdir(), 'cairn-durable-')), ['acme']);
      const env = {
        CAIRN_AUTH_API_KEYS_FILE: file,
        CAIRN_EVENTS_BACKEND: 'kafka',
        CAIRN_KAFKA_BROKERS: kafkaBrokers().join(','),
        CAIRN_EVENTS_MAX_ATTEMPTS: '2',
        CAIRN_AGENT_STORE_BACKEND: 'postgres',
        CAIRN_AGENT_POSTGRES_URL: postgresUrl(),
        CAIRN_AGENT_POSTGRES_SCHEMA: `agent_e2e_${randomUUID().replaceAll('-', '').slice(0, 12)}`,
        CAIRN_AGENT_LEASE_SECONDS: '3',
        CAIRN_AGENT_SWEEP_INTERVAL_MS: '300',
        CAIRN_AGENT_HTTP_ALLOWED_HOSTS: apiAddress,
        CAIRN_CHAT_MODEL_OPENAI_BASE_URL: baseUrl,
        CAIRN_CHAT_MODEL_MAX_RETRIES: '0',
        CAIRN_EMBEDDING_PROVIDER: 'hash',
      };
      const groupPrefix = `durable-${randomUUID().slice(0, 8)}`;
      restartA = () => startService({ service: 'agent-runner', env, groupPrefix, timeoutMs: 90_000 });
      [runnerA, runnerB] = await Promise.all([
        startService({ service: 'agent-runner', env, groupPrefix, timeoutMs: 90_000 }),
        startService({ service: 'agent-runner', env, groupPrefix, timeoutMs: 90_000 }),
      ]);
      viaB = tenantClients(runnerB.grpcAddress, keys['acme']!);
      acmeKey = keys['acme']!;
      await viaB.agents.putAgent({
        agent: { name: 'courier', model: 'openai/courier', allowedTools: ['http'] },
      });
    });

    after(async () => {
      releaseHeld?.();
      viaB?.close();
      if (runnerA && runnerA.child.exitCode === null && runnerA.child.signalCode === null)
        await runnerA.stop();
      const code = await runnerB?.stop();
      await model.stop();
      await api.stop();
      assert.equal(code, 0, 'the surviving runner stops cleanly');
    });

    void it('runs requested by another system on the Kafka ingress topic are executed, and bad requests dead-lettered', async () => {
      const runId = randomUUID();
      await produce(runId, {
        tenant: 'acme',
        runId,
        agent: 'courier',
        input: 'Deliver again.',
        idempotencyKey: runId,
      });
      const finished = await waitFor(
        async () => {
          const got = await viaB.agents.getRun({ runId }).catch(() => undefined);
          return got?.run?.status === RunStatus.SUCCEEDED ? got.run : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 200, description: 'the Kafka-requested run to succeed' },
      );
      assert.equal(finished.principal, `kafka:${REQUESTED}`);

      const bad = randomUUID();
      await produce(bad, { tenant: 'acme', runId: bad, agent: 'nobody', input: 'Who?' });
      const line = await waitFor(
        async () => {
          const { stdout } = await run(
            toolPath('kcat'),
            [
              '-C',
              '-b',
              kafkaBrokers().join(','),
              '-t',
              `${REQUESTED}.dlq`,
              '-o',
              'beginning',
              '-e',
              '-q',
              '-f',
              '%k\t%h\n',
            ],
            { timeout: 30_000 },
          );
          return stdout.split('\n').find((entry) => entry.startsWith(`${bad}\t`));
        },
        { timeoutMs: 60_000, intervalMs: 500, description: 'the bad request in the DLQ' },
      );
      assert.match(line, /cairn-dlq-error=[^,]*agent nobody does not exist/);
    });

    void it('a run whose runner is SIGKILLed mid-run completes on the other runner, each tool call executed once', async () => {
      const viaA = tenantClients(runnerA.grpcAddress, acmeKey);
      holdRun = 'Do the three deliveries.';
      const { run: started } = await viaA.agents.startRun({ agent: 'courier', input: holdRun });
      viaA.close();
      const runId = started?.runId ?? '';
      await thirdDecision;
      const before = api.requests.length - 2;
      assert.deepEqual(
        api.requests.slice(before).map((r) => r.path),
        ['/step/1', '/step/2'],
        'two tool calls completed before the kill',
      );
      runnerA.child.kill('SIGKILL');
      await new Promise((resolve) => runnerA.child.once('exit', resolve));
      releaseHeld?.();

      const finished = await waitFor(
        async () => {
          const got = await viaB.agents.getRun({ runId, includeSteps: true });
          return got.run && got.run.status !== RunStatus.RUNNING && got.run.status !== RunStatus.PENDING
            ? got
            : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, description: 'the run to finish on the surviving runner' },
      );
      assert.equal(finished.run?.status, RunStatus.SUCCEEDED, JSON.stringify(finished.run?.error));
      assert.equal(finished.run?.answer, `All ${TOOL_STEPS} steps done.`);
      const calls = stepsOf(finished.steps, 'toolCall');
      const results = stepsOf(finished.steps, 'toolResult');
      assert.deepEqual(
        calls.map((c) => c.callId),
        ['call_1', 'call_2', 'call_3'],
        'each tool call is in the step log once',
      );
      assert.deepEqual(
        results.map((r) => r.callId),
        ['call_1', 'call_2', 'call_3'],
        'with one result each',
      );
      assert.deepEqual(
        finished.steps.map((s) => s.index),
        finished.steps.map((_, i) => i),
        'the step log has no gap and no repeat',
      );
      const mine = api.requests.slice(before);
      assert.deepEqual(
        mine.map((r) => r.path),
        ['/step/1', '/step/2', '/step/3'],
        'no completed call was repeated',
      );
      const keys = mine.map((r) => String(r.headers['idempotency-key']));
      assert.deepEqual(
        keys.map((key) => api.effects.get(key)),
        [1, 1, 1],
        'each call had its effect once',
      );
      const callSteps = finished.steps
        .filter((s) => s.kind.case === 'toolCall')
        .map((s) => `${runId}:${s.index}`);
      assert.deepEqual(keys, callSteps, 'each call carried its step’s idempotency key');

      // Every step is also an event on Kafka, once per step (the resumed runner republished nothing twice).
      const { stdout } = await run(
        toolPath('kcat'),
        ['-C', '-b', kafkaBrokers().join(','), '-t', STEPS, '-o', 'beginning', '-e', '-q', '-f', '%k %h\n'],
        { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 },
      );
      const ids = stdout
        .split('\n')
        .filter((line) => line.startsWith(`${runId} `))
        .map((line) => /cairn-event-id=([^,\s]+)/.exec(line)?.[1]);
      assert.equal(new Set(ids).size, finished.steps.length, 'one distinct event per step');
    });

    void it('the killed runner, started again, runs new runs and shares the store with the other', async () => {
      runnerA = await restartA();
      const viaA = tenantClients(runnerA.grpcAddress, acmeKey);
      try {
        const run = await drainRun(
          viaA.agents.run({ agent: 'courier', input: 'One more round after the restart.' }),
        );
        assert.equal(run.status, RunStatus.SUCCEEDED);
        assert.equal(stepsOf(run.steps, 'toolCall').length, TOOL_STEPS);
        const seenByB = await viaB.agents.getRun({ runId: run.runId });
        assert.equal(seenByB.run?.status, RunStatus.SUCCEEDED, 'the other runner sees the same run');
      } finally {
        viaA.close();
      }
    });
  },
);

async function produce(key: string, payload: Record<string, unknown>): Promise<void> {
  const child = spawn(
    toolPath('kcat'),
    ['-P', '-b', kafkaBrokers().join(','), '-t', REQUESTED, '-k', key, '-H', 'content-type=application/json'],
    { stdio: ['pipe', 'inherit', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(`${JSON.stringify(payload)}\n`);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `kcat -P failed: ${stderr}`);
}
