// scan.newly-added-table.enabled (snapshot tables added to the pattern on restart) and
// scan.binlog.newly-added-table.enabled (capture tables created while running), mutually exclusive.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import {
  duckRows,
  runTidemark,
  startTidemark,
  tempDir,
  waitFor,
  writePipeline,
} from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

const vals = (from: number, n: number): string =>
  Array.from({ length: n }, (_, i) => `(${from + i}, 'r${from + i}')`).join(',');

async function maria(sql: string): Promise<string[][]> {
  const rows = await db.query<Record<string, unknown>[]>(sql);
  return rows.map((r) => Object.values(r).map((v) => String(v as string)));
}

test('scan.newly-added-table.enabled: a wider pattern on restart snapshots the new tables, the others keep streaming', async () => {
  const name = 'na_restart';
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};
    CREATE TABLE ${name}.a (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${name}.a VALUES ${vals(1, 20)};
    CREATE TABLE ${name}.b (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${name}.b VALUES ${vals(1, 40)};`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const extra = { 'scan.newly-added-table.enabled': 'true', 'scan.incremental.snapshot.chunk.size': 6 };
  let p = writePipeline(dir, {
    port: db.port,
    tables: `${name}.a`,
    duckdbPath: duck,
    name,
    extraSource: extra,
  });
  assert.equal((await runTidemark(['run', p, '--state-dir', state, '--exit-when-caught-up'])).code, 0);
  await db.query(
    `INSERT INTO ${name}.a VALUES ${vals(100, 5)}; INSERT INTO ${name}.b VALUES ${vals(100, 5)}; DELETE FROM ${name}.b WHERE id < 5;`,
  );
  p = writePipeline(dir, {
    port: db.port,
    tables: `${name}.\\.*`,
    duckdbPath: duck,
    name,
    extraSource: extra,
  });
  const r = await runTidemark(['run', p, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /snapshotting newly added tables/);
  for (const t of ['a', 'b']) {
    assert.deepEqual(
      (await duckRows(duck, `SELECT id, v FROM ${name}.${t}`)).map((x) => x.join()).sort(),
      (await maria(`SELECT id, v FROM ${name}.${t}`)).map((x) => x.join()).sort(),
      t,
    );
  }
});

test('without scan.newly-added-table.enabled the added table is ignored with a warning', async () => {
  const name = 'na_off';
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};
    CREATE TABLE ${name}.a (id INT PRIMARY KEY, v VARCHAR(10)); CREATE TABLE ${name}.b (id INT PRIMARY KEY, v VARCHAR(10));
    INSERT INTO ${name}.b VALUES ${vals(1, 3)};`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  let p = writePipeline(dir, { port: db.port, tables: `${name}.a`, duckdbPath: duck, name });
  assert.equal((await runTidemark(['run', p, '--state-dir', state, '--exit-when-caught-up'])).code, 0);
  p = writePipeline(dir, { port: db.port, tables: `${name}.\\.*`, duckdbPath: duck, name });
  const r = await runTidemark(['run', p, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /scan.newly-added-table.enabled/);
  await assert.rejects(duckRows(duck, `SELECT * FROM ${name}.b`));
});

test('on restart only tables that stay uncaptured are named as ignored; one created meanwhile is captured from its CREATE TABLE', async () => {
  const name = 'na_warn';
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};
    CREATE TABLE ${name}.a (id INT PRIMARY KEY, v VARCHAR(10)); CREATE TABLE ${name}.c (id INT PRIMARY KEY, v VARCHAR(10));
    INSERT INTO ${name}.a VALUES ${vals(1, 3)}; INSERT INTO ${name}.c VALUES ${vals(1, 3)};`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  let p = writePipeline(dir, { port: db.port, tables: `${name}.a`, duckdbPath: duck, name });
  assert.equal((await runTidemark(['run', p, '--state-dir', state, '--exit-when-caught-up'])).code, 0);
  // while it is stopped: b is created (its CREATE TABLE is in the binlog after the checkpoint); c
  // existed before the checkpoint, so nothing in the binlog will capture it
  await db.query(`CREATE TABLE ${name}.b (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${name}.b VALUES ${vals(1, 4)};
    INSERT INTO ${name}.a VALUES ${vals(10, 2)}; INSERT INTO ${name}.c VALUES ${vals(10, 2)};`);
  p = writePipeline(dir, { port: db.port, tables: `${name}.\\.*`, duckdbPath: duck, name });
  const r = await runTidemark(['run', p, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capturing a newly created table/);
  const ignored = r.stderr
    .split('\n')
    .filter((l) => l.includes('were not captured when the checkpoint was taken'))
    .map((l) => (JSON.parse(l) as { tables: string[] }).tables);
  assert.deepEqual(ignored, [[`${name}.c`]]);
  for (const t of ['a', 'b']) {
    assert.deepEqual(
      (await duckRows(duck, `SELECT id, v FROM ${name}.${t}`)).map((x) => x.join()).sort(),
      (await maria(`SELECT id, v FROM ${name}.${t}`)).map((x) => x.join()).sort(),
      t,
    );
  }
  await assert.rejects(duckRows(duck, `SELECT * FROM ${name}.c`));
});

for (const enabled of [true, false]) {
  test(`scan.binlog.newly-added-table.enabled: ${enabled}: a table created while running and written at once`, async () => {
    const name = `na_binlog_${enabled}`;
    await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};
      CREATE TABLE ${name}.a (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${name}.a VALUES ${vals(1, 5)};`);
    const dir = tempDir();
    const duck = join(dir, 'sink.duckdb');
    const p = writePipeline(dir, {
      port: db.port,
      tables: `${name}.\\.*`,
      duckdbPath: duck,
      name,
      extraSource: { 'scan.binlog.newly-added-table.enabled': String(enabled) },
    });
    const child = startTidemark(['run', p, '--state-dir', join(dir, 'state')]);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('caught up'), 60_000, 'the snapshot');
    await db.query(
      `CREATE TABLE ${name}.c (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${name}.c VALUES ${vals(1, 7)}; UPDATE ${name}.c SET v = 'u' WHERE id = 2; INSERT INTO ${name}.a VALUES ${vals(50, 2)};`,
    );
    await waitFor(
      () => stderr.includes(enabled ? 'capturing a newly created table' : 'not captured'),
      30_000,
      'the CREATE',
    );
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    const r = await child.result;
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await duckRows(duck, `SELECT id FROM ${name}.a`)).length, 7);
    if (enabled) {
      assert.deepEqual(
        (await duckRows(duck, `SELECT id, v FROM ${name}.c`)).map((x) => x.join()).sort(),
        (await maria(`SELECT id, v FROM ${name}.c`)).map((x) => x.join()).sort(),
      );
    } else {
      await assert.rejects(duckRows(duck, `SELECT * FROM ${name}.c`));
    }
  });
}

