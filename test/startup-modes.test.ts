// Every scan.startup.mode, each checking exactly which rows arrive.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

async function setup(name: string): Promise<void> {
  await db.query(
    `DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name}; CREATE TABLE ${name}.t (id INT PRIMARY KEY, v VARCHAR(10));`,
  );
}
const insert = (name: string, from: number, to: number): Promise<unknown> =>
  db.query(
    `INSERT INTO ${name}.t VALUES ${Array.from({ length: to - from + 1 }, (_, i) => `(${from + i}, 'v${from + i}')`).join(',')}`,
  );
async function position(): Promise<{ file: string; pos: number; gtid: string }> {
  const [s] = await db.query<{ File: string; Position: number }[]>('SHOW MASTER STATUS');
  const [g] = await db.query<{ g: string }[]>('SELECT @@gtid_binlog_pos AS g');
  return { file: s!.File, pos: Number(s!.Position), gtid: g!.g };
}
async function run(name: string, dir: string, extra: Record<string, string | number>, exitFlag = true) {
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: `${name}.t`,
    duckdbPath: duck,
    name,
    extraSource: extra,
  });
  const r = await runTidemark([
    'run',
    pipeline,
    '--state-dir',
    join(dir, 'state'),
    ...(exitFlag ? ['--exit-when-caught-up'] : []),
  ]);
  assert.equal(r.code, 0, r.stderr);
  return { duck, r };
}
async function ids(duck: string, name: string): Promise<number[]> {
  return (await duckRows(duck, `SELECT id FROM ${name}.t`)).map((r) => Number(r[0])).sort((a, b) => a - b);
}
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('initial: snapshot then binlog', async () => {
  const name = 'sm_initial';
  await setup(name);
  await insert(name, 1, 30);
  const dir = tempDir();
  const { duck } = await run(name, dir, {
    'scan.startup.mode': 'initial',
    'scan.incremental.snapshot.chunk.size': 7,
  });
  assert.deepEqual(await ids(duck, name), range(1, 30));
  await insert(name, 31, 35);
  await db.query(`DELETE FROM ${name}.t WHERE id <= 3`);
  await run(name, dir, { 'scan.startup.mode': 'initial', 'scan.incremental.snapshot.chunk.size': 7 });
  assert.deepEqual(await ids(duck, name), range(4, 35));
});

test('snapshot: bounded, the CLI exits 0 by itself; later changes do not arrive', async () => {
  const name = 'sm_snapshot';
  await setup(name);
  await insert(name, 1, 25);
  const dir = tempDir();
  const { duck, r } = await run(
    name,
    dir,
    { 'scan.startup.mode': 'snapshot', 'scan.incremental.snapshot.chunk.size': 4 },
    false,
  );
  assert.match(r.stdout, /Stopped \((caught up with the source|the source ended)\); \d+ change\(s\) written/);
  assert.deepEqual(await ids(duck, name), range(1, 25));
  await insert(name, 26, 30);
  await run(name, dir, { 'scan.startup.mode': 'snapshot', 'scan.incremental.snapshot.chunk.size': 4 }, false);
  assert.deepEqual(await ids(duck, name), range(1, 25));
});

test('latest-offset: only rows written after the start', async () => {
  const name = 'sm_latest';
  await setup(name);
  await insert(name, 1, 10);
  const dir = tempDir();
  const { duck } = await run(name, dir, { 'scan.startup.mode': 'latest-offset' });
  assert.deepEqual(await ids(duck, name), []);
  await insert(name, 11, 15);
  await run(name, dir, { 'scan.startup.mode': 'latest-offset' });
  assert.deepEqual(await ids(duck, name), range(11, 15));
});

test('earliest-offset: every row from the oldest binlog on, no snapshot', async () => {
  const name = 'sm_earliest';
  await setup(name);
  await insert(name, 1, 10);
  await db.query(`UPDATE ${name}.t SET v = 'x' WHERE id = 2; DELETE FROM ${name}.t WHERE id = 3`);
  const dir = tempDir();
  const { duck, r } = await run(name, dir, { 'scan.startup.mode': 'earliest-offset' });
  assert.doesNotMatch(r.stderr, /snapshot started/);
  assert.deepEqual(await ids(duck, name), [1, 2, ...range(4, 10)]);
  assert.deepEqual(await duckRows(duck, `SELECT v FROM ${name}.t WHERE id = 2`), [['x']]);
});

