/** A turn of the session's history given to the model before the input. */
export interface HistoryMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/**
 * What the runner settled before the first step, stored with the run so that a resume on another
 * runner rebuilds exactly the same prompt: the input after the input guardrails, the session history
 * and summary, the long-term memories recalled, and the trace the run belongs to.
 */
export interface PreparedRun {
  readonly version: 1;
  readonly input: string;
  readonly history: readonly HistoryMessage[];
  readonly summary: string;
  readonly memories: readonly { readonly id: string; readonly text: string }[];
  readonly traceparent?: string;
}

export function encodePrepared(prepared: PreparedRun): string {
  return JSON.stringify(prepared);
}

/** The stored JSON, or undefined when it is not one this runner wrote. */
export function decodePrepared(json: string | undefined): PreparedRun | undefined {
  if (!json) return undefined;
  const value = JSON.parse(json) as Partial<PreparedRun>;
  if (value.version !== 1 || typeof value.input !== 'string') return undefined;
  return {
    version: 1,
    input: value.input,
    history: Array.isArray(value.history) ? value.history : [],
    summary: typeof value.summary === 'string' ? value.summary : '',
    memories: Array.isArray(value.memories) ? value.memories : [],
    ...(typeof value.traceparent === 'string' ? { traceparent: value.traceparent } : {}),
  };
}
