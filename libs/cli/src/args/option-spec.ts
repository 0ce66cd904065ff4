/** One flag of a command, as `util.parseArgs` takes it plus what the help shows. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The flag may be repeated; its values are collected in order. */
  readonly multiple?: boolean;
  readonly short?: string;
  /** Placeholder of the value in the help (`--top <k>`). */
  readonly value?: string;
  readonly description: string;
}

/** Flags by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What `util.parseArgs` returns for a set of {@link OptionSpecs}. */
export type ParsedValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
