import type { DescService } from '@bufbuild/protobuf';
import type { GrpcCallOptions, GrpcClient } from '@cairn/grpc';
import type { GlobalOptions } from '../args/global-options.js';
import type { OptionSpecs, ParsedValues } from '../args/option-spec.js';
import type { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';

/** What a command gets to run with. */
export interface CommandContext {
  readonly io: CliIo;
  readonly global: GlobalOptions;
  /** The command's own flags (and the global ones). */
  readonly values: ParsedValues;
  readonly positionals: readonly string[];
  /** Aborted on Ctrl-C; calls made with {@link unary} or {@link stream} are cancelled with it. */
  readonly signal: AbortSignal;
  /** A client of `service` on the endpoint, with the API key (one channel per service, closed at exit). */
  client<S extends DescService>(service: S): GrpcClient<S>;
  /** Call options of a unary call: the `--timeout` deadline and the interrupt signal. */
  unary(): GrpcCallOptions;
  /** Call options of a stream: the interrupt signal only (streams last as long as their work). */
  stream(): GrpcCallOptions;
}

/** One `cairn` command (`search`) or subcommand (`docs ls`). */
export interface Command {
  /** Words that select it: `search`, `docs ls`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** What follows the name in the usage line: `<query> [options]`. */
  readonly usage: string;
  /** Paragraph shown in the command's help. */
  readonly description?: string;
  readonly options: OptionSpecs;
  /** How many positional arguments it takes. */
  readonly positionals: { readonly min: number; readonly max: number };
  /** Example lines for the help. */
  readonly examples?: readonly string[];
  run(context: CommandContext): Promise<ExitCode>;
}
