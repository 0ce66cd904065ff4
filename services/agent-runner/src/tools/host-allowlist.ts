/**
 * Which URLs the http tool may fetch. Entries: `host` (default port of the scheme only),
 * `host:port`, or `*.domain` (its subdomains, default port). Only http and https.
 */
export class HostAllowlist {
  private readonly entries: readonly { host: string; port?: string; wildcard: boolean }[];

  constructor(entries: readonly string[]) {
    this.entries = entries.map((entry) => {
      const wildcard = entry.startsWith('*.');
      const rest = (wildcard ? entry.slice(2) : entry).toLowerCase();
      const colon = rest.lastIndexOf(':');
      return colon > 0
        ? { host: rest.slice(0, colon), port: rest.slice(colon + 1), wildcard }
        : { host: rest, wildcard };
    });
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** Why the URL is refused, or undefined when it is allowed. */
  refusal(url: URL): string | undefined {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return `only http and https URLs are allowed, not ${url.protocol}`;
    if (url.username || url.password) return 'URLs with credentials are not allowed';
    const host = url.hostname.toLowerCase();
    const allowed = this.entries.some((entry) => {
      const hostMatches = entry.wildcard ? host.endsWith(`.${entry.host}`) : host === entry.host;
      return hostMatches && (entry.port === undefined ? url.port === '' : url.port === entry.port);
    });
    return allowed ? undefined : `host ${url.host} is not on the http tool's allowlist`;
  }
}
