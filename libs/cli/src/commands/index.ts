import { askCommand } from './ask.command.js';
import { auditExplainCommand, auditQueryCommand, auditVerifyCommand } from './audit.command.js';
import type { Command } from './command.js';
import { docsGetCommand, docsListCommand, docsRemoveCommand } from './docs.command.js';
import { ingestCommand } from './ingest/ingest.command.js';
import { searchCommand } from './search.command.js';
import { statusCommand } from './status.command.js';

/** Every `cairn` command, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  ingestCommand,
  searchCommand,
  askCommand,
  docsListCommand,
  docsGetCommand,
  docsRemoveCommand,
  auditQueryCommand,
  auditVerifyCommand,
  auditExplainCommand,
  statusCommand,
];
