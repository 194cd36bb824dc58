// One source transaction with tens of MB of BLOB/TEXT values is one DuckDB transaction (exactly
// once: rows and position commit together). DuckDB must hold 2048 new rows at a time, values
// included, to write and commit it: the default memory_limit follows the open transaction, and a
// limit set too small fails with an error that says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import {
  duckRows,
  mariaRows,
  runTidemark,
  startTidemark,
  tempDir,
  writePipeline,
  type CliResult,
} from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});
after(async () => {
  await db?.stop();
});

/** Runs the CLI and samples its peak RSS (VmHWM) until it exits. */
async function runMeasured(args: readonly string[]): Promise<CliResult & { peakRssMB: number }> {
  const child = startTidemark(args);
  let peak = 0;
  const sample = (): void => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // exited
    }
  };
  const timer = setInterval(sample, 50);
  const kill = setTimeout(() => child.kill('SIGKILL'), 300_000);
  try {
    const r = await child.result;
    return { ...r, peakRssMB: Math.round(peak) };
  } finally {
    clearInterval(timer);
    clearTimeout(kill);
  }
}

/** ~512 KB of bytes and ~512 KB of 3-byte UTF-8 text for row `id`, version `v`. */
const BLOB = (id: string, v: number) => `REPEAT(UNHEX(MD5(CONCAT(${id}, '-', ${v}))), 32768)`;
const TEXT = (id: string, v: number) => `REPEAT(CONCAT('日本語', MD5(CONCAT(${id}, '/', ${v}))), 12483)`;

async function assertSameRows(duck: string, name: string): Promise<void> {
  const docs = `FROM ${name}.docs`;
  assert.deepEqual(
    await duckRows(duck, `SELECT id, md5(b), octet_length(b), md5(t), strlen(t) ${docs}`),
    await mariaRows(db, `SELECT id, md5(b), length(b), md5(t), length(t) ${docs}`),
  );
  assert.deepEqual(
    await duckRows(duck, `SELECT id, md5(b), octet_length(b) FROM ${name}.log`),
    await mariaRows(db, `SELECT id, md5(b), length(b) FROM ${name}.log`),
  );
}

test('transactions of ~55 MB and ~150 MB of BLOB/TEXT under the default memory limit, bytes exact', async () => {
  const name = 'bigtx_db';
  await db.query(`CREATE DATABASE ${name};
    CREATE TABLE ${name}.docs (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT) DEFAULT CHARSET=utf8mb4;
    CREATE TABLE ${name}.log (id INT, b LONGBLOB);
    USE ${name};
    INSERT INTO ${name}.docs SELECT seq, ${BLOB('seq', 0)}, ${TEXT('seq', 0)} FROM seq_1_to_40;`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, { port: db.port, tables: `${name}.\\.*`, duckdbPath: duck, name });
  const args = ['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'];
  const r1 = await runTidemark(args);
  assert.equal(r1.code, 0, r1.stderr);

  // ~55 MB: every row updated in place at the source, an append table, new rows
  await db.query(`USE ${name}; BEGIN;
    UPDATE ${name}.docs SET b = ${BLOB('id', 1)}, t = ${TEXT('id', 1)};
    INSERT INTO ${name}.log SELECT seq, ${BLOB('seq', 2)} FROM seq_1_to_20;
    INSERT INTO ${name}.docs SELECT seq, ${BLOB('seq', 1)}, ${TEXT('seq', 1)} FROM seq_41_to_45;
    COMMIT;`);
  const r2 = await runMeasured(args);
  assert.equal(r2.code, 0, r2.stderr);
  await assertSameRows(duck, name);

  // ~150 MB
  await db.query(`USE ${name}; BEGIN;
    INSERT INTO ${name}.docs SELECT seq, ${BLOB('seq', 3)}, ${TEXT('seq', 3)} FROM seq_46_to_145;
    UPDATE ${name}.docs SET b = ${BLOB('id', 4)}, t = ${TEXT('id', 4)} WHERE id <= 45;
    DELETE FROM ${name}.docs WHERE id = 3;
    COMMIT;`);
  const r3 = await runMeasured(args);
  assert.equal(r3.code, 0, r3.stderr);
  await assertSameRows(duck, name);
  assert.deepEqual(await duckRows(duck, `SELECT count(*) FROM ${name}.docs`), [['144']]);
  console.log(`peak RSS: ~55 MB transaction ${r2.peakRssMB} MB, ~150 MB transaction ${r3.peakRssMB} MB`);
  // DuckDB needs 2048 rows with their values at once, and its commit about twice that again
  assert.ok(r2.peakRssMB < 1024, `peak RSS ${r2.peakRssMB} MB`);
  assert.ok(r3.peakRssMB < 2048, `peak RSS ${r3.peakRssMB} MB`);
});

