// The kafka source end to end: messages on librdkafka's mock cluster → `tidemark run` (kafka source →
// DuckDB sink) → DuckDB rows checked value by value. One mock cluster for the file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startKafkaMock, type KafkaMock } from './support/kafka-mock.js';
import { debezium, produceMessages } from './support/kafka-produce.js';
import { duckRows, runTidemark, tempDir } from './support/tidemark-cli.js';

let kafka: KafkaMock;
before(async () => {
  kafka = await startKafkaMock(1);
});
after(async () => {
  await kafka?.stop();
});

/** A kafka → duckdb pipeline file; `source` and `extra` are YAML lines added to the source and the file. */
function kafkaPipeline(
  dir: string,
  name: string,
  source: readonly string[],
  extra: readonly string[] = [],
): string {
  const file = join(dir, 'pipeline.yaml');
  const lines = [
    'source:',
    '  type: kafka',
    `  properties.bootstrap.servers: ${kafka.bootstrap}`,
    `  properties.group.id: ${name}`,
    ...source.map((l) => `  ${l}`),
    'sink:',
    '  type: duckdb',
    `  path: ${join(dir, 'sink.duckdb')}`,
    ...extra,
    'pipeline:',
    `  name: ${name}`,
    '',
  ];
  writeFileSync(file, lines.join('\n'));
  return file;
}

async function runCaughtUp(dir: string, pipeline: string): Promise<string> {
  const r = await runTidemark(
    ['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
    {},
    30_000,
  );
  assert.equal(r.code, 0, `tidemark run failed (${r.signal ?? r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout + r.stderr;
}

test('seed 001 pipeline 2: one debezium-json topic of two tables, primary keys from the transform', async () => {
  const dir = tempDir();
  await kafka.createTopic('inventory', 1);
  const c = (id: number, name: string, age: number): Record<string, unknown> => ({
    id,
    name,
    address: 'New York',
    phone_number: '2222',
    age,
  });
  await produceMessages(kafka.bootstrap, 'inventory', [
    { value: debezium('r', 'kafka_test', 'customers', null, c(1, 'Ann', 30)) },
    { value: debezium('c', 'kafka_test', 'customers', null, c(4, 'John', 12)) },
    { value: debezium('c', 'kafka_test', 'products', null, { id: 1, title: 'ball', price: 4.5 }) },
    {
      value: debezium('u', 'kafka_test', 'customers', c(4, 'John', 12), {
        ...c(4, 'John', 12),
        phone_number: '1234',
      }),
    },
    { value: debezium('d', 'kafka_test', 'customers', c(1, 'Ann', 30), null) },
    { value: null }, // a tombstone: nothing
  ]);
  const pipeline = kafkaPipeline(
    dir,
    'seed001',
    [
      'topic: inventory',
      'scan.startup.mode: earliest-offset',
      'value.format: debezium-json',
      'debezium-json.distributed-tables: true',
    ],
    ['transform:', '  - source-table: \\.*.\\.*', '    projection: \\*', '    primary-keys: id'],
  );
  await runCaughtUp(dir, pipeline);
  const duck = join(dir, 'sink.duckdb');
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM kafka_test.customers'), [
    ['4', 'John', 'New York', '1234', '12'],
  ]);
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM kafka_test.products'), [['1', 'ball', '4.5']]);
  const pk = await duckRows(
    duck,
    "SELECT constraint_text FROM duckdb_constraints() WHERE table_name = 'customers' AND constraint_type = 'PRIMARY KEY'",
  );
  assert.equal(pk.length, 1);
});
