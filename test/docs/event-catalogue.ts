import { join } from 'node:path';
import { getOption, hasOption, type DescMessage, type FileRegistry } from '@bufbuild/protobuf';
import { nestedTypes } from '@bufbuild/protobuf/reflect';
import { ContentTypes, DlqHeaders, dlqTopicName, EventHeaders, kafkaGroupId } from '@cairn/events';
import { REPO_ROOT } from '../support/repo.js';
import { declaredConsumers, type DeclaredConsumer } from './event-consumers.js';
import { scanPublishSites } from './event-producers.js';
import { typeAnchor } from './grpc-reference.js';
import { anchor, cell, code, generatedBanner, prose, table } from './markdown.js';
import { cairnFiles, commentOf } from './proto-descriptors.js';
import type { ServicePackage } from './service-packages.js';

/** One event topic with everything the catalogue says about it. */
export interface CatalogueEvent {
  readonly topic: string;
  readonly payload: DescMessage;
  readonly keyField: string;
  readonly ingress: boolean;
  readonly description: string;
  /** Services that publish it, with the source files that do. */
  readonly producers: readonly { readonly service: string; readonly files: readonly string[] }[];
  readonly consumers: readonly (DeclaredConsumer & { readonly service: string })[];
}

/** The event catalogue: every topic declared in proto/, who publishes it and who consumes it. */
export interface EventCatalogue {
  readonly events: readonly CatalogueEvent[];
}

/**
 * Builds the catalogue: topics from the `(cairn.common.v1.event)` option in proto/, producers from each
 * service's sources (`scanPublishSites`), consumers from its modules' `@EventConsumer` providers. Throws
 * when a publish call cannot be resolved, or a service publishes or consumes a topic proto/ does not declare.
 */
export async function collectEventCatalogue(
  registry: FileRegistry,
  services: readonly ServicePackage[],
): Promise<EventCatalogue> {
  const event = registry.getExtension('cairn.common.v1.event');
  if (!event) throw new Error('proto/ declares no cairn.common.v1.event option');
  const declared = cairnFiles(registry)
    .flatMap((file) => [...nestedTypes(file)])
    .filter((desc): desc is DescMessage => desc.kind === 'message' && hasOption(desc, event))
    .map((payload) => ({ payload, ...(getOption(payload, event) as EventOption) }))
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  const topics = new Set(declared.map((e) => e.topic));
  const problems: string[] = [];
  const producers = new Map<string, Map<string, Set<string>>>();
  const consumers = new Map<string, (DeclaredConsumer & { service: string })[]>();
  for (const service of services) {
    const scan = await scanPublishSites(join(service.dir, 'src'), REPO_ROOT);
    problems.push(...scan.problems);
    for (const site of scan.sites) {
      if (!topics.has(site.topic)) {
        problems.push(
          `${site.file}:${site.line}: publishes ${site.topic}, which no message in proto/ declares`,
        );
        continue;
      }
      const byService = producers.get(site.topic) ?? new Map<string, Set<string>>();
      producers.set(
        site.topic,
        byService.set(service.name, (byService.get(service.name) ?? new Set()).add(site.file)),
      );
    }
    for (const consumer of declaredConsumers(service.modules)) {
      if (!topics.has(consumer.topic)) {
        problems.push(
          `${service.name} ${consumer.className}: consumes ${consumer.topic}, which no message in proto/ declares`,
        );
        continue;
      }
      consumers.set(consumer.topic, [
        ...(consumers.get(consumer.topic) ?? []),
        { ...consumer, service: service.name },
      ]);
    }
  }
  if (problems.length > 0)
    throw new Error(`the event catalogue cannot be built:\n  ${problems.join('\n  ')}`);
  return {
    events: declared.map((e) => ({
      topic: e.topic,
      payload: e.payload,
      keyField: e.keyField,
      ingress: e.ingress,
      description: e.description,
      producers: [...(producers.get(e.topic) ?? new Map<string, Set<string>>())].map(([service, files]) => ({
        service,
        files: [...files].sort(),
      })),
      consumers: consumers.get(e.topic) ?? [],
    })),
  };
}

interface EventOption {
  readonly topic: string;
  readonly keyField: string;
  readonly ingress: boolean;
  readonly description: string;
}

/** What each record header means; a header the codec writes without an entry here fails the generator. */
const HEADER_MEANINGS: Readonly<Record<string, string>> = {
  [EventHeaders.eventId]:
    'Unique id of the event (UUID); consumers drop duplicates by it. Absent on foreign records: derived from topic, partition and offset.',
  [EventHeaders.eventType]:
    'Full name of the payload message; a record whose type does not match its topic goes to the DLQ.',
  [EventHeaders.schemaVersion]: 'Version of the payload package (`v1`).',
  [EventHeaders.tenant]:
    "Tenant of the event. Absent on foreign records: read from the payload's `tenant` field.",
  [EventHeaders.contentType]: `\`${ContentTypes.protobuf}\` (default) or, on ingress topics only, \`${ContentTypes.json}\` (protobuf JSON mapping).`,
  [EventHeaders.traceparent]: 'W3C trace context of the operation that published the event.',
  [DlqHeaders.error]: 'Why the record was dead-lettered (the last error).',
  [DlqHeaders.originalTopic]: 'Topic the record came from.',
  [DlqHeaders.originalPartition]: 'Its partition there.',
  [DlqHeaders.originalOffset]: 'Its offset there.',
  [DlqHeaders.group]: 'Consumer group that gave up on it.',
  [DlqHeaders.attempts]: 'Handler attempts made.',
  [DlqHeaders.failedAt]: 'When it was dead-lettered (ISO 8601).',
};

