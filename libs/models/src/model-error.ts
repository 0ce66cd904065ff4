/**
 * What went wrong with a model call:
 * - `bad_request`: the server rejected the request (4xx other than auth and rate limits); not retried.
 * - `unauthorized`: 401/403, the API key is missing or wrong; not retried.
 * - `rate_limited`: 429 after all retries.
 * - `server_error`: 5xx after all retries.
 * - `network`: the connection failed (after all retries).
 * - `timeout`: no complete answer within the timeout.
 * - `protocol`: the server answered something that is not the wire format (bad JSON, malformed SSE).
 * - `invalid_tool_arguments`: a tool call's arguments are not a JSON object.
 */
export type ModelErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'rate_limited'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'protocol'
  | 'invalid_tool_arguments';

/** A model call failed. `status` is the HTTP status when the server answered. */
export class ModelError extends Error {
  override name = 'ModelError';

  constructor(
    readonly code: ModelErrorCode,
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** Whether trying the same request again may succeed. */
  get retryable(): boolean {
    return (
      this.code === 'rate_limited' ||
      this.code === 'server_error' ||
      this.code === 'network' ||
      this.code === 'timeout'
    );
  }
}
