// The source conformance suite against the kafka source on librdkafka's mock cluster: a transaction
// of the suite is one canal-json message (canal carries a transaction's rows in one message).
import { after, before } from 'node:test';
import { KafkaSource } from '../src/connectors/kafka/kafka-source.js';
import { loadKafka } from '../src/connectors/kafka/kafka-consumer.js';
import { kafkaSourceOptionsSchema } from '../src/connectors/kafka/source-options.js';
import { sourceConformanceSuite } from '../src/runtime/source-conformance.js';
import { startKafkaMock, type KafkaMock } from './support/kafka-mock.js';
import { produceMessages } from './support/kafka-produce.js';

let kafka: KafkaMock;
before(async () => {
  kafka = await startKafkaMock(1);
});
after(async () => {
  await kafka?.stop();
});

let scenario = 0;
sourceConformanceSuite({
  name: 'kafka',
  setup: async () => {
    const topic = `conformance_${++scenario}`;
    await kafka.createTopic(topic, 1);
    const options = kafkaSourceOptionsSchema.parse({
      properties: {
        'bootstrap.servers': kafka.bootstrap,
        'group.id': topic,
        // the mock lets a new member in only when the one before timed out
        'session.timeout.ms': '1000',
        'heartbeat.interval.ms': '200',
      },
      topic,
      'scan.startup.mode': 'earliest-offset',
      'value.format': 'canal-json',
      'canal-json.distributed-tables': true,
    });
    return {
      newSource: async () => new KafkaSource(options, await loadKafka(), 'conformance'),
      commit: (transactions) =>
        produceMessages(
          kafka.bootstrap,
          topic,
          transactions.map((t) => ({
            value: JSON.stringify({
              data: t.ids.map((id) => ({ id, txn: t.txn, size: t.ids.length })),
              old: null,
              type: 'INSERT',
              database: 'conformance',
              table: 't',
              pkNames: ['id'],
              ts: 0,
              es: 0,
            }),
          })),
        ),
      dispose: () => Promise.resolve(),
    };
  },
});
