// A DuckDB file named like the captured database (app_db.duckdb for app_db.*): DuckDB names a
// file's catalog after the file, so `app_db.t` would be ambiguous (catalog app_db or schema app_db)
// unless the file is attached under a fixed catalog name. The sink, `tidemark query` and the test
// helpers all read `schema.table` the same way.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import {
  duckRows,
  mariaRows,
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
after(async () => {
  await db?.stop();
});

test('a DuckDB file named after the captured database: rows, restart and tidemark query', async () => {
  await db.query(`CREATE DATABASE app_db;
    CREATE TABLE app_db.orders (id INT PRIMARY KEY, note VARCHAR(20));
    CREATE TABLE app_db.app_db (id INT PRIMARY KEY, v INT);
    INSERT INTO app_db.orders VALUES (1, 'one'), (2, 'two');
    INSERT INTO app_db.app_db VALUES (1, 10);`);
  const dir = tempDir();
  const duck = join(dir, 'app_db.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'app_db.\\.*',
    duckdbPath: duck,
    name: 'app',
  });
  const state = join(dir, 'state');
  const run = () => runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);

  const r1 = await run();
  assert.equal(r1.code, 0, r1.stderr);
  await db.query(`UPDATE app_db.orders SET note = 'deux' WHERE id = 2; DELETE FROM app_db.orders WHERE id = 1;
    INSERT INTO app_db.orders VALUES (3, 'three'); INSERT INTO app_db.app_db VALUES (2, 20);`);
  const r2 = await run();
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /resuming from checkpoint/);

  for (const table of ['app_db.orders', 'app_db.app_db']) {
    assert.deepEqual(
      await duckRows(duck, `SELECT * FROM ${table}`),
      await mariaRows(db, `SELECT * FROM ${table}`),
    );
  }
  const q = await runTidemark([
    'query',
    duck,
    'SELECT id, note FROM app_db.orders ORDER BY id',
    '--format',
    'csv',
  ]);
  assert.equal(q.code, 0, q.stderr);
  assert.equal(q.stdout, 'id,note\r\n2,deux\r\n3,three\r\n');
  const write = await runTidemark(['query', duck, 'INSERT INTO app_db.orders VALUES (9, null)']);
  assert.notEqual(write.code, 0);
  assert.match(write.stderr, /read-only/i);

  // While a pipeline writes the file, neither a query nor a second pipeline can open it.
  const child = startTidemark(['run', pipeline, '--state-dir', state]);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitFor(() => stderr.includes('caught up'), 60_000, 'the pipeline to catch up');
    const locked = await runTidemark(['query', duck, 'SELECT 1']);
    assert.notEqual(locked.code, 0);
    assert.match(locked.stderr, /holds the file open for writing/);
    const second = await runTidemark(['run', pipeline, '--state-dir', join(dir, 'state2')]);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /another process has it open for writing/);
  } finally {
    child.kill('SIGTERM');
    await child.result;
  }
});
