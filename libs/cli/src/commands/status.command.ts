import {
  GetStatusResponseSchema,
  StatusService,
  type ConsumerLag,
  type GetStatusResponse,
} from '@cairn/contracts/cairn/ops/v1/status';
import { ExitCode } from '../exit-codes.js';
import { writeJson } from '../render/json.js';
import { columns, count, time } from '../render/text.js';
import type { Command } from './command.js';

/** `cairn status`: StatusService.GetStatus; exit 1 when something is unhealthy. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'health, consumer lag and counts of the process at the endpoint',
  usage: '',
  description:
    'Shows the process at the endpoint: its services, the health of each component, the lag of its\n' +
    "consumer groups and the tenant's counts (documents by status, audit records, …). Exits 1 when\n" +
    'something is unhealthy. With --json, prints the GetStatusResponse.',
  options: {},
  positionals: { min: 0, max: 0 },
  async run(context) {
    const response = await context
      .client(StatusService)
      .getStatus({ tenant: context.global.tenant }, context.unary());
    if (context.global.json) writeJson(context.io.stdout, GetStatusResponseSchema, response);
    else context.io.stdout.write(renderStatus(response));
    return response.healthy ? ExitCode.OK : ExitCode.FAILED;
  },
};

/** Process, health per component, lag per consumer group, counts per service. */
export function renderStatus(s: GetStatusResponse): string {
  const lines = columns([
    ['process', `${s.process}  (${time(s.time)})`],
    ['health', s.healthy ? 'healthy' : s.shuttingDown ? 'UNHEALTHY: shutting down' : 'UNHEALTHY'],
    ['services', s.services.filter((name) => name.startsWith('cairn.')).join(', ')],
  ]);
  lines.push(
    '',
    'components',
    ...columns(
      s.components.map((c) => [c.healthy ? 'ok' : 'FAIL', c.name, c.detail]),
      '  ',
    ),
  );
  lines.push('', ...renderLag(s.consumerLag), '', ...renderCounts(s), '');
  return lines.join('\n');
}

/** One line per consumer group (partitions and lag summed), then the topics that are behind. */
export function renderLag(lags: readonly ConsumerLag[]): string[] {
  const groups = new Map<string, { partitions: number; lag: bigint; behind: Map<string, bigint> }>();
  for (const entry of lags) {
    const group = groups.get(entry.group) ?? { partitions: 0, lag: 0n, behind: new Map<string, bigint>() };
    group.partitions++;
    group.lag += entry.lag;
    if (entry.lag > 0n) group.behind.set(entry.topic, (group.behind.get(entry.topic) ?? 0n) + entry.lag);
    groups.set(entry.group, group);
  }
  const total = [...groups.values()].reduce((sum, group) => sum + group.lag, 0n);
  if (groups.size === 0) return ['consumer lag', '  no consumer groups in this process'];
  const entries = [...groups];
  const rows = columns(
    entries.map(([name, group]) => [name, count(group.partitions, 'partition'), `${group.lag} behind`]),
    '  ',
  );
  return [
    `consumer lag (${total} records behind)`,
    ...entries.flatMap(([, group], index) => [
      rows[index] ?? '',
      ...[...group.behind].map(([topic, lag]) => `    ${topic}: ${lag} behind`),
    ]),
  ];
}

/** One line per service; detail counts (dotted names) only when not zero. */
export function renderCounts(s: GetStatusResponse): string[] {
  const byService = new Map<string, string[]>();
  for (const c of s.counts) {
    if (c.name.includes('.') && c.value === 0n) continue;
    byService.set(c.service, [...(byService.get(c.service) ?? []), `${c.name} ${c.value}`]);
  }
  return [
    `counts of tenant ${s.tenant}`,
    ...(byService.size === 0
      ? ['  none reported by this process']
      : columns(
          [...byService].map(([service, items]) => [service, items.join(', ')]),
          '  ',
        )),
  ];
}
