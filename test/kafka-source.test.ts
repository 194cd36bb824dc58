// The kafka source end to end: messages on librdkafka's mock cluster → `tidemark run` (kafka source →
// DuckDB sink) → DuckDB rows checked value by value. One mock cluster for the file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startKafkaMock, type KafkaMock } from './support/kafka-mock.js';
import { debezium, groupCommitted, produceMessages } from './support/kafka-produce.js';
import { duckRows, runTidemark, startTidemark, tempDir, waitFor } from './support/tidemark-cli.js';
import { execFileSync } from 'node:child_process';

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
    // the mock admits a new member of a group only once the previous one timed out
    '  properties.session.timeout.ms: 1000',
    '  properties.heartbeat.interval.ms: 200',
    ...source.map((l) => `  ${l}`),
    'sink:',
    '  type: duckdb',
    `  path: ${join(dir, 'sink.duckdb')}`,
    ...extra,
    'pipeline:',
    `  name: ${name}`,
    '  checkpoint.interval: 300ms',
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
  const out = await runCaughtUp(dir, pipeline);
  assert.doesNotMatch(out, /"level":"warn"/, 'a clean run that ends caught up warns of nothing');
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

test('canal-json: pkNames make the key, types and values exact through DuckDB', async () => {
  const dir = tempDir();
  await kafka.createTopic('canal', 1);
  const base = { database: 'shop', table: 'orders', pkNames: ['id'], ts: 1, es: 2, old: null };
  await produceMessages(
    kafka.bootstrap,
    'canal',
    [
      {
        value: JSON.stringify({
          ...base,
          type: 'INSERT',
          data: [
            { id: 'BIG', amount: 12.5, note: 'a', ok: true },
            { id: 2, amount: 1, note: null, ok: false },
          ],
        }),
      },
      {
        value: JSON.stringify({
          ...base,
          type: 'UPDATE',
          data: [{ id: 2, amount: 1, note: 'b', ok: false }],
          old: [{ note: null }],
        }),
      },
    ].map((m) => ({ value: m.value.replace('"BIG"', '9007199254740993') })), // beyond 2^53: exact only as text
  );
  const pipeline = kafkaPipeline(dir, 'canal', [
    'topic: canal',
    'scan.startup.mode: earliest-offset',
    'value.format: canal-json',
    'canal-json.distributed-tables: true',
  ]);
  await runCaughtUp(dir, pipeline);
  const duck = join(dir, 'sink.duckdb');
  assert.deepEqual(await duckRows(duck, 'SELECT id, amount, note, ok FROM shop.orders'), [
    ['2', '1', 'b', 'false'],
    ['9007199254740993', '12.5', 'a', 'true'],
  ]);
  const pk = await duckRows(
    duck,
    "SELECT constraint_text FROM duckdb_constraints() WHERE table_name = 'orders' AND constraint_type = 'PRIMARY KEY'",
  );
  assert.deepEqual(pk, [['PRIMARY KEY(id)']]);
});

