import type {
  ChatEvent,
  ChatMessage,
  ChatModel,
  ChatOptions,
  ChatRequest,
  ChatResult,
  ToolDefinition,
} from '../chat-model.port.js';
import { collectChat } from '../chat-result.js';
import { streamTurn, type ChatTurn } from '../chat-turn.js';
import { numberedBlocksStart, numberPassages, readPassages, type Passage } from './passages.js';
import { splitSentences, terms } from './text-analysis.js';

/** Options of {@link ExtractiveChatModel}. */
export interface ExtractiveChatModelOptions {
  /** Tool names that retrieve passages, tried in order. Default `retrieve`, `search`. */
  readonly retrieveTools?: readonly string[];
  /** Most sentences in an answer. Default 3. */
  readonly maxSentences?: number;
  /** A sentence is kept when it scores at least this share of the best sentence. Default 0.35. */
  readonly minRelativeScore?: number;
  /** Said when no passage is relevant. */
  readonly noAnswerText?: string;
}

interface Candidate {
  readonly text: string;
  readonly citation: number;
  readonly position: number;
  readonly terms: readonly string[];
  /** Terms of the passage's title and headings. */
  readonly context: ReadonlySet<string>;
}

/** What a question term found only in a passage's headings adds to a sentence's score. */
const CONTEXT_WEIGHT = 0.3;

const K1 = 1.2;
const B = 0.75;

/**
 * The built-in model of the embedded default: answers from retrieved passages without an LLM, usable
 * by an agent loop exactly like one.
 *
 * - The question is the last user message (text before any `[n]` blocks in it).
 * - Passages are read from tool results after that message, and from `[n]` blocks in system or user
 *   messages (see {@link readPassages} for the accepted shapes); their `[n]` is kept for citing.
 * - With no passages yet and a retrieve tool offered (and not called yet for this question), it asks
 *   for that tool with the question as its query argument (`finishReason: 'tool_calls'`).
 * - Otherwise it scores every passage sentence against the question (BM25 over the sentences, plus
 *   the share of question terms covered), keeps the best few, and answers with them, each followed by
 *   its citation `[n]`. Nothing relevant: it says so. Same input, same answer.
 */
export class ExtractiveChatModel implements ChatModel {
  readonly name = 'extractive';
  private readonly retrieveTools: readonly string[];
  private readonly maxSentences: number;
  private readonly minRelativeScore: number;
  private readonly noAnswerText: string;

  constructor(options: ExtractiveChatModelOptions = {}) {
    this.retrieveTools = options.retrieveTools ?? ['retrieve', 'search'];
    this.maxSentences = options.maxSentences ?? 3;
    this.minRelativeScore = options.minRelativeScore ?? 0.35;
    this.noAnswerText =
      options.noAnswerText ?? 'I could not find anything relevant to the question in the available passages.';
  }

  async *stream(request: ChatRequest, options: ChatOptions = {}): AsyncGenerator<ChatEvent> {
    options.signal?.throwIfAborted();
    yield* streamTurn(this.name, request, this.decide(request), options.signal);
  }

  complete(request: ChatRequest, options?: ChatOptions): Promise<ChatResult> {
    return collectChat(this.stream(request, options));
  }

  /** The turn for a request: a retrieve call, or an answer. */
  decide(request: ChatRequest): ChatTurn {
    const { messages } = request;
    const lastUser = messages.findLastIndex((m) => m.role === 'user');
    const questionMessage = messages[lastUser];
    if (questionMessage === undefined) return { content: 'There is no question to answer.' };
    const blocksAt = numberedBlocksStart(questionMessage.content);
    const question = (
      blocksAt < 0 ? questionMessage.content : questionMessage.content.slice(0, blocksAt)
    ).trim();
    const passages = this.passages(messages, lastUser);
    if (passages.length === 0) {
      const tool = this.retrieveTool(request, messages.slice(lastUser + 1));
      if (tool) {
        const id = `extractive_${lastUser}_${messages.length}`;
        return {
          toolCalls: [
            { id, name: tool.name, arguments: JSON.stringify({ [queryParameter(tool)]: question }) },
          ],
        };
      }
      return { content: this.noAnswerText };
    }
    return { content: this.answer(question, passages) };
  }

  private passages(messages: readonly ChatMessage[], lastUser: number): Passage[] {
    const found = messages.flatMap((m, i) => {
      if (m.role === 'tool') return i > lastUser ? readPassages(m.content, true) : [];
      if (m.role === 'system' || m.role === 'user') return readPassages(m.content, false);
      return [];
    });
    return numberPassages(found).filter((p) => p.text.trim() !== '');
  }

  private retrieveTool(
    request: ChatRequest,
    sinceQuestion: readonly ChatMessage[],
  ): ToolDefinition | undefined {
    if (request.toolChoice === 'none') return undefined;
    const tools = request.tools ?? [];
    const forced = typeof request.toolChoice === 'object' ? request.toolChoice.name : undefined;
    const tool = forced
      ? tools.find((t) => t.name === forced)
      : this.retrieveTools.map((name) => tools.find((t) => t.name === name)).find((t) => t !== undefined);
    if (!tool) return undefined;
    const alreadyCalled = sinceQuestion.some(
      (m) => m.role === 'assistant' && (m.toolCalls ?? []).some((c) => c.name === tool.name),
    );
    return alreadyCalled ? undefined : tool;
  }

