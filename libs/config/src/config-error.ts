/** One invalid configuration value: the environment variable that carries it and why it was rejected. */
export interface ConfigIssue {
  readonly key: string;
  readonly reason: string;
}

/** Thrown at boot when configuration is invalid; names every bad key and the reason. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  ${issue.key}: ${issue.reason}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