test('a memory.limit too small for a large transaction: the error says so; a larger one commits it', async () => {
  const name = 'bigtx_set_db';
  await db.query(`CREATE DATABASE ${name};
    CREATE TABLE ${name}.docs (id INT PRIMARY KEY, b LONGBLOB, t LONGTEXT) DEFAULT CHARSET=utf8mb4;
    CREATE TABLE ${name}.log (id INT, b LONGBLOB);`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = (limit: string) =>
    writePipeline(dir, {
      port: db.port,
      tables: `${name}.\\.*`,
      duckdbPath: duck,
      name,
      extraSink: { 'memory.limit': limit },
    });
  const args = ['run', pipeline('64MB'), '--state-dir', join(dir, 'state'), '--exit-when-caught-up'];
  const r1 = await runTidemark(args);
  assert.equal(r1.code, 0, r1.stderr);
  await db.query(
    `INSERT INTO ${name}.docs SELECT seq, ${BLOB('seq', 0)}, ${TEXT('seq', 0)} FROM seq_1_to_80`,
  );
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = await runTidemark(args);
    assert.notEqual(r.code, 0, 'a restart fails the same way');
    assert.match(
      r.stderr,
      /ran out of its memory_limit \(64 MB\): the open transaction's new rows hold \d+ MB/,
    );
    assert.match(r.stderr, /Set the sink's `memory.limit` to at least \d+ MB .*or leave it unset/);
    assert.doesNotMatch(r.stderr, /primary-key indexes must fit/);
  }
  pipeline('512MB');
  const r2 = await runTidemark(args);
  assert.equal(r2.code, 0, r2.stderr);
  await assertSameRows(duck, name);
});

test('one transaction updating 150k rows of ~400 bytes of text under the default memory limit', async () => {
  const name = 'bigtx_rows_db';
  await db.query(`CREATE DATABASE ${name};
    CREATE TABLE ${name}.t (id INT PRIMARY KEY, a VARCHAR(200), b VARCHAR(200));
    USE ${name};
    INSERT INTO ${name}.t SELECT seq, REPEAT(MD5(seq), 6), REPEAT(MD5(-seq), 6) FROM seq_1_to_150000;`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, { port: db.port, tables: `${name}.t`, duckdbPath: duck, name });
  const args = ['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'];
  const r1 = await runTidemark(args);
  assert.equal(r1.code, 0, r1.stderr);
  // DuckDB would hold ~2.5 times the bytes of rows updated in place until the commit
  await db.query(`UPDATE ${name}.t SET a = REPEAT(MD5(id + 1), 6), b = REPEAT(MD5(id + 2), 6)`);
  const r2 = await runMeasured(args);
  assert.equal(r2.code, 0, r2.stderr);
  const sql = `SELECT id, md5(a || b) FROM ${name}.t`;
  assert.deepEqual(await duckRows(duck, sql), await mariaRows(db, sql.replace('a || b', 'CONCAT(a, b)')));
  console.log(`peak RSS: 150k rows updated in one transaction ${r2.peakRssMB} MB`);
});
