import { defineSource } from '../../runtime/connector-kit.js';
import type { Connector } from '../../runtime/component-registry.js';
import { KAFKA_SOURCE_ERROR_CODES } from './source-errors.js';
import { kafkaSourceOptionsSchema } from './source-options.js';

/** The Kafka connector. Only the option schemas load with this file; the native client in `create`. */
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
  sinks: [],
  errors: KAFKA_SOURCE_ERROR_CODES,
};
