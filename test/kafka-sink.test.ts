// Acceptance of the Kafka sinks: a private MariaDB → the real CLI → the mock Kafka cluster, read
// back with kcat (a third-party client): seed 001's shapes and values, seed 002's topic naming with
// keys and tombstones, restarts after SIGTERM and kill -9, exactly-once after SIGTERM.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  latestPerKey,
  readTopic,
  replayDebezium,
  type ReadMessage,
} from '../src/connectors/kafka/kafka-sink-test-support.js';
import { startKafkaMock, type KafkaMock } from './support/kafka-mock.js';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { mariaRows, runTidemark, startTidemark, tempDir, waitFor } from './support/tidemark-cli.js';

let db: MariaDbInstance;
let kafka: KafkaMock;

before(async () => {
  [db, kafka] = await Promise.all([startMariaDb(), startKafkaMock(1)]);
});
after(async () => {
  await Promise.all([db?.stop(), kafka?.stop()]);
});

let serverIds = 6400;

interface KafkaPipeline {
  readonly name: string;
  readonly tables: string;
  readonly sink: Record<string, string>;
  readonly route?: string;
}

/** Writes the pipeline file (seed 001's shape with the mock's bootstrap); returns [file, state dir]. */
function writeKafkaPipeline(p: KafkaPipeline): [string, string] {
  const dir = tempDir('tidemark-kafka-');
  const ids = `${serverIds}-${(serverIds += 5) - 1}`;
  const yaml = [
    'source:',
    '  type: mysql',
    '  hostname: 127.0.0.1',
    `  port: ${db.port}`,
    '  username: root',
    `  password: "${db.rootPassword}"`,
    `  tables: ${p.tables}`,
    `  server-id: ${ids}`,
    '  server-time-zone: UTC',
    'sink:',
    `  properties.bootstrap.servers: ${kafka.bootstrap}`,
    '  sink.topic-creation.timeout: 200ms', // the mock never answers CreateTopics
    ...Object.entries(p.sink).map(([k, v]) => `  ${k}: ${v}`),
    p.route ?? '',
    'pipeline:',
    `  name: ${p.name}`,
    '  parallelism: 1',
    '',
  ].join('\n');
  const file = join(dir, 'pipeline.yaml');
  writeFileSync(file, yaml);
  return [file, join(dir, 'state')];
}

/** Runs a pipeline until caught up, runs `changes`, waits for `done`, stops it with `signal`. */
async function runWhile(
  file: string,
  state: string,
  changes: () => Promise<void>,
  done: () => Promise<boolean>,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  const child = startTidemark(['run', file, '--state-dir', state]);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  try {
    await waitFor(() => err.includes('caught up'), 60_000, 'the pipeline to catch up');
    await changes();
    await waitFor(done, 30_000, 'the changes in Kafka');
  } finally {
    child.kill(signal);
    const r = await child.result;
    if (signal === 'SIGTERM') assert.equal(r.code, 0, `clean stop:\n${r.stdout}\n${r.stderr}`);
  }
}

const payloads = (ms: readonly ReadMessage[]) =>
  ms.map((m) => JSON.parse(m.payload!) as Record<string, unknown>);

