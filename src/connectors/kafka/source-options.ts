import { z } from 'zod';
import { opt, SECRET_SETTING_NAMES } from '../../pipeline-spec/option-types.js';
import { ownedPropertyIssues } from './kafka-properties.js';

/** Consumer properties tidemark owns: offsets move only with its checkpoints (see kafka-source.ts). */
export const CONSUMER_OWNED = {
  'enable.auto.commit': false,
  'enable.auto.offset.store': false,
  'enable.partition.eof': true,
} as const;

/** Options of `source: type: kafka`, with the names of Flink CDC's Kafka pipeline source. */
export const kafkaSourceOptionsSchema = z
  .object({
    properties: opt
      .prefixMap(SECRET_SETTING_NAMES)
      .describe(
        'librdkafka client settings, Flink style: `properties.bootstrap.servers` (required), `properties.group.id` ' +
          '(default `tidemark-<pipeline name>`), `properties.security.protocol`, `properties.sasl.*`, … ' +
          "`enable.auto.commit` is tidemark's (false: offsets move with checkpoints); secrets are never logged.",
      ),
    topic: opt
      .string()
      .optional()
      .describe(
        'Topic to read, or several separated by `;` (`orders;customers`). One of `topic`, `topic-pattern`.',
      ),
    'topic-pattern': opt
      .string()
      .optional()
      .describe(
        'Regular expression of the topics to read (`inventory\\..*`); topics created later join when they match.',
      ),
    'scan.startup.mode': opt
      .enum(['group-offsets', 'earliest-offset', 'latest-offset', 'timestamp', 'specific-offsets'])
      .default('group-offsets')
      .describe(
        'Where a partition starts when neither the checkpoint nor the consumer group has an offset for it: ' +
          "`group-offsets` (the group's, else the earliest), `earliest-offset`, `latest-offset`, `timestamp` " +
          '(`scan.startup.timestamp-millis`), `specific-offsets` (`scan.startup.specific-offsets`, others earliest). ' +
          "The checkpoint and then the group's committed offset always win, so a process joining a group never " +
          're-reads what the group consumed: use a new `properties.group.id` to replay.',
      ),
    'scan.startup.timestamp-millis': opt
      .int(0)
      .optional()
      .describe('Start at the first message at or after this time, epoch milliseconds (`timestamp` mode).'),
    'scan.startup.specific-offsets': opt
      .string()
      .optional()
      .refine((v) => v === undefined || parseSpecificOffsetsSafe(v) !== undefined, {
        message:
          'expected partition:<n>,offset:<n> pairs separated by ";" (partition:0,offset:42;partition:1,offset:300)',
      })
      .describe(
        'Offsets per partition (`specific-offsets` mode): `partition:0,offset:42;partition:1,offset:300`.',
      ),
    'value.format': opt
      .enum(['debezium-json', 'canal-json', 'json'])
      .default('debezium-json')
      .describe(
        'Format of the message values: `debezium-json` (optionally with its `schema`/`payload` envelope), ' +
          '`canal-json`, or `json` (each message is a row, inserted).',
      ),
    'debezium-json.distributed-tables': opt
      .bool()
      .default(false)
      .describe(
        'One topic carries many tables: each message goes to the table named by its `source.db`/`source.table`. ' +
          'Without it, the table is the topic: `default_database.<topic>`.',
      ),
    'canal-json.distributed-tables': opt
      .bool()
      .default(false)
      .describe("As `debezium-json.distributed-tables`, with canal's `database`/`table`."),
    'schema.inference.strategy': opt
      .enum(['continuous', 'static'])
      .default('continuous')
      .describe(
        '`continuous`: a new field becomes an added column before the row that has it, and a value the column type ' +
          'cannot hold widens it (BIGINT → DOUBLE, anything else → STRING); `static`: the first message of a table ' +
          'fixes its columns (later new fields are ignored, with a warning) and types (a value that does not fit is ' +
          'bad input). Types given by the message (a Debezium `schema` block) are exact either way.',
      ),
    'ingestion.ignore-errors': opt
      .bool()
      .default(false)
      .describe(
        "A message that cannot be read (not JSON, unknown op, a value not of its column's type) is counted, logged " +
          'and skipped instead of stopping the pipeline.',
      ),
    'ingestion.dead-letter-topic': opt
      .string()
      .optional()
      .describe(
        'With `ingestion.ignore-errors`: skipped messages are produced to this topic (key, value and headers kept, ' +
          'plus `tidemark.error`, `tidemark.origin.topic`, `tidemark.origin.partition`, `tidemark.origin.offset`).',
      ),
  })
  .strict()
  .superRefine((o, ctx) => {
    const issue = (path: string, message: string): void =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    if ((o.topic === undefined) === (o['topic-pattern'] === undefined))
      issue('topic', 'set exactly one of topic and topic-pattern');
    const mode = o['scan.startup.mode'];
    if (mode === 'timestamp' && o['scan.startup.timestamp-millis'] === undefined)
      issue('scan.startup.mode', 'timestamp mode needs scan.startup.timestamp-millis');
    if (mode === 'specific-offsets' && o['scan.startup.specific-offsets'] === undefined)
      issue('scan.startup.mode', 'specific-offsets mode needs scan.startup.specific-offsets');
    if (mode === 'specific-offsets' && (o.topic === undefined || o.topic.includes(';')))
      issue('scan.startup.specific-offsets', 'specific-offsets needs a single topic');
    if (!o.properties?.['bootstrap.servers']?.trim()) issue('properties.bootstrap.servers', 'is required');
    for (const { key, message } of ownedPropertyIssues(o.properties, CONSUMER_OWNED))
      issue(`properties.${key}`, message);
    if (o['ingestion.dead-letter-topic'] !== undefined && !o['ingestion.ignore-errors'])
      issue('ingestion.dead-letter-topic', 'a dead-letter topic needs ingestion.ignore-errors: true');
  });

export type KafkaSourceOptions = z.output<typeof kafkaSourceOptionsSchema>;

/** `partition:0,offset:42;partition:1,offset:300` → partition → offset; throws on bad text. */
export function parseSpecificOffsets(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const m = /^\s*partition\s*:\s*(\d+)\s*,\s*offset\s*:\s*(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`"${part}" is not partition:<n>,offset:<n>`);
    const partition = Number(m[1]);
    if (out.has(partition)) throw new Error(`partition ${partition} is given twice`);
    out.set(partition, Number(m[2]));
  }
  if (out.size === 0) throw new Error('no partition:offset pair');
  return out;
}

function parseSpecificOffsetsSafe(text: string): Map<number, number> | undefined {
  try {
    return parseSpecificOffsets(text);
  } catch {
    return undefined;
  }
}