  private answer(question: string, passages: readonly Passage[]): string {
    const queryTerms = [...new Set(terms(question))];
    if (queryTerms.length === 0) return this.noAnswerText;
    const candidates: Candidate[] = passages.flatMap((p) => {
      const sentences = textUnits(p.text).flatMap((unit) => splitSentences(unit));
      // Headings say what a passage is about: their terms count for its sentences, a little.
      const context = new Set(
        terms([p.title, ...sentences.filter((s) => headingLike(s.text)).map((s) => s.text)].join(' ')),
      );
      return sentences
        .filter((s) => !headingLike(s.text))
        .map((s, position) => ({
          text: s.text,
          citation: p.citation,
          position,
          terms: terms(s.text),
          context,
        }));
    });
    const scored = scoreSentences(queryTerms, candidates);
    const best = scored[0];
    if (!best) return this.noAnswerText;
    const chosen: Candidate[] = [];
    for (const { candidate, score } of scored) {
      if (chosen.length >= this.maxSentences || score < best.score * this.minRelativeScore) break;
      if (chosen.some((c) => nearDuplicate(c.terms, candidate.terms))) continue;
      chosen.push(candidate);
    }
    return chosen.map((c) => withCitation(c.text, c.citation)).join(' ');
  }
}

/** Sentences that share at least one question term, best first (ties: passage order, then position). */
function scoreSentences(
  queryTerms: readonly string[],
  candidates: readonly Candidate[],
): { candidate: Candidate; score: number }[] {
  const documentFrequency = new Map<string, number>();
  for (const c of candidates)
    for (const t of new Set(c.terms)) documentFrequency.set(t, (documentFrequency.get(t) ?? 0) + 1);
  const n = candidates.length;
  const averageLength = candidates.reduce((sum, c) => sum + c.terms.length, 0) / Math.max(1, n);
  const out: { candidate: Candidate; score: number; order: number }[] = [];
  candidates.forEach((candidate, order) => {
    let bm25 = 0;
    let covered = 0;
    for (const term of queryTerms) {
      const tf = candidate.terms.filter((t) => t === term).length;
      if (tf === 0) {
        if (candidate.context.has(term)) {
          covered += CONTEXT_WEIGHT;
          bm25 += CONTEXT_WEIGHT;
        }
        continue;
      }
      covered++;
      const df = documentFrequency.get(term) ?? 0;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      bm25 +=
        (idf * tf * (K1 + 1)) /
        (tf + K1 * (1 - B + (B * candidate.terms.length) / Math.max(1, averageLength)));
    }
    if (covered > 0) out.push({ candidate, score: bm25 + covered / queryTerms.length, order });
  });
  return out.sort((a, b) => b.score - a.score || a.order - b.order);
}

const LIST_ITEM = /^\s*(?:[-*+•]|\d+[.)])\s+/;
/** A row of a Markdown table: data, not a statement to quote. */
const TABLE_ROW = /^\s*\|.*\|\s*$/;

/**
 * The passage as units of prose to split into sentences: paragraphs (hard-wrapped lines joined), and
 * each line of a list, a table or a block of short lines on its own, so that a list is not read as
 * one long sentence.
 */
function textUnits(text: string): string[] {
  return text.split(/\n\s*\n/).flatMap((block) => {
    const lines = block
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !TABLE_ROW.test(line));
    const listLike = lines.length > 1 && lines.every((line) => LIST_ITEM.test(line) || line.length < 60);
    return listLike ? lines.map((line) => line.replace(LIST_ITEM, '')) : [lines.join(' ')];
  });
}

/**
 * A heading or a label rather than a statement: a short line without a sentence's end (passages carry
 * their section headings as their first lines; quoting one answers nothing).
 */
function headingLike(sentence: string): boolean {
  const text = sentence.trim();
  return !/[.!?:;]["'”’)]*$/u.test(text) && text.split(/\s+/).length <= 8;
}

function nearDuplicate(a: readonly string[], b: readonly string[]): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  const shared = [...setA].filter((t) => setB.has(t)).length;
  return shared / Math.max(1, Math.min(setA.size, setB.size)) > 0.8;
}

/** `Sentence text [n].` — the citation goes before the closing punctuation. */
function withCitation(sentence: string, citation: number): string {
  const match = /^(.*?)([.!?]+["'”’)]*)?$/su.exec(sentence);
  const body = match?.[1] ?? sentence;
  const end = match?.[2] ?? '.';
  return `${body} [${citation}]${end}`;
}

/** The argument that takes the query: `query`, `q`, `question`, `text`, else the first required string. */
function queryParameter(tool: ToolDefinition): string {
  const properties = (tool.parameters['properties'] ?? {}) as Record<string, { type?: unknown }>;
  for (const name of ['query', 'q', 'question', 'text', 'search']) if (name in properties) return name;
  const required = Array.isArray(tool.parameters['required'])
    ? (tool.parameters['required'] as unknown[])
    : [];
  const firstString = required.find(
    (r): r is string => typeof r === 'string' && properties[r]?.type === 'string',
  );
  return firstString ?? 'query';
}
