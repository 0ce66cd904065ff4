import { readFile } from 'node:fs/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  IngestionService,
  type IngestStreamRequestSchema,
} from '@cairn/contracts/cairn/ingestion/v1/ingestion';
import { flag, intValue, keyValues, stringValue } from '../../args/values.js';
import { ExitCode, UsageError } from '../../exit-codes.js';
import { writePlainJson } from '../../render/json.js';
import { byteSize } from '../../render/text.js';
import type { Command, CommandContext } from '../command.js';
import { collectInputs, MEDIA_TYPES, type InputFile } from './collect-inputs.js';
import { codeName, ingestSummaryJson, IngestTally, renderIngestSummary } from './ingest-summary.js';
import { ProgressBar } from './progress-bar.js';
import { waitIndexed, type WaitOutcome } from './wait-indexed.js';

const DEFAULT_BATCH = 32;
/** The `code` of a failure found before sending (missing file, unknown type, unreadable, too large). */
const NOT_SENT = 'NOT_SENT';
/** Below the server's default gRPC message limit (16 MiB), leaving room for the message's other fields. */
const DEFAULT_MAX_FILE_MIB = 15;
const DEFAULT_WAIT_SECONDS = 600;

/** `cairn ingest <files | dirs | globs>`: IngestionService.IngestStream, one stream per batch. */
export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'ingest files, directories and globs (md, txt, html, pdf, json)',
  usage: '<file | dir | glob…> [options]',
  description:
    `Ingests files by extension (${Object.keys(MEDIA_TYPES).join(' ')}); directories are walked (dot-entries and\n` +
    'node_modules left out), globs are expanded (quote them: "docs/**/*.md"). Each file is a document whose\n' +
    'external id is its path relative to the current directory, so ingesting again makes a new version of a\n' +
    'changed file and counts an identical one as unchanged. Prints a summary: documents ingested, unchanged\n' +
    'and failed (with the reason), chunks. Exits 1 when any document failed.',
  options: {
    collection: {
      type: 'string',
      value: 'name',
      description: 'collection of the documents (default "default")',
    },
    metadata: {
      type: 'string',
      multiple: true,
      value: 'key=value',
      description: 'metadata given to every document (filterable in search)',
    },
    'batch-size': {
      type: 'string',
      value: 'n',
      description: `documents per IngestStream call, 1–1000 (default ${DEFAULT_BATCH})`,
    },
    'max-file-size': {
      type: 'string',
      value: 'MiB',
      description: `larger files fail without being sent (default ${DEFAULT_MAX_FILE_MIB})`,
    },
    wait: {
      type: 'boolean',
      description: 'wait until every document is indexed (searchable); exits 1 if one fails or times out',
    },
    'wait-timeout': {
      type: 'string',
      value: 'seconds',
      description: `how long --wait waits (default ${DEFAULT_WAIT_SECONDS})`,
    },
  },
  positionals: { min: 1, max: Number.POSITIVE_INFINITY },
  examples: [
    'cairn ingest README.md docs/',
    'cairn ingest "handbook/**/*.md" --collection handbook --metadata team=hr',
    'cairn ingest docs/ --wait',
  ],
  run: ingest,
};