test('seed 001: debezium-json shapes for snapshot/insert/update/delete rows and the values of each type', async () => {
  await db.query(`CREATE DATABASE kafka_test;
    CREATE TABLE kafka_test.customers (id INT PRIMARY KEY, name VARCHAR(50), address VARCHAR(50),
      phone_number VARCHAR(20), age INT);
    CREATE TABLE kafka_test.types (id INT PRIMARY KEY, dec_v DECIMAL(10,2), dt DATETIME(6), ts TIMESTAMP NULL,
      ubig BIGINT UNSIGNED, bin VARBINARY(8), j JSON, txt VARCHAR(20) CHARACTER SET utf8mb4);
    INSERT INTO kafka_test.customers VALUES (4, 'John', 'New York', '2222', 12);
    SET time_zone = '+00:00';
    INSERT INTO kafka_test.types VALUES (1, 4.00, '2024-01-31 23:59:59.123456', '2024-01-31 12:00:00',
      18446744073709551615, x'00ff01', '{"a": 1}', 'é😀');`);
  const [file, state] = writeKafkaPipeline({
    name: 'seed001',
    tables: 'kafka_test.\\.*',
    sink: {
      type: 'kafka',
      name: 'Kafka Sink',
      'properties.enable.idempotence': 'false',
      'sink.tableId-to-topic.mapping': 'kafka_test.customers:customers;kafka_test.products:products',
    },
  });
  await runWhile(
    file,
    state,
    () =>
      db.query(`SET time_zone = '+00:00';
        UPDATE kafka_test.customers SET phone_number = '1234' WHERE id = 4;
        INSERT INTO kafka_test.customers VALUES (5, 'Ann', NULL, NULL, 30);
        DELETE FROM kafka_test.customers WHERE id = 5;
        INSERT INTO kafka_test.types SELECT 2, dec_v, dt, ts, ubig, bin, j, txt FROM kafka_test.types;`),
    async () =>
      (await readTopic(kafka.bootstrap, 'customers')).length >= 4 &&
      (await readTopic(kafka.bootstrap, 'kafka_test.types')).length >= 2,
  );
  const customers = await readTopic(kafka.bootstrap, 'customers');
  assert.ok(
    customers.every((m) => m.partition === 0),
    'all-to-zero',
  );
  assert.deepEqual(
    customers.map((m) => m.key),
    ['{"id":4}', '{"id":4}', '{"id":5}', '{"id":5}'],
  );
  const [snap, upd, ins, del] = payloads(customers);
  const john = { id: 4, name: 'John', address: 'New York', phone_number: '2222', age: 12 };
  assert.deepEqual(snap, {
    before: null,
    after: john,
    op: 'r',
    source: { db: 'kafka_test', table: 'customers', ts_ms: 0 },
  });
  assert.deepEqual(upd!.before, john);
  assert.deepEqual(upd!.after, { ...john, phone_number: '1234' });
  assert.equal(upd!.op, 'u');
  assert.ok(Math.abs((upd!.source as { ts_ms: number }).ts_ms - Date.now()) < 120_000, 'ts_ms: commit time');
  assert.equal(ins!.op, 'c');
  assert.deepEqual([del!.op, del!.after, (del!.before as { id: number }).id], ['d', null, 5]);
  // the exact text of each value, in the snapshot and from the binlog alike
  const types = await readTopic(kafka.bootstrap, 'kafka_test.types');
  const row =
    '"dec_v":"4.00","dt":"2024-01-31 23:59:59.123456","ts":"2024-01-31 12:00:00Z",' +
    '"ubig":18446744073709551615,"bin":"AP8B","j":"{\\"a\\": 1}","txt":"é😀"}';
  assert.ok(
    types[0]!.payload!.startsWith(`{"before":null,"after":{"id":1,${row},"op":"r"`),
    types[0]!.payload!,
  );
  assert.ok(
    types[1]!.payload!.startsWith(`{"before":null,"after":{"id":2,${row},"op":"c"`),
    types[1]!.payload!,
  );
});

