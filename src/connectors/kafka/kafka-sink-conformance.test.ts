import { after, before } from 'node:test';
import { sinkConformanceSuite } from '../../runtime/sink-conformance.js';
import { startKafkaMock, type KafkaMock } from '../../../test/support/kafka-mock.js';
import {
  latestPerKey,
  openKafkaSink,
  readTopic,
  replayDebezium,
  rowText,
} from './kafka-sink-test-support.js';

let mock: KafkaMock;
before(async () => {
  mock = await startKafkaMock(1);
});
after(() => mock.stop());

let targets = 0;

// debezium-json at-least-once, rows read back by replaying the change log with kcat. Exactly-once
// is not run here: the mock cluster does not hide aborted transactions from read_committed
// consumers, so "a stop without flush leaves nothing" cannot be observed on it (see
// kafka-sink.test.ts for what is checked of exactly-once).
sinkConformanceSuite({
  name: 'kafka (debezium-json)',
  refusesPartialImages: true,
  messageLog: true,
  newTarget: () => {
    const prefix = `conf${++targets}_`;
    const options = {
      properties: { 'bootstrap.servers': mock.bootstrap },
      'sink.tableId-to-topic.mapping': ['keyed', 'appended', 'never_created']
        .map((t) => `conf_db.${t}:${prefix}${t}`)
        .join(';'),
    };
    return Promise.resolve({
      open: (pipeline) => openKafkaSink('kafka', options, pipeline),
      rows: async (table, columns) => {
        const messages = await readTopic(mock.bootstrap, `${prefix}${table.tableName}`);
        if (messages.length === 0) return undefined; // a topic holds no table, only messages
        return replayDebezium(messages).map((r) => rowText(r, columns));
      },
      dispose: () => Promise.resolve(),
    });
  },
});

// upsert-kafka: the rows are the latest value per key (tombstones remove keys)
sinkConformanceSuite({
  name: 'upsert-kafka',
  refusesPartialImages: true,
  messageLog: true,
  requiresPrimaryKey: true,
  newTarget: () => {
    const prefix = `upsert${++targets}_`;
    const options = {
      properties: { 'bootstrap.servers': mock.bootstrap },
      'sink.topic-creation.timeout': '100ms', // the mock never answers CreateTopics
      'sink.tableId-to-topic.mapping': ['keyed', 'never_created']
        .map((t) => `conf_db.${t}:${prefix}${t}`)
        .join(';'),
    };
    return Promise.resolve({
      open: (pipeline) => openKafkaSink('upsert-kafka', options, pipeline),
      rows: async (table, columns) => {
        const messages = await readTopic(mock.bootstrap, `${prefix}${table.tableName}`);
        if (messages.length === 0) return undefined;
        const rows = [...latestPerKey(messages).values()].map(
          (v) => JSON.parse(v) as Record<string, unknown>,
        );
        return rows.map((r) => rowText(r, columns));
      },
      dispose: () => Promise.resolve(),
    });
  },
});