test('field names in another case are the columns; a message without the key stops the run naming its offset', async () => {
  const dir = tempDir();
  await kafka.createTopic('cased', 1);
  const base = { database: 'shop', table: 'items', pkNames: ['id'], ts: 1, es: 2, old: null, type: 'INSERT' };
  await produceMessages(kafka.bootstrap, 'cased', [
    { value: JSON.stringify({ ...base, data: [{ id: 1, Name: 'a', qty: 1 }] }) },
    { value: JSON.stringify({ ...base, data: [{ ID: 2, NAME: 'b', QTY: 2 }] }) },
    { value: JSON.stringify({ ...base, data: [{ id: 3, name: 'c' }] }) }, // qty: NULL, as Flink reads it
    { value: JSON.stringify({ ...base, data: [{ name: 'no key' }] }) },
    { value: JSON.stringify({ ...base, data: [{ id: 5, name: 'e', qty: 5 }] }) },
  ]);
  const source = [
    'topic: cased',
    'scan.startup.mode: earliest-offset',
    'value.format: canal-json',
    'canal-json.distributed-tables: true',
  ];
  const failed = await runTidemark(
    ['run', kafkaPipeline(dir, 'cased', source), '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
    {},
    30_000,
  );
  assert.notEqual(failed.code, 0);
  const out = failed.stderr + failed.stdout;
  assert.match(out, /KAFKA_SOURCE_DECODE/);
  assert.match(
    out,
    /topic cased partition 0 offset 3 cannot be read: column id BIGINT: the message has no such field, and the column is NOT NULL/,
  );
  assert.match(out, /a field is read as the column its name differs from only by case/);
  // skipped with ingestion.ignore-errors, the rest is read
  await runCaughtUp(dir, kafkaPipeline(dir, 'cased', [...source, 'ingestion.ignore-errors: true']));
  const duck = join(dir, 'sink.duckdb');
  // one column per name whatever its case (duckRows sorts the rows)
  assert.deepEqual(
    await duckRows(duck, "SELECT column_name FROM information_schema.columns WHERE table_name = 'items'"),
    [['Name'], ['id'], ['qty']],
  );
  assert.deepEqual(await duckRows(duck, 'SELECT id, "Name", qty FROM shop.items ORDER BY id'), [
    ['1', 'a', '1'],
    ['2', 'b', '2'],
    ['3', 'c', null],
    ['5', 'e', '5'],
  ]);
});

test('restart after kill -9 and after SIGTERM: every message once in DuckDB (an append table shows duplicates)', async () => {
  const dir = tempDir();
  await kafka.createTopic('restart', 2);
  const batch = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      value: JSON.stringify({ id: from + i, v: `v${from + i}` }),
      partition: (from + i) % 2,
    }));
  await produceMessages(kafka.bootstrap, 'restart', batch(0, 20_000));
  const pipeline = kafkaPipeline(dir, 'restart', ['topic: restart', 'value.format: json']);
  const args = ['run', pipeline, '--state-dir', join(dir, 'state')];
  const stopMidway = async (signal: NodeJS.Signals, from: number, to: number): Promise<void> => {
    const child = startTidemark(args);
    await waitFor(
      async () => {
        const n = await groupCommitted(kafka.bootstrap, 'restart', 'restart', 2);
        return n > from && n < to;
      },
      30_000,
      'a first group commit',
    );
    child.kill(signal);
    const r = await child.result;
    if (signal === 'SIGTERM') assert.equal(r.code, 0, r.stderr);
  };
  await stopMidway('SIGKILL', 0, 20_000);
  await runCaughtUp(dir, pipeline);
  await produceMessages(kafka.bootstrap, 'restart', batch(20_000, 20_000));
  await stopMidway('SIGTERM', 20_000, 40_000);
  await runCaughtUp(dir, pipeline);
  const [[rows, ids, min, max]] = (await duckRows(
    join(dir, 'sink.duckdb'),
    'SELECT count(*), count(DISTINCT id), min(id), max(id) FROM default_database.restart',
  )) as [[string, string, string, string]];
  assert.deepEqual([rows, ids, min, max], ['40000', '40000', '0', '39999']);
  assert.equal(await groupCommitted(kafka.bootstrap, 'restart', 'restart', 2), 40_000);
});

test('a malformed message stops the run naming topic/partition/offset; ignore-errors skips it into the dead-letter topic', async () => {
  const dir = tempDir();
  await kafka.createTopic('bad', 1);
  await kafka.createTopic('bad_dlq', 1);
  const schema = {
    type: 'struct',
    fields: [{ field: 'after', type: 'struct', fields: [{ field: 'id', type: 'int8' }] }],
  };
  const ok = (id: number): string =>
    JSON.stringify({ schema, payload: { before: null, after: { id }, op: 'c' } });
  await produceMessages(kafka.bootstrap, 'bad', [
    { value: ok(1) },
    { value: 'not json', key: 'k1' },
    { value: ok(1000) }, // not a TINYINT
    { value: JSON.stringify({ before: null, after: { id: 3 }, op: 'x' }) },
    { value: ok(5) },
  ]);
  const source = ['topic: bad', 'scan.startup.mode: earliest-offset'];
  const failed = await runTidemark(
    ['run', kafkaPipeline(dir, 'bad', source), '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
    {},
    30_000,
  );
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr + failed.stdout, /KAFKA_SOURCE_DECODE/);
  assert.match(failed.stderr + failed.stdout, /topic bad partition 0 offset 1 cannot be read: not JSON/);

  const pipeline = kafkaPipeline(dir, 'bad', [
    ...source,
    'ingestion.ignore-errors: true',
    'ingestion.dead-letter-topic: bad_dlq',
  ]);
  const out = await runCaughtUp(dir, pipeline);
  assert.match(out, /message skipped/);
  assert.deepEqual(await duckRows(join(dir, 'sink.duckdb'), 'SELECT id FROM default_database.bad'), [
    ['1'],
    ['5'],
  ]);
  const dlq = execFileSync(
    'kcat',
    ['-b', kafka.bootstrap, '-C', '-t', 'bad_dlq', '-e', '-q', '-f', '%k|%h|%s\n'],
    { encoding: 'utf8' },
  );
  const lines = dlq.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(
    lines[0]!,
    /^k1\|.*tidemark.error=not JSON.*tidemark.origin.topic=bad,tidemark.origin.partition=0,tidemark.origin.offset=1\|not json$/,
  );
  assert.match(lines[1]!, /tidemark.error=column id TINYINT: expected an integer in -128…127, got 1000/);
  assert.match(lines[2]!, /unknown op "x"/);
});