test('canal-json with csv keys and table-id headers, one topic for every table (after seed 001)', async () => {
  const [file, state] = writeKafkaPipeline({
    name: 'canal',
    tables: 'kafka_test.customers',
    sink: {
      type: 'kafka',
      topic: 'canal_all',
      'value.format': 'canal-json',
      'key.format': 'csv',
      'sink.add-tableId-to-header-enabled': 'true',
    },
  });
  const r = await runTidemark(['run', file, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, r.stderr);
  const messages = await readTopic(kafka.bootstrap, 'canal_all');
  assert.deepEqual(
    messages.map((m) => [m.key, m.headers]),
    [['4', ['namespace', '', 'schemaName', 'kafka_test', 'tableName', 'customers']]],
  );
  const v = JSON.parse(messages[0]!.payload!) as Record<string, unknown>;
  assert.deepEqual(
    { ...v, ts: typeof v.ts },
    {
      old: null,
      data: [{ id: 4, name: 'John', address: 'New York', phone_number: '1234', age: 12 }],
      type: 'INSERT',
      database: 'kafka_test',
      table: 'customers',
      pkNames: ['id'],
      ts: 'number',
      es: 0,
    },
  );
});

test("seed 002: upsert-kafka's three topic namings, keys, values and tombstones", async () => {
  await db.query(`CREATE DATABASE order_dw;
    CREATE TABLE order_dw.\`user\` (id bigint not null primary key, name varchar(50) not null);
    CREATE TABLE order_dw.\`order\` (id bigint not null primary key, product varchar(50) not null, user_id bigint not null);
    CREATE TABLE order_dw.feedback (id bigint not null primary key, user_id bigint not null, comment varchar(50) not null);
    INSERT INTO order_dw.\`user\` VALUES (1, 'Tom'), (2, 'Jerry');
    INSERT INTO order_dw.\`order\` VALUES (1, 'Football', 2), (2, 'Basket', 1);
    INSERT INTO order_dw.feedback VALUES (1, 1, 'Good.'), (2, 2, 'Very good');`);
  const sink = { type: 'upsert-kafka', name: 'upsert-kafka Sink' };
  // default names, with live changes: a delete and an update that moves the key
  const [file, state] = writeKafkaPipeline({ name: 'seed002a', tables: 'order_dw.\\.*', sink });
  await runWhile(
    file,
    state,
    () =>
      db.query('DELETE FROM order_dw.feedback WHERE id = 2; UPDATE order_dw.`user` SET id = 3 WHERE id = 2;'),
    async () =>
      (await readTopic(kafka.bootstrap, 'order_dw.user')).length >= 4 &&
      (await readTopic(kafka.bootstrap, 'order_dw.feedback')).length >= 3,
  );
  const users = await readTopic(kafka.bootstrap, 'order_dw.user');
  assert.deepEqual(
    users.filter((m) => m.key === '{"id":2}').map((m) => m.payload),
    ['{"id":2,"name":"Jerry"}', null],
  );
  assert.deepEqual(Object.fromEntries(latestPerKey(users)), {
    '{"id":1}': '{"id":1,"name":"Tom"}',
    '{"id":3}': '{"id":3,"name":"Jerry"}',
  });
  assert.deepEqual(Object.fromEntries(latestPerKey(await readTopic(kafka.bootstrap, 'order_dw.feedback'))), {
    '{"id":1}': '{"id":1,"user_id":1,"comment":"Good."}',
  });
  assert.deepEqual(Object.fromEntries(latestPerKey(await readTopic(kafka.bootstrap, 'order_dw.order'))), {
    '{"id":1}': '{"id":1,"product":"Football","user_id":2}',
    '{"id":2}': '{"id":2,"product":"Basket","user_id":1}',
  });
  // one route per table, and one pattern route with replace-symbol
  const perTable = [
    'route:',
    ...[
      ['user', 'user1'],
      ['order', 'order2'],
      ['feedback', 'feedback3'],
    ].flatMap(([s, t]) => [`  - source-table: order_dw.${s}`, `    sink-table: ${t}`]),
  ].join('\n');
  const pattern = 'route:\n  - source-table: order_dw.\\.*\n    sink-table: topic_<>\n    replace-symbol: <>';
  for (const [name, route, topics] of [
    ['seed002b', perTable, ['user1', 'order2', 'feedback3']],
    ['seed002c', pattern, ['topic_user', 'topic_order', 'topic_feedback']],
  ] as const) {
    const [f, s] = writeKafkaPipeline({ name, tables: 'order_dw.\\.*', sink, route });
    const r = await runTidemark(['run', f, '--state-dir', s, '--exit-when-caught-up']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.fromEntries(latestPerKey(await readTopic(kafka.bootstrap, topics[0]))), {
      '{"id":1}': '{"id":1,"name":"Tom"}',
      '{"id":3}': '{"id":3,"name":"Jerry"}',
    });
    assert.equal((await readTopic(kafka.bootstrap, topics[1])).length, 2);
    assert.equal((await readTopic(kafka.bootstrap, topics[2])).length, 1);
  }
});

/** 20 small transactions on `table`: an insert and an update each. */
async function changeStream(table: string, from: number): Promise<void> {
  for (let i = 0; i < 20; i++)
    await db.query(
      `INSERT INTO ${table} VALUES (${from + i}, 0); UPDATE ${table} SET v = v + 1 WHERE id = ${(i % 10) + 1};`,
    );
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`at-least-once: a restart after ${signal} loses nothing`, async () => {
    const name = `kafka_restart_${signal.toLowerCase()}`;
    const values = Array.from({ length: 50 }, (_, i) => `(${i + 1}, 0)`).join(',');
    await db.query(`CREATE DATABASE ${name}; CREATE TABLE ${name}.t (id INT PRIMARY KEY, v INT);
      INSERT INTO ${name}.t VALUES ${values};`);
    const [file, state] = writeKafkaPipeline({
      name,
      tables: `${name}.t`,
      sink: { type: 'kafka', topic: name },
    });
    let writer: Promise<void> | undefined;
    await runWhile(
      file,
      state,
      () => {
        writer = changeStream(`${name}.t`, 1000);
        return Promise.resolve();
      },
      async () => (await readTopic(kafka.bootstrap, name)).length > 60,
      signal,
    );
    await writer;
    await db.query(`INSERT INTO ${name}.t VALUES (5000, 1)`); // while it is down
    const r = await runTidemark(['run', file, '--state-dir', state, '--exit-when-caught-up']);
    assert.equal(r.code, 0, r.stderr);
    const rows = replayDebezium(await readTopic(kafka.bootstrap, name)).map((row) => [
      String(row.id),
      String(row.v),
    ]);
    rows.sort((a, b) => Number(a[0]) - Number(b[0]));
    assert.deepEqual(rows, await mariaRows(db, `SELECT id, v FROM ${name}.t`));
  });
}

