import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import type { DataChangeEvent, Row } from '../../event/change-event.js';
import type { ColumnType } from '../../event/column-type.js';
import { tableId, type TableId, type TableSchema } from '../../event/table-schema.js';
import { CHECKPOINT_FORMAT, type Checkpoint } from '../../runtime/checkpoint.js';
import { createLogger } from '../../runtime/logger.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import type { Sink } from '../../runtime/sink.js';
import { startKafkaMock, type KafkaMock } from '../../../test/support/kafka-mock.js';
import { KafkaProducer } from './kafka-producer.js';
import { latestPerKey, openKafkaSink, readTopic } from './kafka-sink-test-support.js';

let mock: KafkaMock;
before(async () => {
  mock = await startKafkaMock(1);
});
after(() => mock.stop());

const INT: ColumnType = { kind: 'integer', bytes: 8, unsigned: false };
const TEXT: ColumnType = { kind: 'string', length: 50 };
const schema: TableSchema = {
  columns: [
    { name: 'id', type: INT, nullable: false },
    { name: 'name', type: TEXT, nullable: true },
  ],
  primaryKeys: ['id'],
};
const ev = (t: TableId, op: DataChangeEvent['op'], b: Row | null, a: Row | null): DataChangeEvent => ({
  kind: 'data',
  tableId: t,
  op,
  before: b,
  after: a,
  meta: { tsMs: 1000 },
});
const cp = (seq: number): Checkpoint => ({
  format: CHECKPOINT_FORMAT,
  seq,
  pipeline: 'p',
  source: { position: seq },
  runtime: {},
  createdAt: seq,
});
/** The mock cluster does not answer CreateTopics: give up on it soon. */
const quickCreate = { 'sink.topic-creation.timeout': '200ms' };
const props = () => ({ 'bootstrap.servers': mock.bootstrap });

async function withSink(
  type: 'kafka' | 'upsert-kafka',
  options: Record<string, unknown>,
  body: (sink: Sink) => Promise<void>,
  pipeline = 'p',
): Promise<void> {
  const sink = await openKafkaSink(type, { properties: props(), ...options }, pipeline);
  try {
    await body(sink);
  } finally {
    await sink.close();
  }
}

test('upsert-kafka: key = primary key JSON, value = row, tombstones for deletes and moved keys', async () => {
  const t = tableId('order_dw', 'user');
  await withSink('upsert-kafka', { topic: 'upsert_user', ...quickCreate }, async (sink) => {
    await sink.applySchemaChange(t, { type: 'create-table', schema }, schema);
    await sink.write([
      ev(t, 'insert', null, [1n, 'Tom']),
      ev(t, 'insert', null, [2n, 'Jerry']),
      ev(t, 'update', [1n, 'Tom'], [3n, 'Tom']),
      ev(t, 'delete', [2n, 'Jerry'], null),
    ]);
    await sink.flush(cp(1));
  });
  const messages = await readTopic(mock.bootstrap, 'upsert_user');
  const perKey = new Map<string, (string | null)[]>();
  for (const m of messages) perKey.set(m.key!, [...(perKey.get(m.key!) ?? []), m.payload]);
  assert.deepEqual(Object.fromEntries(perKey), {
    '{"id":1}': ['{"id":1,"name":"Tom"}', null],
    '{"id":2}': ['{"id":2,"name":"Jerry"}', null],
    '{"id":3}': ['{"id":3,"name":"Tom"}'],
  });
  assert.deepEqual([...latestPerKey(messages)], [['{"id":3}', '{"id":3,"name":"Tom"}']]);
  // hash-by-key (upsert-kafka's default): each key keeps to one partition
  const partitions = new Map<string, Set<number>>();
  for (const m of messages) partitions.set(m.key!, (partitions.get(m.key!) ?? new Set()).add(m.partition));
  for (const [key, ps] of partitions) assert.equal(ps.size, 1, `key ${key} in one partition`);
});

test('upsert-kafka: a table without primary key is refused, naming the table', async () => {
  await withSink('upsert-kafka', quickCreate, async (sink) => {
    const keyless = { ...schema, primaryKeys: [] };
    await assert.rejects(
      sink.applySchemaChange(tableId('order_dw', 'log'), { type: 'create-table', schema: keyless }, keyless),
      (e: Error & { code?: string }) => e.code === 'SINK_SCHEMA' && /order_dw\.log has none/.test(e.message),
    );
  });
});