/** Renders docs/reference/events.md. */
export function renderEventCatalogue(catalogue: EventCatalogue): string {
  const out: string[] = [
    generatedBanner(
      "the `(cairn.common.v1.event)` options in `proto/`, the services' publish calls and their `@EventConsumer` providers",
    ),
    '',
    '# Event catalogue',
    '',
    'Every event topic of Cairn. Topics, keys and payloads come from the `(cairn.common.v1.event)` option of the',
    'payload messages in `proto/`; producers from the `publish` calls in `services/*/src`',
    '(`test/docs/event-producers.ts`; a call it cannot resolve fails the build of this page); consumers from the',
    "`@EventConsumer` providers of each service's Nest module, the ones the service subscribes at start.",
    '`test/e2e/prometheus.test.ts` checks what running services publish and consume against this catalogue.',
    '',
    "A record's key is the payload's key field (UTF-8), so the events of one entity stay in order on one",
    'partition; its value is the payload in protobuf binary. Every topic has a dead-letter topic `<topic>.dlq`',
    `that receives, unchanged and with the ${code(DlqHeaders.error)} headers below, the records a consumer group`,
    'could not handle after `CAIRN_EVENTS_MAX_ATTEMPTS` attempts, and at once those it cannot decode. Consumer',
    'groups are prefixed with `CAIRN_EVENTS_GROUP_PREFIX`; on Kafka each (group, topic) pair is its own Kafka',
    'consumer group, named `<prefix><group>:<topic>`. Topics are created with `CAIRN_EVENTS_PARTITIONS` partitions',
    '(see [operations](../operations.md#topics-and-partitions)).',
    '',
    '## Topics',
    '',
    table(
      ['Topic', 'Payload', 'Key', 'Produced by', 'Consumed by (group)'],
      catalogue.events.map((e) => [
        `[${code(e.topic)}](#${e.topic})`,
        `[${code(e.payload.name)}](grpc.md#${typeAnchor(e.payload.typeName)})`,
        code(e.keyField),
        producerSummary(e),
        e.consumers.length === 0
          ? 'none'
          : e.consumers.map((c) => `${c.service} (${code(c.group)})`).join(', '),
      ]),
    ),
    '',
  ];
  for (const e of catalogue.events) out.push(...renderEvent(e));
  out.push(
    '## Record headers',
    '',
    "Written by Cairn producers and read by the consumers' codec; a DLQ record keeps the original headers and adds the `cairn-dlq-*` ones.",
    '',
  );
  const headers = [...Object.values(EventHeaders), ...Object.values(DlqHeaders)];
  const undocumented = headers.filter((name) => HEADER_MEANINGS[name] === undefined);
  if (undocumented.length > 0)
    throw new Error(`test/docs/event-catalogue.ts: describe the record headers ${undocumented.join(', ')}`);
  out.push(
    table(
      ['Header', 'Meaning'],
      headers.map((name) => [code(name), cell(HEADER_MEANINGS[name]!)]),
    ),
    '',
  );
  return `${out.join('\n')}\n`;
}

function producerSummary(e: CatalogueEvent): string {
  const names = e.producers.map((p) => p.service);
  if (e.ingress) names.push('external systems');
  return names.length === 0 ? 'none yet' : names.join(', ');
}

function renderEvent(e: CatalogueEvent): string[] {
  const out = [anchor(e.topic), '', `### ${code(e.topic)}`, ''];
  if (e.description) out.push(prose(e.description), '');
  if (commentOf(e.payload)) out.push(prose(commentOf(e.payload)), '');
  out.push(
    `- Payload: [${code(e.payload.typeName)}](grpc.md#${typeAnchor(e.payload.typeName)})`,
    `- Key: ${code(e.keyField)}`,
    `- Ingress: ${e.ingress ? `yes — systems outside the platform may publish it, in protobuf binary or protobuf JSON (\`content-type: ${ContentTypes.json}\`)` : 'no — only Cairn services publish it'}`,
    `- Dead letters: ${code(dlqTopicName(e.topic))}`,
  );
  if (e.producers.length === 0) {
    out.push(
      `- Produced by: ${e.ingress ? 'external systems only' : 'no service publishes it yet (declared in the contracts)'}`,
    );
  } else {
    out.push('- Produced by:');
    for (const producer of e.producers) {
      out.push(`  - ${producer.service}: ${producer.files.map((file) => code(file)).join(', ')}`);
    }
    if (e.ingress) out.push('  - external systems (ingress topic)');
  }
  out.push('');
  if (e.consumers.length === 0) {
    out.push('Consumed by: no service.', '');
    return out;
  }
  out.push(
    table(
      ['Consumed by', 'Group', 'Kafka consumer group', 'Handler', 'Delivery'],
      e.consumers.map((c) => [
        c.service,
        code(c.group),
        code(kafkaGroupId(c.group, e.topic)),
        code(c.className),
        delivery(c),
      ]),
    ),
    '',
  );
  return out;
}

function delivery(consumer: DeclaredConsumer): string {
  const parts = [consumer.batch ? 'in batches per partition' : 'one event at a time'];
  if (consumer.idempotent) parts.push('each idempotency key applied once per group');
  parts.push(
    consumer.maxAttempts === undefined
      ? 'retried up to `CAIRN_EVENTS_MAX_ATTEMPTS`'
      : `retried up to ${consumer.maxAttempts} attempts`,
  );
  return parts.join('; ');
}