async function ingest(context: CommandContext): Promise<ExitCode> {
  const { values, io } = context;
  const collection = stringValue(values, 'collection') ?? 'default';
  const metadata = Object.fromEntries(keyValues(values, 'metadata', 'ingest'));
  const batchSize = intValue(values, 'batch-size', { min: 1, max: 1000 }, 'ingest') ?? DEFAULT_BATCH;
  const maxBytes =
    (intValue(values, 'max-file-size', { min: 1, max: 1024 }, 'ingest') ?? DEFAULT_MAX_FILE_MIB) *
    1024 *
    1024;

  const inputs = await collectInputs(context.positionals, io.cwd);
  if (inputs.files.length === 0 && inputs.rejected.length === 0)
    throw new UsageError(
      `nothing to ingest: no ${Object.keys(MEDIA_TYPES).join(' ')} files in ${context.positionals.join(' ')}`,
      'ingest',
    );
  const tally = new IngestTally(collection, inputs.skipped);
  for (const rejected of inputs.rejected)
    tally.failed(rejected.name, { code: NOT_SENT, reason: rejected.reason, message: rejected.message });

  const progress = new ProgressBar(
    io.stderr,
    inputs.files.length,
    !context.global.json && io.stderr.isTTY === true,
  );
  const client = context.client(IngestionService);
  let done = 0;
  try {
    for (let start = 0; start < inputs.files.length; start += batchSize) {
      const batch = inputs.files.slice(start, start + batchSize);
      const sent: InputFile[] = [];
      async function* requests(): AsyncGenerator<MessageInitShape<typeof IngestStreamRequestSchema>> {
        for (const file of batch) {
          progress.update(done, tally.failedCount, file.name);
          const data = await readInput(file, maxBytes);
          if (!(data instanceof Uint8Array)) {
            tally.failed(file.name, { code: NOT_SENT, ...data });
            done++;
            continue;
          }
          sent.push(file);
          yield {
            tenant: context.global.tenant,
            document: {
              collection,
              externalId: file.name,
              sourceUri: file.name,
              mimeType: file.mimeType,
              metadata,
              content: { case: 'data', value: data },
            },
          };
        }
      }
      const response = await client.ingestStream(requests(), context.stream());
      for (const result of response.results) {
        const name = sent[result.index]?.name ?? result.externalId;
        const outcome = result.outcome;
        if (outcome.case === 'ingested') tally.ingested(name, outcome.value);
        else
          tally.failed(name, {
            code: codeName(outcome.value?.code ?? 2),
            reason: outcome.value?.detail?.reason ?? '',
            message: outcome.value?.detail?.message ?? 'failed',
          });
        done++;
      }
      progress.update(done, tally.failedCount, '');
    }
  } catch (error) {
    // The stream itself failed (Cairn unreachable, key refused): say what was done before it.
    progress.clear();
    if (tally.size > inputs.rejected.length) writeSummary(context, tally);
    throw error;
  }
  const waitSeconds =
    intValue(values, 'wait-timeout', { min: 1, max: 86_400 }, 'ingest') ?? DEFAULT_WAIT_SECONDS;
  const waited = flag(values, 'wait')
    ? await waitIndexed(context, tally, progress, waitSeconds * 1000)
    : undefined;
  progress.clear();
  writeSummary(context, tally, waited);
  const unfinished = waited !== undefined && (waited.failed.length > 0 || waited.pending.length > 0);
  return tally.failedCount > 0 || unfinished ? ExitCode.FAILED : ExitCode.OK;
}

function writeSummary(context: CommandContext, tally: IngestTally, waited?: WaitOutcome): void {
  const summary = tally.summary();
  if (context.global.json) {
    writePlainJson(context.io.stdout, {
      ...ingestSummaryJson(summary),
      ...(waited ? { indexing: waited } : {}),
    });
    return;
  }
  context.io.stdout.write(renderIngestSummary(summary));
  if (!waited) return;
  const lines = [`indexed: ${waited.indexed}`];
  for (const { name, reason } of waited.failed) lines.push(`  not indexed  ${name}: ${reason}`);
  for (const name of waited.pending) lines.push(`  still indexing  ${name}`);
  context.io.stdout.write(`${lines.join('\n')}\n`);
}

/** The file's bytes, or why it cannot be sent. */
async function readInput(
  file: InputFile,
  maxBytes: number,
): Promise<Uint8Array | { reason: 'UNREADABLE_FILE' | 'FILE_TOO_LARGE'; message: string }> {
  let data: Buffer;
  try {
    data = await readFile(file.path);
  } catch (error) {
    return { reason: 'UNREADABLE_FILE', message: `cannot read the file: ${(error as Error).message}` };
  }
  if (data.byteLength > maxBytes)
    return {
      reason: 'FILE_TOO_LARGE',
      message: `the file is ${byteSize(data.byteLength)}, more than --max-file-size ${byteSize(maxBytes)}`,
    };
  return data;
}
