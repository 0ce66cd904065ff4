// Entry point of the Cairn image: `cairn <command>` runs one service, the all-in-one process, the
// Kafka topic set-up, or makes an API key (`cairn api-key --help`). Each service reads its
// configuration from CAIRN_* variables (see docs/deploy.md).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// In the image this file sits beside services/; in the repository it is deploy/docker/cairn.mjs.
const here = import.meta.dirname;
const app = existsSync(join(here, 'services')) ? here : resolve(here, '..', '..');
const commands = {
  ingestion: 'services/ingestion/dist/main.js',
  embedding: 'services/embedding/dist/main.js',
  retrieval: 'services/retrieval/dist/main.js',
  'agent-runner': 'services/agent-runner/dist/main.js',
  audit: 'services/audit/dist/main.js',
  'all-in-one': 'services/all-in-one/dist/main.js',
  'ensure-topics': 'services/all-in-one/dist/ensure-topics.js',
  'api-key': 'services/all-in-one/dist/api-key.js',
};

const command = process.argv[2] ?? 'all-in-one';
const entry = commands[command];
if (!entry) {
  process.stderr.write(`usage: cairn <${Object.keys(commands).join('|')}>\nunknown command: ${command}\n`);
  process.exit(64);
}
await import(pathToFileURL(join(app, entry)).href);