test('both newly-added-table options true is a configuration error naming both', async () => {
  const dir = tempDir();
  const p = writePipeline(dir, {
    port: db.port,
    tables: 'x.y',
    duckdbPath: join(dir, 'd.duckdb'),
    extraSource: {
      'scan.newly-added-table.enabled': 'true',
      'scan.binlog.newly-added-table.enabled': 'true',
    },
  });
  const r = await runTidemark(['validate', p]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /scan\.newly-added-table\.enabled and scan\.binlog\.newly-added-table\.enabled/);
});

test('a resumed pipeline whose tables were all dropped streams on and captures a table created later', async () => {
  const name = 'na_all_gone';
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};
    CREATE TABLE ${name}.a (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${name}.a VALUES ${vals(1, 3)};`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const p = writePipeline(dir, { port: db.port, tables: `${name}.\\.*`, duckdbPath: duck, name });
  const args = ['run', p, '--state-dir', state, '--exit-when-caught-up'];
  assert.equal((await runTidemark(args)).code, 0);
  await db.query(`DROP TABLE ${name}.a`);
  const r = await runTidemark(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /resuming anyway.*matches no table/);
  await db.query(
    `CREATE TABLE ${name}.b (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO ${name}.b VALUES ${vals(7, 2)};`,
  );
  assert.equal((await runTidemark(args)).code, 0);
  assert.deepEqual(
    await duckRows(duck, `SELECT id, v FROM "${name}"."b" ORDER BY id`),
    await maria(`SELECT id, v FROM ${name}.b ORDER BY id`),
  );
});