test('specific-offset: file/pos, skip-events, skip-rows, and a MariaDB GTID', async () => {
  const name = 'sm_specific';
  await setup(name);
  await insert(name, 1, 10);
  const p = await position();
  await insert(name, 11, 13); // one rows event: skipped by skip-events 1
  await insert(name, 14, 16); // first row skipped by skip-rows 1
  await insert(name, 17, 18);
  const a = await run(name, tempDir(), {
    'scan.startup.mode': 'specific-offset',
    'scan.startup.specific-offset.file': p.file,
    'scan.startup.specific-offset.pos': p.pos,
  });
  assert.deepEqual(await ids(a.duck, name), range(11, 18));
  const b = await run(name, tempDir(), {
    'scan.startup.mode': 'specific-offset',
    'scan.startup.specific-offset.file': p.file,
    'scan.startup.specific-offset.pos': p.pos,
    'scan.startup.specific-offset.skip-events': 1,
    'scan.startup.specific-offset.skip-rows': 1,
  });
  assert.deepEqual(await ids(b.duck, name), range(15, 18));
  const c = await run(name, tempDir(), {
    'scan.startup.mode': 'specific-offset',
    'scan.startup.specific-offset.gtid-set': `"${p.gtid}"`,
  });
  assert.deepEqual(await ids(c.duck, name), range(11, 18));
});

test('timestamp: from the first transaction at or after the time', async () => {
  const name = 'sm_ts';
  await setup(name);
  await insert(name, 1, 10);
  await new Promise((r) => setTimeout(r, 1500));
  const t = Date.now();
  await new Promise((r) => setTimeout(r, 1100));
  await insert(name, 11, 14);
  await db.query(`UPDATE ${name}.t SET v = 'late' WHERE id = 1`);
  const { duck } = await run(name, tempDir(), {
    'scan.startup.mode': 'timestamp',
    'scan.startup.timestamp-millis': t,
  });
  // the update of id 1 arrives as an upsert of the whole row
  assert.deepEqual(await ids(duck, name), [1, ...range(11, 14)]);
  // a time still ahead: the transactions committed until then would be read, before it: refused
  const dir = tempDir();
  const future = Date.now() + 3_600_000;
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: `${name}.t`,
    duckdbPath: join(dir, 'sink.duckdb'),
    name,
    extraSource: { 'scan.startup.mode': 'timestamp', 'scan.startup.timestamp-millis': future },
  });
  const r = await runTidemark(['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up']);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    new RegExp(
      `scan\\.startup\\.timestamp-millis ${future} .* is ahead of the server's clock .*latest-offset`,
    ),
  );
});

test('specific-offset without a file or GTID is a configuration error', async () => {
  const dir = tempDir();
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'x.y',
    duckdbPath: join(dir, 'd.duckdb'),
    extraSource: { 'scan.startup.mode': 'specific-offset' },
  });
  const r = await runTidemark(['validate', pipeline]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /specific-offset needs/);
});

test('specific-offset at a binlog file the server does not have, or past its end: an error naming what it has', async () => {
  const name = 'sm_nofile';
  await setup(name);
  await insert(name, 1, 3);
  const p = await position();
  for (const [extra, expected] of [
    [
      { 'scan.startup.specific-offset.file': 'mysql-bin.999999' },
      /error \[SOURCE_POSITION_LOST\]: scan\.startup\.specific-offset\.file mysql-bin\.999999: 127\.0\.0\.1:\d+ has no such binlog file \(it has \S+ \(oldest\) … \S+ \(newest\)\)/,
    ],
    [
      { 'scan.startup.specific-offset.file': p.file, 'scan.startup.specific-offset.pos': p.pos + 1_000_000 },
      /error \[SOURCE_POSITION_LOST\]: scan\.startup\.specific-offset\.pos \d+ is past the end of /,
    ],
  ] as const) {
    const dir = tempDir();
    const pipeline = writePipeline(dir, {
      port: db.port,
      tables: `${name}.t`,
      duckdbPath: join(dir, 'sink.duckdb'),
      name,
      extraSource: { 'scan.startup.mode': 'specific-offset', ...extra },
    });
    const r = await runTidemark([
      'run',
      pipeline,
      '--state-dir',
      join(dir, 'state'),
      '--exit-when-caught-up',
    ]);
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, expected);
  }
});