test('hash-by-key spreads keys over partitions; headers carry the table id and custom pairs', async () => {
  await mock.createTopic('hashed', 4);
  const t = tableId('db', 'tbl');
  const options = {
    topic: 'hashed',
    'partition.strategy': 'hash-by-key',
    'sink.add-tableId-to-header-enabled': true,
    'sink.custom-header': 'env:test',
  };
  await withSink('kafka', options, async (sink) => {
    await sink.applySchemaChange(t, { type: 'create-table', schema }, schema);
    await sink.write(Array.from({ length: 40 }, (_, i) => ev(t, 'insert', null, [BigInt(i), 'x'])));
    await sink.write(
      Array.from({ length: 40 }, (_, i) => ev(t, 'update', [BigInt(i), 'x'], [BigInt(i), 'y'])),
    );
    await sink.flush(cp(1));
  });
  const messages = await readTopic(mock.bootstrap, 'hashed');
  assert.equal(messages.length, 80);
  assert.ok(new Set(messages.map((m) => m.partition)).size > 1, 'more than one partition');
  const byKey = new Map<string, Set<number>>();
  for (const m of messages) byKey.set(m.key!, (byKey.get(m.key!) ?? new Set()).add(m.partition));
  for (const ps of byKey.values()) assert.equal(ps.size, 1);
  // the partition the Java client's default partitioner picks for the key
  for (const m of messages)
    assert.equal(m.partition, (murmur2(Buffer.from(m.key!)) & 0x7fffffff) % 4, m.key!);
  assert.deepEqual(messages[0]!.headers, [
    'env',
    'test',
    'namespace',
    '',
    'schemaName',
    'db',
    'tableName',
    'tbl',
  ]);
});

test('exactly-once: each flush commits a transaction with its checkpoint; a restart reads it back', async () => {
  const t = tableId('db', 'eo');
  const options = {
    'sink.delivery-guarantee': 'exactly-once',
    'sink.checkpoint-topic': 'eo_checkpoints',
    ...quickCreate,
  };
  await withSink(
    'kafka',
    options,
    async (sink) => {
      assert.equal(sink.transactional, true);
      assert.equal(await sink.committedCheckpoint(), undefined);
      await sink.applySchemaChange(t, { type: 'create-table', schema }, schema);
      await sink.write([ev(t, 'insert', null, [1n, 'a'])]);
      await sink.flush(cp(1));
      await sink.write([ev(t, 'insert', null, [2n, 'b'])]);
      await sink.flush(cp(2));
    },
    'eo-pipeline',
  );
  await withSink(
    'kafka',
    options,
    async (sink) => assert.equal((await sink.committedCheckpoint())?.seq, 2),
    'eo-pipeline',
  );
  // another pipeline's checkpoints in the same topic are not this one's
  await withSink(
    'kafka',
    options,
    async (sink) => assert.equal(await sink.committedCheckpoint(), undefined),
    'other',
  );
  const cps = await readTopic(mock.bootstrap, 'eo_checkpoints');
  assert.deepEqual(
    cps.map((m) => [m.key, (JSON.parse(m.payload!) as Checkpoint).seq]),
    [
      ['eo-pipeline', 1],
      ['eo-pipeline', 2],
    ],
  );
});

test('a delivery failure fails the flush, naming topic and partition, and latches the sink', async () => {
  const t = tableId('db', 'down');
  const logger = createLogger({ level: 'error' });
  const sink = await openKafkaSink(
    'kafka',
    { properties: { ...props(), 'message.timeout.ms': '1500' }, topic: 'down_topic' },
    'p',
    logger,
  );
  try {
    await sink.applySchemaChange(t, { type: 'create-table', schema }, schema);
    await mock.setBrokerDown(1, true);
    await sink.write([ev(t, 'insert', null, [1n, 'a'])]);
    await assert.rejects(
      sink.flush(cp(1)),
      (e: Error & { code?: string }) =>
        e.code === 'KAFKA_SINK_DELIVERY' && /topic down_topic partition 0/.test(e.message),
    );
    await assert.rejects(sink.write([ev(t, 'insert', null, [2n, 'b'])]), /unusable/);
  } finally {
    await mock.setBrokerDown(1, false);
    await sink.close();
  }
});

test('failure reports arrive before acknowledged() resolves: flushes racing expiring messages', async () => {
  // Only failed messages are reported; acknowledged() relies on their reports being dispatched in
  // the event-loop turn of the flush's completion. Messages that expire while the flush runs put
  // the two signals as close together as they get: every round must see its failure.
  for (let round = 0; round < 4; round++) {
    const p = await KafkaProducer.connect(
      { ...props(), 'message.timeout.ms': 150 + round * 7 },
      'kafka sink',
    );
    try {
      await mock.setBrokerDown(1, true);
      for (let i = 0; i < 2000; i++)
        await p.produce(`expiring_${round}`, i % 2, Buffer.from('v'), null, undefined);
      await assert.rejects(
        p.acknowledged(),
        (e: Error & { code?: string }) => e.code === 'KAFKA_SINK_DELIVERY',
      );
    } finally {
      await mock.setBrokerDown(1, false);
      await p.disconnect();
    }
  }
});

