/** One page of a List/Query call: its items and the token of the next page ('' on the last). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
}

/**
 * Reads pages from `pageToken` on until the last page or `limit` items, asking each time for at
 * most `maxPageSize`. Resolves with the items and the token to continue from ('' when all were read).
 */
export async function readPages<T>(
  fetch: (pageSize: number, pageToken: string) => Promise<Page<T>>,
  options: { readonly limit: number; readonly maxPageSize: number; readonly pageToken?: string },
): Promise<{ items: T[]; nextPageToken: string }> {
  const items: T[] = [];
  let pageToken = options.pageToken ?? '';
  do {
    const page = await fetch(Math.min(options.maxPageSize, options.limit - items.length), pageToken);
    items.push(...page.items.slice(0, options.limit - items.length));
    pageToken = page.nextPageToken;
  } while (pageToken !== '' && items.length < options.limit);
  return { items, nextPageToken: pageToken };
}
