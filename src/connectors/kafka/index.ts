import { TidemarkError } from '../../event/tidemark-error.js';
import type { Connector } from '../../runtime/component-registry.js';
import type { Sink } from '../../runtime/sink.js';
import { defineSink, defineSource } from '../../runtime/connector-kit.js';
import { KAFKA_ERROR_CODES } from './errors.js';
import { kafkaSourceOptionsSchema } from './source-options.js';
import {
  kafkaSinkOptionsSchema,
  upsertKafkaSinkOptionsSchema,
  type UpsertKafkaSinkOptions,
} from './sink-options.js';
import type { KafkaSinkConfig } from './kafka-sink.js';

/** The Kafka connector. librdkafka (a native module) loads only on `create`. */
export const kafkaConnector: Connector = {
  name: 'kafka',
  sources: [
    defineSource({
      type: 'kafka',
      description:
        'Kafka topics in debezium-json, canal-json or json: schemas inferred or read from the messages, offsets moved by checkpoints, consumer-group scale-out.',
      options: kafkaSourceOptionsSchema,
      create: async (options, spec) => {
        const [{ KafkaSource }, { loadKafka }] = await Promise.all([
          import('./kafka-source.js'),
          import('./kafka-consumer.js'),
        ]);
        return new KafkaSource(options, await loadKafka(), spec.pipeline.name);
      },
    }),
  ],
  sinks: [
    defineSink({
      type: 'kafka',
      description: 'Every change into Kafka topics as debezium-json, canal-json or json messages.',
      options: kafkaSinkOptionsSchema,
      create: async (o) => {
        if (o['debezium-json.include-schema.enabled'] && o['value.format'] !== 'debezium-json')
          throw new TidemarkError(
            'CONFIG_INVALID',
            `kafka sink: debezium-json.include-schema.enabled applies to value.format debezium-json only (value.format is ${o['value.format']}): remove it or change the format`,
          );
        return kafkaSink({
          ...commonConfig(o),
          type: 'kafka',
          upsert: false,
          encoding: {
            valueFormat: o['value.format'],
            keyFormat: o['key.format'],
            includeSchema: o['debezium-json.include-schema.enabled'],
            now: Date.now,
          },
        });
      },
    }),
    defineSink({
      type: 'upsert-kafka',
      description: 'The latest row per primary key into compacted Kafka topics (delete: a tombstone).',
      options: upsertKafkaSinkOptionsSchema,
      create: async (o) =>
        kafkaSink({
          ...commonConfig(o),
          type: 'upsert-kafka',
          upsert: true,
          encoding: { valueFormat: 'json', keyFormat: 'json', includeSchema: false, now: Date.now },
        }),
    }),
  ],
  errors: KAFKA_ERROR_CODES,
};

type Common = Omit<KafkaSinkConfig, 'type' | 'upsert' | 'encoding'>;

function commonConfig(o: UpsertKafkaSinkOptions): Common {
  return {
    name: o.name,
    properties: o.properties,
    topic: o.topic,
    topicMapping: o['sink.tableId-to-topic.mapping'],
    partitioning: o['partition.strategy'],
    tableIdHeaders: o['sink.add-tableId-to-header-enabled'],
    customHeaders: o['sink.custom-header'],
    guarantee: o['sink.delivery-guarantee'],
    checkpointTopic: o['sink.checkpoint-topic'],
    topicCreationTimeoutMs: o['sink.topic-creation.timeout'],
  };
}

async function kafkaSink(config: KafkaSinkConfig): Promise<Sink> {
  const { KafkaSink } = await import('./kafka-sink.js');
  return new KafkaSink(config);
}
