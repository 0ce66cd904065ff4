import { Inject, Injectable } from '@nestjs/common';
import { durationMs, timestampMs } from '@bufbuild/protobuf/wkt';
import type { AgentStore } from '@cairn/agent-store';
import type { AgentRun, MemorySettings } from '@cairn/contracts/cairn/agent/v1/agent';
import { estimateTokens, splitSentences } from '@cairn/models';
import type { HistoryMessage } from '../runs/prepared-run.js';
import { AGENT_STORE } from '../store/agent-store.provider.js';

/** The session context a run starts with. */
export interface SessionContext {
  /** Recent turns, oldest first, within the agent's message and token budget. */
  readonly history: HistoryMessage[];
  /** Older turns, summarised; '' when there are none. */
  readonly summary: string;
}

const DEFAULT_MAX_MESSAGES = 20;
const DEFAULT_MAX_TOKENS = 2_000;
const DEFAULT_TTL_MS = 24 * 3600_000;
/** Earlier runs of a session looked at. */
const LOOK_BACK_RUNS = 200;

/**
 * Short-term memory of a conversation session: the questions and answers of the session's earlier
 * (succeeded) runs, as many recent turns as the agent's budget allows, and the older ones folded
 * into a summary kept with the session. A session not used for `ttl` is forgotten.
 */
@Injectable()
export class ConversationMemory {
  constructor(@Inject(AGENT_STORE) private readonly store: AgentStore) {}

  async context(run: AgentRun, settings: MemorySettings | undefined, now: number): Promise<SessionContext> {
    const none = { history: [], summary: '' };
    if (!settings?.enabled || run.sessionId === '') return none;
    const maxMessages = settings.maxMessages || DEFAULT_MAX_MESSAGES;
    const maxTokens = settings.maxTokens || DEFAULT_MAX_TOKENS;
    const ttl = settings.ttl ? durationMs(settings.ttl) : DEFAULT_TTL_MS;
    const createdAt = msOf(run.createdAt) ?? now;
    const earlier = await this.store.sessionRuns(run.tenant, run.sessionId, createdAt, LOOK_BACK_RUNS);
    const last = earlier[0];
    if (!last || (msOf(last.completedAt) ?? 0) < now - ttl) return none;

    const recent: AgentRun[] = [];
    let messages = 0;
    let tokens = 0;
    for (const turn of earlier) {
      const cost = estimateTokens(turn.input) + estimateTokens(turn.answer);
      if (messages + 2 > maxMessages || tokens + cost > maxTokens) break;
      recent.push(turn);
      messages += 2;
      tokens += cost;
    }
    const older = earlier.slice(recent.length);
    const history = recent.reverse().flatMap((turn): HistoryMessage[] => [
      { role: 'user', content: turn.input },
      { role: 'assistant', content: turn.answer },
    ]);
    if (older.length === 0) return { history, summary: '' };
    return { history, summary: await this.summary(run, older, Math.max(64, maxTokens - tokens), now + ttl) };
  }

  /** The summary of `older` (newest first), reusing and extending the stored one. */
  private async summary(
    run: AgentRun,
    older: readonly AgentRun[],
    budget: number,
    expiresAt: number,
  ): Promise<string> {
    const newest = msOf(older[0]?.createdAt) ?? 0;
    const stored = await this.store.getSessionMemory(run.tenant, run.sessionId);
    if (stored && stored.summarizedThrough >= newest) return stored.summary;
    const covered = stored?.summarizedThrough ?? -1;
    const lines = older
      .filter((turn) => (msOf(turn.createdAt) ?? 0) > covered)
      .reverse()
      .map((turn) => `- Asked: ${firstSentence(turn.input)} Answered: ${firstSentence(turn.answer)}`);
    const all = [...(stored?.summary ? stored.summary.split('\n') : []), ...lines];
    // Keep the newest lines that fit the budget.
    const kept: string[] = [];
    let tokens = 0;
    for (const line of all.reverse()) {
      tokens += estimateTokens(line);
      if (tokens > budget) break;
      kept.unshift(line);
    }
    const summary = kept.join('\n');
    await this.store.saveSessionMemory(run.tenant, run.sessionId, {
      summary,
      summarizedThrough: newest,
      expiresAt,
    });
    return summary;
  }
}

function firstSentence(text: string): string {
  const sentence = splitSentences(text.replace(/\s+/g, ' ').trim())[0]?.text ?? '';
  return sentence.length > 300 ? `${sentence.slice(0, 297)}...` : sentence;
}

function msOf(timestamp: AgentRun['createdAt']): number | undefined {
  return timestamp ? timestampMs(timestamp) : undefined;
}
