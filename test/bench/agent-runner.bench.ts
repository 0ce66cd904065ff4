import { durationMs } from '@bufbuild/protobuf/wkt';
import { AgentService, RunStatus, type RunStep } from '@cairn/contracts/cairn/agent/v1/agent';
import { createGrpcClient } from '@cairn/grpc';
import { FakeChatCompletionsServer, type FakeReply } from '@cairn/models/testing';
import { drainRun } from '../support/agent-clients.js';
import { RecordingHttpServer } from '../support/recording-http.server.js';
import { percentile, round } from './bench-report.js';
import type { Benchmark } from './benchmark.js';
import { startCairn } from './cairn-harness.js';

/**
 * Agent-runner per-step overhead, excluding model time: runs of an agent whose model (a loopback
 * OpenAI-compatible server answering at once) asks for `steps` http tool calls against a loopback API,
 * then answers. Overhead of a run = its wall time − the time spent inside model calls − the time
 * inside tool calls (both from the steps' own durations), per step recorded. What remains is the
 * runner's own work: guardrails, the store write and event publish of every step, rebuilding the prompt.
 */
export const agentRunnerBench: Benchmark = {
  name: 'agent-runner',
  title: 'Agent runner: per-step overhead excluding model and tool time',
  async run(ctx) {
    const runs = ctx.size('agent-runs', ctx.smoke ? 3 : 30);
    const toolSteps = ctx.size('agent-tool-steps', ctx.smoke ? 2 : 5);
    const api = new RecordingHttpServer();
    const model = new FakeChatCompletionsServer();
    const apiAddress = await api.start();
    const baseUrl = await model.start();
    model.respondWith((request): FakeReply => {
      const done = (request.body['messages'] as Array<{ role: string }>).filter(
        (m) => m.role === 'tool',
      ).length;
      return done < toolSteps
        ? {
            type: 'completion',
            toolCalls: [
              {
                id: `call_${done}`,
                name: 'http',
                arguments: JSON.stringify({ method: 'GET', url: `http://${apiAddress}/step/${done}` }),
              },
            ],
            usage: { promptTokens: 100, completionTokens: 10 },
          }
        : { type: 'completion', content: 'Done.', usage: { promptTokens: 100, completionTokens: 5 } };
    });
    const cairn = await startCairn({
      env: {
        CAIRN_EMBEDDING_PROVIDER: 'hash',
        CAIRN_CHAT_MODEL_OPENAI_BASE_URL: baseUrl,
        CAIRN_AGENT_HTTP_ALLOWED_HOSTS: apiAddress,
        CAIRN_LOG_LEVEL: 'error',
      },
    });
    const agents = createGrpcClient(AgentService, cairn.server.grpcAddress, { apiKey: cairn.apiKey });
    try {
      await agents.putAgent({
        agent: { name: 'bench', model: 'openai/bench', allowedTools: ['http'], guardrails: [] },
      });
      const perStep: number[] = [];
      const wall: number[] = [];
      let steps = 0;
      for (let i = 0; i < runs + 1; i++) {
        const started = performance.now();
        const run = await drainRun(agents.run({ agent: 'bench', input: `Benchmark run ${i}` }));
        const elapsed = performance.now() - started;
        if (run.status !== RunStatus.SUCCEEDED) throw new Error(`bench run ended ${RunStatus[run.status]}`);
        if (i === 0) continue; // warm-up: connections, prepared statements, JIT
        const outside = sumDurations(
          run.steps,
          (s) => s.kind.case === 'modelCall' || s.kind.case === 'toolResult',
        );
        perStep.push((elapsed - outside) / run.steps.length);
        wall.push(elapsed);
        steps = run.steps.length;
      }
      const p50 = percentile(perStep, 50);
      return {
        config: {
          runs,
          toolSteps,
          stepsPerRun: steps,
          model: 'loopback OpenAI-compatible, instant',
          tool: 'http GET on loopback',
        },
        figures: [
          { name: 'per-step overhead p50', value: round(p50, 2), unit: 'ms' },
          { name: 'per-step overhead p99', value: round(percentile(perStep, 99), 2), unit: 'ms' },
          { name: 'run wall time p50', value: round(percentile(wall, 50), 1), unit: 'ms' },
        ],
        notes: [
          `Each run records ${steps} steps (input guardrails, memory recall, ${toolSteps} model calls with a tool call and its result each, the answer's model call, output guardrail, final answer).`,
          'Model time and tool time are taken from the recorded durations of model_call and tool_result steps (each measured around the call); the rest of the wall time, per step, is the overhead.',
          'A step costs one SQLite transaction (step + run snapshot) and one event publish to the embedded log, plus the in-process stream to the caller.',
        ],
      };
    } finally {
      agents.close();
      await cairn.stop();
      await model.stop();
      await api.stop();
    }
  },
};

function sumDurations(steps: readonly RunStep[], counted: (step: RunStep) => boolean): number {
  return steps
    .filter(counted)
    .reduce((sum, step) => sum + (step.duration ? durationMs(step.duration) : 0), 0);
}