test('scale-out: two processes of one group split a 4-partition topic; killing one moves its partitions to the other', async () => {
  await kafka.createTopic('scale', 4);
  const dirs = [tempDir(), tempDir()];
  const pipelines = dirs.map((d) =>
    kafkaPipeline(d, 'scale', ['topic: scale', 'value.format: json', 'scan.startup.mode: earliest-offset']),
  );
  const logs = ['', ''];
  const [a, b] = pipelines.map((p, i) => {
    const child = startTidemark(['run', p, '--state-dir', join(dirs[i]!, 'state')]);
    child.stdout!.on('data', (d: Buffer) => (logs[i] += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (logs[i] += d.toString()));
    return child;
  });
  // killed however the test ends: a child left running keeps the test file from ending
  const killAll = (): void => [a, b].forEach((c) => c!.exitCode === null && c!.kill('SIGKILL'));
  try {
    await scaleOut(a!, b!, logs, dirs, pipelines);
  } finally {
    killAll();
  }
});

async function scaleOut(
  a: ReturnType<typeof startTidemark>,
  b: ReturnType<typeof startTidemark>,
  logs: string[],
  dirs: string[],
  pipelines: string[],
): Promise<void> {
  const rows = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      value: JSON.stringify({ id: from + i }),
      partition: (from + i) % 4,
    }));
  // both in the group, two partitions each, before the first message
  const assigned = (log: string): string[] =>
    [...log.matchAll(/"partitions assigned".*?"partitions":"([^"]*)"/g)].flatMap((m) => m[1]!.split(', '));
  await waitFor(
    () => logs.every((log) => assigned(log).length > 0),
    30_000,
    'both processes to get partitions',
  );
  await waitFor(
    () => logs.every((log) => new Set(assigned(log)).size - revoked(log).length === 2),
    30_000,
    'a 2 + 2 split',
  );
  // a commit refused while the first rebalance runs is harmless (nothing read yet): look after it
  const before = logs.map((log) => log.length);
  await produceMessages(kafka.bootstrap, 'scale', rows(0, 2000));
  const committed = (): Promise<number> => groupCommitted(kafka.bootstrap, 'scale', 'scale', 4);
  await waitFor(async () => (await committed()) === 2000, 30_000, 'the group to commit every offset').catch(
    (e: Error) => {
      throw new Error(`${e.message} (${String(committed)}):\n${logs.join('\n----\n')}`);
    },
  );
  // a partition that moved was committed to the group at its durable offset first
  for (const [i, log] of logs.entries())
    assert.doesNotMatch(log.slice(before[i]), /committing offsets to the consumer group failed/);
  assert.match(logs.join('\n'), /partitions revoked/);

  a.kill('SIGKILL');
  await a.result;
  await produceMessages(kafka.bootstrap, 'scale', rows(2000, 2000));
  await waitFor(async () => (await committed()) === 4000, 30_000, 'the survivor to take over');
  b.kill('SIGTERM');
  assert.equal((await b.result).code, 0);
  await runCaughtUp(dirs[0]!, pipelines[0]!); // the killed one again: its DuckDB recovers, nothing new to read

  const ids = await Promise.all(
    dirs.map((d) => duckRows(join(d, 'sink.duckdb'), 'SELECT id FROM default_database.scale')),
  );
  for (const sink of ids) {
    assert.ok(sink.length > 0, 'each process wrote rows');
    assert.equal(new Set(sink.map(([id]) => id)).size, sink.length, 'no duplicate within a sink');
  }
  const all = new Set(ids.flat().map(([id]) => Number(id)));
  assert.equal(all.size, 4000, 'the sinks together hold every row');
}

test('startup modes: specific-offsets starts where it says; latest-offset skips what is already there', async () => {
  await kafka.createTopic('modes', 1);
  const rows = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ value: JSON.stringify({ id: from + i }) }));
  await produceMessages(kafka.bootstrap, 'modes', rows(0, 3));
  await produceMessages(kafka.bootstrap, 'modes', rows(3, 2));
  const ids = async (name: string, source: readonly string[]): Promise<string[][]> => {
    const dir = tempDir();
    await runCaughtUp(dir, kafkaPipeline(dir, name, ['topic: modes', 'value.format: json', ...source]));
    return duckRows(join(dir, 'sink.duckdb'), 'SELECT id FROM default_database.modes').catch(
      () => [],
    ) as Promise<string[][]>;
  };
  // (timestamp mode: the mock answers every offsets-for-times lookup with the end, so it is not tested here)
  const [specific, latest] = await Promise.all([
    ids('modes_specific', [
      'scan.startup.mode: specific-offsets',
      'scan.startup.specific-offsets: partition:0,offset:2',
    ]),
    ids('modes_latest', ['scan.startup.mode: latest-offset']),
  ]);
  assert.deepEqual(specific, [['2'], ['3'], ['4']]);
  assert.deepEqual(latest, []);
});

function revoked(log: string): string[] {
  return [...log.matchAll(/"partitions revoked".*?"partitions":"([^"]*)"/g)].flatMap((m) =>
    m[1]!.split(', '),
  );
}
