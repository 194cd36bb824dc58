// A checkpoint is never resumed into a sink that lacks the data before it: a deleted, replaced or
// restored DuckDB file.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import {
  duckRows,
  mariaRows,
  runTidemark,
  tempDir,
  writePipeline,
  type CliResult,
} from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

const run = (pipeline: string, state: string): Promise<CliResult> =>
  runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up'], {}, 60_000);

async function runOk(pipeline: string, state: string): Promise<CliResult> {
  const r = await run(pipeline, state);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return r;
}

/** A database with one keyed table of `n` rows. */
async function createDb(name: string, n = 5): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => `(${i + 1}, 'r${i + 1}')`).join(',');
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};
    CREATE TABLE ${name}.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO ${name}.t VALUES ${rows};`);
}

async function sameRows(duck: string, table: string): Promise<void> {
  const sql = `SELECT * FROM ${table}`;
  assert.deepEqual(await duckRows(duck, sql), await mariaRows(db, sql), table);
}

function removeDuckDb(path: string): void {
  for (const f of [path, `${path}.wal`]) rmSync(f, { force: true });
}

/** Runs SQL on a DuckDB file (read-write). */
async function duckExec(path: string, sql: string, params?: string[]): Promise<void> {
  const inst = await DuckDBInstance.create(path);
  const conn = await inst.connect();
  try {
    await conn.run(sql, params);
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
}

test('a deleted DuckDB file is rebuilt with a new snapshot, said in the log', async () => {
  await createDb('own_del', 20);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const p = writePipeline(dir, { port: db.port, tables: 'own_del.t', duckdbPath: duck, name: 'del' });
  await runOk(p, state);
  await db.query(`UPDATE own_del.t SET v = 'u' WHERE id < 5; INSERT INTO own_del.t VALUES (50, 'x')`);
  await runOk(p, state);
  removeDuckDb(duck);
  await db.query(`DELETE FROM own_del.t WHERE id = 7`);
  const r = await runOk(p, state);
  await sameRows(duck, 'own_del.t');
  assert.match(r.stderr, /the sink holds no checkpoint and no table.*starting afresh/);
  assert.doesNotMatch(r.stdout, /Resuming from checkpoint/);
});

test('a replaced DuckDB file that holds tables but no checkpoint is an error that says what to do', async () => {
  await createDb('own_repl');
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const p = writePipeline(dir, { port: db.port, tables: 'own_repl.t', duckdbPath: duck, name: 'repl' });
  await runOk(p, state);
  removeDuckDb(duck);
  await duckExec(
    duck,
    `CREATE SCHEMA own_repl; CREATE TABLE own_repl.t (id INT PRIMARY KEY, v VARCHAR);
    INSERT INTO own_repl.t VALUES (1, 'old')`,
  );
  await db.query(`INSERT INTO own_repl.t VALUES (60, 'y')`);
  const r = await run(p, state);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /error \[SINK_BEHIND\]/);
  assert.ok(r.stderr.includes(duck), r.stderr);
  assert.match(r.stderr, /remove it/);
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM own_repl.t'), [['1', 'old']]);
});

test('a DuckDB file restored from a backup resumes from its own, older checkpoint', async () => {
  await createDb('own_bak', 10);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const backup = join(dir, 'backup.duckdb');
  const state = join(dir, 'state');
  const p = writePipeline(dir, { port: db.port, tables: 'own_bak.t', duckdbPath: duck, name: 'bak' });
  await runOk(p, state);
  assert.equal(existsSync(`${duck}.wal`), false, 'a cleanly closed file has no WAL to copy');
  copyFileSync(duck, backup);
  await db.query(`UPDATE own_bak.t SET v = 'after backup' WHERE id = 2; DELETE FROM own_bak.t WHERE id = 3;
    INSERT INTO own_bak.t VALUES (70, 'z')`);
  await runOk(p, state); // the state directory moves past the backup
  removeDuckDb(duck);
  copyFileSync(backup, duck);
  await db.query(`INSERT INTO own_bak.t VALUES (71, 'w')`);
  const r = await runOk(p, state);
  await sameRows(duck, 'own_bak.t');
  assert.match(r.stderr, /older checkpoint than the state directory/);
});
