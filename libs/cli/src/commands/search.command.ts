import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  MetadataFilterSchema,
  RetrievalService,
  type MetadataConditionSchema,
  SearchMode,
  SearchResponseSchema,
  type MetadataFilter,
  type SearchResponse,
} from '@cairn/contracts/cairn/retrieval/v1/retrieval';
import { choiceValue, intValue, numberValue, stringValues } from '../args/values.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { writeJson } from '../render/json.js';
import { oneLine, titlePath } from '../render/text.js';
import type { Command } from './command.js';

const MODES = { hybrid: SearchMode.HYBRID, dense: SearchMode.DENSE, keyword: SearchMode.KEYWORD } as const;
const SNIPPET_CHARS = 200;

/** `cairn search "<query>"`: RetrievalService.Search. */
export const searchCommand: Command = {
  name: 'search',
  summary: 'search the indexed chunks (hybrid, dense or keyword)',
  usage: '<query> [options]',
  description:
    'Searches the tenant\'s indexed chunks, best first: rank, score, "title › headings", source and a snippet.\n' +
    'With --json, prints the SearchResponse as protobuf JSON.',
  options: {
    mode: { type: 'string', value: 'hybrid|dense|keyword', description: 'how to search (default hybrid)' },
    top: { type: 'string', value: 'k', description: 'number of chunks to return, 1–100 (default 10)' },
    collection: { type: 'string', multiple: true, value: 'name', description: 'search only this collection' },
    filter: {
      type: 'string',
      multiple: true,
      value: 'key=value',
      description:
        'only documents whose metadata has key=value (key!=value: exclude; a repeated key: any of)',
    },
    'min-score': { type: 'string', value: 'score', description: 'drop chunks scoring below this' },
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'cairn search "which class do I fly?" --top 3',
    'cairn search refund --mode keyword --filter lang=en',
  ],
  async run(context) {
    const { values } = context;
    const query = context.positionals[0] ?? '';
    if (query.trim() === '') throw new UsageError('the query must not be empty', 'search');
    const mode = choiceValue(values, 'mode', Object.keys(MODES) as (keyof typeof MODES)[], 'search');
    const minScore = numberValue(values, 'min-score', { min: -1e9, max: 1e9 }, 'search');
    const response = await context.client(RetrievalService).search(
      {
        tenant: context.global.tenant,
        query,
        collections: stringValues(values, 'collection'),
        filter: metadataFilter(stringValues(values, 'filter')),
        topK: intValue(values, 'top', { min: 1, max: 100 }, 'search') ?? 0,
        mode: mode ? MODES[mode] : SearchMode.UNSPECIFIED,
        ...(minScore !== undefined ? { minScore } : {}),
      },
      context.unary(),
    );
    if (context.global.json) writeJson(context.io.stdout, SearchResponseSchema, response);
    else context.io.stdout.write(renderSearch(response));
    return ExitCode.OK;
  },
};

/**
 * `key=value` → must equal, `key!=value` → must not equal; several values of one key in the same
 * list become `any_of`.
 */
export function metadataFilter(pairs: readonly string[]): MetadataFilter | undefined {
  if (pairs.length === 0) return undefined;
  const must = new Map<string, string[]>();
  const mustNot = new Map<string, string[]>();
  for (const pair of pairs) {
    const negated = pair.indexOf('!=');
    const at = negated > 0 ? negated : pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--filter takes key=value or key!=value, not "${pair}"`, 'search');
    const [target, key, value] =
      negated > 0
        ? [mustNot, pair.slice(0, at), pair.slice(at + 2)]
        : [must, pair.slice(0, at), pair.slice(at + 1)];
    target.set(key, [...(target.get(key) ?? []), value]);
  }
  const conditions = (byKey: Map<string, string[]>) =>
    [...byKey].map(([key, list]): MessageInitShape<typeof MetadataConditionSchema> => ({
      key,
      match:
        list.length === 1
          ? { case: 'equals', value: list[0] ?? '' }
          : { case: 'anyOf', value: { values: list } },
    }));
  return create(MetadataFilterSchema, { must: conditions(must), mustNot: conditions(mustNot) });
}

/** One block per chunk: `rank. score  title › headings`, then source and collection, then a snippet. */
export function renderSearch(response: SearchResponse): string {
  if (response.chunks.length === 0) return 'No matching chunks.\n';
  const width = String(response.chunks.length).length;
  return response.chunks
    .map((chunk, index) => {
      const rank = `${String(index + 1).padStart(width)}.`;
      const pad = ' '.repeat(rank.length + 1);
      const source = chunk.sourceUri || chunk.externalId;
      return [
        `${rank} ${chunk.score.toFixed(4)}  ${titlePath(chunk.title, chunk.headingPath)}`,
        `${pad}${source}${chunk.collection ? `  (${chunk.collection})` : ''}`,
        `${pad}${oneLine(chunk.text, SNIPPET_CHARS)}`,
        '',
      ].join('\n');
    })
    .join('\n');
}