test('exactly-once: a restart after SIGTERM repeats nothing and loses nothing', async () => {
  const name = 'kafka_exactly_once';
  const values = Array.from({ length: 50 }, (_, i) => `(${i + 1}, 0)`).join(',');
  await db.query(`CREATE DATABASE ${name}; CREATE TABLE ${name}.t (id INT PRIMARY KEY, v INT);
    INSERT INTO ${name}.t VALUES ${values};`);
  const [file, state] = writeKafkaPipeline({
    name,
    tables: `${name}.t`,
    sink: { type: 'kafka', topic: name, 'sink.delivery-guarantee': 'exactly-once' },
  });
  let writer: Promise<void> | undefined;
  await runWhile(
    file,
    state,
    () => {
      writer = changeStream(`${name}.t`, 1000);
      return Promise.resolve();
    },
    async () => (await readTopic(kafka.bootstrap, name)).length > 60,
  );
  await writer;
  const r = await runTidemark(['run', file, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming from checkpoint/);
  const messages = payloads(await readTopic(kafka.bootstrap, name));
  const inserts = messages.filter((m) => m.op === 'c' || m.op === 'r');
  assert.equal(inserts.length, 70, 'each row inserted once');
  assert.equal(messages.filter((m) => m.op === 'u').length, 20, 'each update once');
  const rows = replayDebezium(await readTopic(kafka.bootstrap, name)).map((row) => [
    String(row.id),
    String(row.v),
  ]);
  rows.sort((a, b) => Number(a[0]) - Number(b[0]));
  assert.deepEqual(rows, await mariaRows(db, `SELECT id, v FROM ${name}.t`));
});

test('exactly-once whose checkpoint topic lacks the checkpoint: SINK_BEHIND, no second snapshot into the topic', async () => {
  const name = 'kafka_checkpoint_lost';
  await db.query(`CREATE DATABASE ${name}; CREATE TABLE ${name}.t (id INT PRIMARY KEY, v INT);
    INSERT INTO ${name}.t VALUES (1, 0), (2, 0);`);
  const pipeline = (checkpointTopic: string): [string, string] =>
    writeKafkaPipeline({
      name,
      tables: `${name}.t`,
      sink: {
        type: 'kafka',
        topic: name,
        'sink.delivery-guarantee': 'exactly-once',
        'sink.checkpoint-topic': checkpointTopic,
      },
    });
  const [first, state] = pipeline(`${name}_cp`);
  const r1 = await runTidemark(['run', first, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r1.code, 0, r1.stderr);
  const before = (await readTopic(kafka.bootstrap, name)).length;
  // the same sink (cluster) and state directory; its checkpoint is not in this checkpoint topic
  const [second] = pipeline(`${name}_elsewhere`);
  const r2 = await runTidemark(['run', second, '--state-dir', state, '--exit-when-caught-up']);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /SINK_BEHIND/);
  // the advice fits Kafka: there is no sink to remove
  assert.match(r2.stderr, new RegExp(`put back the checkpoint topic \\(${name}_elsewhere\\)`));
  assert.doesNotMatch(r2.stderr, /remove it \(or point the pipeline at a new one\)/);
  assert.equal((await readTopic(kafka.bootstrap, name)).length, before, 'the rows are not written again');
});

test('at-least-once, then exactly-once: the switch resumes from the state directory and loses nothing', async () => {
  const name = 'kafka_guarantee_switch';
  await db.query(`CREATE DATABASE ${name}; CREATE TABLE ${name}.t (id INT PRIMARY KEY, v INT);
    INSERT INTO ${name}.t VALUES (1, 0), (2, 0);`);
  const pipeline = (guarantee: string): [string, string] =>
    writeKafkaPipeline({
      name,
      tables: `${name}.t`,
      sink: { type: 'kafka', topic: name, 'sink.delivery-guarantee': guarantee },
    });
  const [first, state] = pipeline('at-least-once');
  const r1 = await runTidemark(['run', first, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r1.code, 0, r1.stderr);
  await db.query(`INSERT INTO ${name}.t VALUES (3, 0); UPDATE ${name}.t SET v = 1 WHERE id = 1;`);
  const [second] = pipeline('exactly-once');
  const r2 = await runTidemark(['run', second, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /resuming from checkpoint/);
  const ops = payloads(await readTopic(kafka.bootstrap, name)).map((m) => m.op);
  assert.deepEqual(ops, ['r', 'r', 'c', 'u'], 'the snapshot, then each change once');
});
