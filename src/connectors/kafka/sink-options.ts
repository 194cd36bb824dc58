import { z } from 'zod';
import { opt, SECRET_SETTING_NAMES } from '../../pipeline-spec/option-types.js';
import { ownedPropertyIssues } from './kafka-properties.js';

/**
 * `properties.bootstrap.servers` is required, and exactly-once owns `transactional.id` and
 * `enable.idempotence`: refused by `validate`, before anything connects.
 */
function sinkPropertyIssues(
  o: { properties?: Record<string, string> | undefined; 'sink.delivery-guarantee': DeliveryGuarantee },
  ctx: z.RefinementCtx,
): void {
  if (!o.properties?.['bootstrap.servers']?.trim())
    ctx.addIssue({ code: 'custom', path: ['properties.bootstrap.servers'], message: 'is required' });
  if (o['sink.delivery-guarantee'] !== 'exactly-once') return;
  const owned = { 'transactional.id': undefined, 'enable.idempotence': 'true' };
  for (const { key, message } of ownedPropertyIssues(o.properties, owned))
    ctx.addIssue({ code: 'custom', path: [`properties.${key}`], message });
}

export const VALUE_FORMATS = ['debezium-json', 'canal-json', 'json'] as const;
export type ValueFormatName = (typeof VALUE_FORMATS)[number];
export const KEY_FORMATS = ['json', 'csv'] as const;
export type KeyFormatName = (typeof KEY_FORMATS)[number];
export const PARTITION_STRATEGIES = ['all-to-zero', 'hash-by-key'] as const;
export type PartitionStrategy = (typeof PARTITION_STRATEGIES)[number];
export const DELIVERY_GUARANTEES = ['at-least-once', 'exactly-once'] as const;
export type DeliveryGuarantee = (typeof DELIVERY_GUARANTEES)[number];

/** The options both Kafka sinks have (Flink CDC's names). */
function commonOptions(defaultPartitioning: PartitionStrategy) {
  return {
    name: opt.string().optional().describe('Display name of the sink, used in logs.'),
    properties: opt
      .prefixMap(SECRET_SETTING_NAMES)
      .describe(
        'librdkafka client settings, passed as written: `properties.bootstrap.servers` (required), ' +
          '`properties.security.protocol`, `properties.sasl.*`, `properties.enable.idempotence`… ' +
          'Values of settings named like a password, secret or key are never logged.',
      ),
    topic: opt
      .string()
      .optional()
      .describe('Every table into this one topic. Default: one topic per sink table, named `db.table`.'),
    'sink.tableId-to-topic.mapping': opt
      .string()
      .optional()
      .meta({ examples: ['kafka_test.customers:customers;kafka_test.products:products'] })
      .describe(
        'Topics for some sink tables: `db.table:topic` pairs separated by `;`. Tables not listed ' +
          'go to `topic` when set, else to the topic named `db.table`.',
      ),
    'partition.strategy': opt
      .enum(PARTITION_STRATEGIES)
      .default(defaultPartitioning)
      .describe(
        '`all-to-zero`: every message into partition 0 (one order per topic). `hash-by-key`: ' +
          "the partition from the key bytes with librdkafka's `murmur2_random` (the Java " +
          "client's partitioner): every change of one primary key in one partition, in order.",
      ),
    'sink.add-tableId-to-header-enabled': opt
      .bool()
      .default(false)
      .describe(
        'Adds the headers `namespace`, `schemaName` and `tableName` (the sink table) to each message.',
      ),
    'sink.custom-header': opt
      .string()
      .default('')
      .meta({ examples: ['env:prod,team:data'] })
      .describe('Headers added to each message: `key:value` pairs separated by `,`.'),
    'sink.delivery-guarantee': opt
      .enum(DELIVERY_GUARANTEES)
      .default('at-least-once')
      .describe(
        '`at-least-once`: each checkpoint waits until Kafka acknowledged every message before it ' +
          '(a restart may write the messages after it again). `exactly-once`: a transactional ' +
          'producer (`transactional.id` from the pipeline name and the sink); each checkpoint ' +
          'commits one transaction that also holds the checkpoint, so read_committed consumers ' +
          'see each change once. Needs a broker with transactions (not ApsaraMQ).',
      ),
    'sink.topic-creation.timeout': opt
      .duration()
      .default(5000)
      .meta({ advanced: true })
      .describe(
        'How long to wait for the broker to create a topic tidemark creates (upsert-kafka topics and ' +
          'the checkpoint topic, compacted) before leaving it, and every later one, to ' +
          'auto-creation with a warning.',
      ),
    'sink.checkpoint-topic': opt
      .string()
      .default('_tidemark_checkpoints')
      .meta({ advanced: true })
      .describe(
        'Where `exactly-once` commits its checkpoints (key: the pipeline name, partition 0), ' +
          'created compacted when the broker allows it.',
      ),
  };
}

/** Options of the `kafka` sink. */
export const kafkaSinkOptionsSchema = z
  .strictObject({
    ...commonOptions('all-to-zero'),
    'value.format': opt
      .enum(VALUE_FORMATS)
      .default('debezium-json')
      .describe(
        'The message value: `debezium-json` (before/after/op/source), `canal-json` ' +
          '(old/data/type/database/table/pkNames/ts/es) or `json` (the row; a delete is a ' +
          'tombstone for its key). See "Kafka sinks" in the README.',
      ),
    'key.format': opt
      .enum(KEY_FORMATS)
      .default('json')
      .describe(
        'The message key: the primary-key columns as a JSON object (`{"id":1}`) or as CSV ' +
          '(`1`); no key for a table without primary key.',
      ),
    'debezium-json.include-schema.enabled': opt
      .bool()
      .default(false)
      .describe(
        'debezium-json only: each message is `{"schema":…,"payload":…}` with a Kafka Connect ' +
          'schema per column (its parameter `tidemark.column.type` holds the exact column type).',
      ),
  })
  .superRefine(sinkPropertyIssues)
  .describe('Writes every change into Kafka topics as debezium-json, canal-json or json messages.');

/** Options of the `upsert-kafka` sink. */
export const upsertKafkaSinkOptionsSchema = z
  .strictObject(commonOptions('hash-by-key'))
  .superRefine(sinkPropertyIssues)
  .describe(
    'Writes the latest row per primary key into compacted Kafka topics: key = the primary key as ' +
      'JSON, value = the row as JSON, a delete = a tombstone.',
  );

export type KafkaSinkOptions = z.output<typeof kafkaSinkOptionsSchema>;
export type UpsertKafkaSinkOptions = z.output<typeof upsertKafkaSinkOptionsSchema>;
