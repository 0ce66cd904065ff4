/** Why a run stopped executing on this runner before it ended. */
export type InterruptKind = 'cancel' | 'lease-lost' | 'shutdown';

/**
 * The abort reason of a run's signal. `cancel` ends the run CANCELLED; `lease-lost` and `shutdown`
 * stop this runner's work without ending the run, which another runner (or this one, restarted) resumes.
 */
export class RunInterrupted extends Error {
  override readonly name = 'RunInterrupted';
  constructor(
    readonly kind: InterruptKind,
    message: string,
  ) {
    super(message);
  }
}

/** The interrupt behind an aborted signal, if that is what aborted it. */
export function interruptOf(signal: AbortSignal): RunInterrupted | undefined {
  return signal.aborted && signal.reason instanceof RunInterrupted ? signal.reason : undefined;
}
