import type { OutputStream } from '../../io.js';

const BAR_WIDTH = 24;

/** One line of progress: `[#####-----]  12/40  1 failed  docs/guide.md`, cut to `width`. */
export function progressLine(
  done: number,
  total: number,
  failed: number,
  current: string,
  width: number,
): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const line = `${bar}  ${done}/${total}${failed > 0 ? `  ${failed} failed` : ''}  ${current}`;
  return [...line].length <= width ? line : `${[...line].slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** A progress bar redrawn in place on a terminal; does nothing when the stream is not a TTY. */
export class ProgressBar {
  private drawn = false;

  constructor(
    private readonly out: OutputStream,
    private readonly total: number,
    private readonly enabled = out.isTTY === true,
  ) {}

  update(done: number, failed: number, current: string): void {
    if (!this.enabled) return;
    this.out.write(
      `\r\x1b[2K${progressLine(done, this.total, failed, current, (this.out.columns ?? 80) - 1)}`,
    );
    this.drawn = true;
  }

  /** Removes the bar, so the summary starts on a clean line. */
  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}
