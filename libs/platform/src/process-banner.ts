import { Injectable } from '@nestjs/common';

/** One line of the banner a process prints when it started: what listens where. */
export interface BannerLine {
  /** Short label, e.g. `MCP`. */
  readonly label: string;
  readonly value: string;
}

/**
 * Endpoints a service opens besides the process's gRPC and HTTP servers (the agent-runner's MCP
 * server, for instance), printed with them when the process started.
 */
@Injectable()
export class ProcessBanner {
  private readonly entries: BannerLine[] = [];

  add(label: string, value: string): void {
    this.entries.push({ label, value });
  }

  get lines(): readonly BannerLine[] {
    return this.entries;
  }
}
