// A checkpoint is only resumed by the pipeline it belongs to, and never into a sink that lacks the
// data before it: two pipelines of the same (default) name, a deleted, replaced or restored DuckDB
// file, and checkpoints written before checkpoints recorded what they belong to.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('two pipelines without pipeline.name in one state directory: the second is refused, naming both sinks', async () => {
  await createDb('own_a');
  await createDb('own_b');
  const root = tempDir();
  const state = join(root, 'state'); // shared, like the default .tidemark of one working directory
  const dirA = join(root, 'a');
  const dirB = join(root, 'b');
  mkdirSync(dirA);
  mkdirSync(dirB);
  const duckA = join(dirA, 'a.duckdb');
  const duckB = join(dirB, 'b.duckdb');
  const pA = writePipeline(dirA, { port: db.port, tables: 'own_a.t', duckdbPath: duckA, name: null });
  const pB = writePipeline(dirB, { port: db.port, tables: 'own_b.t', duckdbPath: duckB, name: null });
  await runOk(pA, state);

  const r = await run(pB, state);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /error \[PIPELINE_MISMATCH\]/);
  assert.ok(r.stderr.includes(duckA) && r.stderr.includes(duckB), r.stderr);
  assert.match(r.stderr, /pipeline\.name/);
  const written = existsSync(duckB) ? await duckRows(duckB, 'SELECT 1 FROM _tidemark.checkpoints') : [];
  assert.deepEqual(written, [], 'nothing was committed into the second sink');

  // with a name of its own it runs; the first one still resumes its own checkpoint
  const pB2 = writePipeline(dirB, { port: db.port, tables: 'own_b.t', duckdbPath: duckB, name: 'b' });
  await runOk(pB2, state);
  await sameRows(duckB, 'own_b.t');
  await db.query(`INSERT INTO own_a.t VALUES (100, 'new')`);
  assert.match((await runOk(pA, state)).stderr, /resuming from checkpoint/);
  await sameRows(duckA, 'own_a.t');
});

test('two pipelines without pipeline.name into one DuckDB file: the second is refused (no table in common)', async () => {
  await createDb('own_c');
  await createDb('own_d');
  const root = tempDir();
  const duck = join(root, 'shared.duckdb');
  const dirC = join(root, 'c');
  const dirD = join(root, 'd');
  mkdirSync(dirC);
  mkdirSync(dirD);
  const pC = writePipeline(dirC, { port: db.port, tables: 'own_c.t', duckdbPath: duck, name: null });
  const pD = writePipeline(dirD, { port: db.port, tables: 'own_d.t', duckdbPath: duck, name: null });
  await runOk(pC, join(dirC, 'state'));
  const r = await run(pD, join(dirD, 'state'));
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /error \[PIPELINE_MISMATCH\]/);
  assert.match(r.stderr, /no table in common/);
  assert.ok(r.stderr.includes('own_c.t') && r.stderr.includes('own_d.t'), r.stderr);
});

test('two names that share a state folder ("own e" and "own/e"): the second is refused, naming both', async () => {
  await createDb('own_e');
  await createDb('own_f');
  const root = tempDir();
  const state = join(root, 'state');
  const duckE = join(root, 'e.duckdb');
  const duckF = join(root, 'f.duckdb');
  const pE = writePipeline(root, { port: db.port, tables: 'own_e.t', duckdbPath: duckE, name: 'own e' });
  await runOk(pE, state);
  const dirF = join(root, 'f');
  mkdirSync(dirF);
  const pF = writePipeline(dirF, { port: db.port, tables: 'own_f.t', duckdbPath: duckF, name: 'own/e' });
  const r = await run(pF, state);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(
    r.stderr,
    /error \[PIPELINE_MISMATCH\]: checkpoint #\d+ in the state directory .* belongs to the pipeline "own e"/,
  );
  assert.match(r.stderr, /"own e" and "own\/e" share that folder/);
});

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
  assert.doesNotMatch(r.stderr, /resuming from checkpoint/);
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

test('a checkpoint written before checkpoints recorded their pipeline is resumed, and then records it', async () => {
  await createDb('own_old');
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const p = writePipeline(dir, { port: db.port, tables: 'own_old.t', duckdbPath: duck, name: 'old' });
  await runOk(p, state);
  // strip the identity from both copies, as an earlier version wrote them
  const file = join(state, 'pipelines', 'old', 'checkpoint.json');
  const cp = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  assert.ok(cp.identity, 'the checkpoint records its identity');
  delete cp.identity;
  writeFileSync(file, JSON.stringify(cp));
  await duckExec(duck, 'UPDATE _tidemark.checkpoints SET checkpoint = CAST($1 AS JSON)', [
    JSON.stringify(cp),
  ]);

  await db.query(`INSERT INTO own_old.t VALUES (80, 'v')`);
  assert.match((await runOk(p, state)).stderr, /resuming from checkpoint/);
  await sameRows(duck, 'own_old.t');
  const tables = await duckRows(
    duck,
    `SELECT CAST(checkpoint->'$.identity.tables' AS VARCHAR) FROM _tidemark.checkpoints WHERE pipeline = 'old'`,
  );
  assert.deepEqual(tables, [['["own_old.t"]']]);
});

test('the captured tables change (one dropped, another created): the same pipeline resumes', async () => {
  await createDb('own_g');
  const root = tempDir();
  const duck = join(root, 'g.duckdb');
  const p = writePipeline(root, { port: db.port, tables: 'own_g.\\.*', duckdbPath: duck, name: 'own_g' });
  const state = join(root, 'state');
  await runOk(p, state);
  await db.query(
    `DROP TABLE own_g.t; CREATE TABLE own_g.u (id INT PRIMARY KEY); INSERT INTO own_g.u VALUES (1)`,
  );
  await runOk(p, state);
  // a restart now sees only own_g.u, which the first checkpoint never had
  await db.query('INSERT INTO own_g.u VALUES (2)');
  await runOk(p, state);
  await sameRows(duck, 'own_g.u');
});