test('back-pressure: a queue of 10 messages takes 500 without losing one', async () => {
  const t = tableId('db', 'pressure');
  const sink = await openKafkaSink(
    'kafka',
    {
      properties: { ...props(), 'queue.buffering.max.messages': '10' },
      topic: 'pressure',
      'value.format': 'json',
    },
    'p',
  );
  try {
    await sink.applySchemaChange(t, { type: 'create-table', schema }, schema);
    await sink.write(Array.from({ length: 500 }, (_, i) => ev(t, 'insert', null, [BigInt(i), 'v'])));
    await sink.flush(cp(1));
  } finally {
    await sink.close();
  }
  assert.equal(latestPerKey(await readTopic(mock.bootstrap, 'pressure')).size, 500);
});

test('exactly-once refuses properties.enable.idempotence: false with a clear error', async () => {
  await assert.rejects(
    openKafkaSink(
      'kafka',
      {
        properties: { ...props(), 'enable.idempotence': 'false' },
        'sink.delivery-guarantee': 'exactly-once',
      },
      'p',
    ),
    // refused by the options schema (what `validate` runs), before anything connects
    (e: Error) =>
      /properties\.enable\.idempotence[\s\S]*cannot be set \(tidemark sets it to true/.test(e.message),
  );
});

// The mock cluster does not fence the first producer (its next commit succeeds): that a new
// instance fences an old one is librdkafka's and the broker's promise, not verified here.
test('exactly-once: a new instance resumes from the last commit while an old one holds an open transaction', async () => {
  const t = tableId('db', 'fenced');
  const options = {
    properties: props(),
    topic: 'fenced',
    'sink.delivery-guarantee': 'exactly-once',
    'sink.checkpoint-topic': 'fenced_checkpoints',
    ...quickCreate,
  };
  const first = await openKafkaSink('kafka', options, 'fenced-pipeline');
  try {
    await first.applySchemaChange(t, { type: 'create-table', schema }, schema);
    await first.write([ev(t, 'insert', null, [1n, 'a'])]);
    await first.flush(cp(1));
    await first.write([ev(t, 'insert', null, [2n, 'b'])]);
    const second = await openKafkaSink('kafka', options, 'fenced-pipeline');
    try {
      assert.equal((await second.committedCheckpoint())?.seq, 1);
    } finally {
      await second.close();
    }
  } finally {
    await first.close();
  }
});

test('upsert-kafka: topics are requested compacted; a broker that does not create them gets one warning', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'warn',
    pretty: false,
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const sink = await openKafkaSink('upsert-kafka', { properties: props(), ...quickCreate }, 'p', logger);
  try {
    for (const name of ['one', 'two'])
      await sink.applySchemaChange(tableId('warn_db', name), { type: 'create-table', schema }, schema);
    await sink.write([ev(tableId('warn_db', 'two'), 'insert', null, [1n, 'a'])]);
    await sink.flush(cp(1));
  } finally {
    await sink.close();
  }
  const warnings = lines.filter((l) => /left to auto-creation/.test(String(l.msg ?? l.message)));
  assert.equal(warnings.length, 1, JSON.stringify(lines));
  assert.match(JSON.stringify(warnings[0]), /"cleanup.policy":"compact"/);
  assert.equal((await readTopic(mock.bootstrap, 'warn_db.two')).length, 1, 'auto-created');
});

test('brokers that cannot be reached: the error names them and the option', async () => {
  const servers = `127.0.0.1:${await closedPort()}`;
  await assert.rejects(
    KafkaProducer.connect({ 'bootstrap.servers': servers }, 'kafka sink', 1000),
    (e: unknown) =>
      e instanceof TidemarkError &&
      e.code === 'SINK_OPEN' &&
      e.message.includes(`cannot connect to ${servers} (properties.bootstrap.servers of the kafka sink`),
  );
});

test('debezium-json.include-schema.enabled with another value.format is a configuration error', async () => {
  await assert.rejects(
    openKafkaSink(
      'kafka',
      { properties: props(), 'value.format': 'canal-json', 'debezium-json.include-schema.enabled': true },
      'p',
    ),
    /applies to value.format debezium-json only/,
  );
});

/** Kafka's Java `Utils.murmur2` (the default partitioner's hash), as an independent oracle. */
function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}
