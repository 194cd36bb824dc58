// TIME, DATE, DATETIME and TIMESTAMP columns in a primary key, zero dates included: DuckDB cannot
// index INTERVAL (our TIME) and has no zero date, so key columns of these types are stored as
// their exact text (see the type mapping); rows keep their identity through updates and deletes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { compareRows, duckRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});
after(async () => {
  await db?.stop();
});

/** MariaDB's rows as text in a UTC session, sorted like duckRows (the source of truth). */
async function utcRows(sql: string): Promise<(string | null)[][]> {
  const conn = await db.connect();
  try {
    await conn.query("SET time_zone = '+00:00'");
    const [rows] = await conn.query({ sql, rowsAsArray: true, dateStrings: true });
    return (rows as unknown[][])
      .map((r) => r.map((v) => (v === null ? null : String(v as string))))
      .sort(compareRows);
  } finally {
    await conn.end();
  }
}

/** MySQL's temporal text with the fraction's trailing zeros dropped, as the sink keeps key text. */
function keyText(v: string | null): string | null {
  return v !== null && /:\d\d\.\d+$/.test(v) ? v.replace(/0+$/, '').replace(/\.$/, '') : v;
}

const LAX = "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';";

test('TIME and (zero) DATE/DATETIME/TIMESTAMP primary key columns: inserts, updates, key changes, deletes', async () => {
  await db.query(`${LAX} CREATE DATABASE tkey_db;
    CREATE TABLE tkey_db.tm (id INT, tv TIME(6), v VARCHAR(10), PRIMARY KEY (id, tv));
    CREATE TABLE tkey_db.dt (d DATETIME PRIMARY KEY, v VARCHAR(10));
    CREATE TABLE tkey_db.dd (d DATE, k INT, v VARCHAR(10), PRIMARY KEY (d, k));
    CREATE TABLE tkey_db.ts (ts TIMESTAMP(3) NOT NULL PRIMARY KEY, v VARCHAR(10));
    INSERT INTO tkey_db.tm VALUES (1, '10:00:00', 'a'), (1, '10:00:00.000001', 'b'), (1, '-838:59:59', 'c'),
      (2, '838:59:59.999999', 'd'), (2, '-00:00:00.5', 'e'), (2, '00:00:00', 'f');
    INSERT INTO tkey_db.dt VALUES ('0000-00-00 00:00:00', 'zero'), ('2024-00-10 12:00:00', 'month0'),
      ('2024-02-29 23:59:59', 'leap');
    INSERT INTO tkey_db.dd VALUES ('0000-00-00', 1, 'zero'), ('2024-05-00', 1, 'day0'), ('2024-05-01', 1, 'x');
    INSERT INTO tkey_db.ts VALUES ('0000-00-00 00:00:00', 'zero'), ('2024-03-10 02:30:00.5', 'x');`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'tkey_db.\\.*',
    duckdbPath: duck,
    name: 'tkey',
  });
  const state = join(dir, 'state');
  const run = () => runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  const r1 = await run();
  assert.equal(r1.code, 0, r1.stderr);

  await db.query(`${LAX}
    UPDATE tkey_db.tm SET v = 'a2' WHERE id = 1 AND tv = '10:00:00';
    UPDATE tkey_db.tm SET tv = '-10:00:00' WHERE id = 1 AND tv = '10:00:00.000001';
    DELETE FROM tkey_db.tm WHERE id = 2 AND tv = '-00:00:00.5';
    INSERT INTO tkey_db.tm VALUES (3, '100:00:00.25', 'g');
    UPDATE tkey_db.dt SET v = 'zero2' WHERE d = '0000-00-00 00:00:00';
    UPDATE tkey_db.dt SET d = '0000-00-00 00:00:01' WHERE v = 'month0';
    INSERT INTO tkey_db.dt VALUES ('2024-01-00 00:00:00', 'day0');
    DELETE FROM tkey_db.dt WHERE v = 'leap';
    UPDATE tkey_db.dd SET v = 'zero2' WHERE d = '0000-00-00';
    UPDATE tkey_db.dd SET d = '0000-00-00', k = 2 WHERE v = 'day0';
    INSERT INTO tkey_db.dd VALUES ('2024-00-00', 1, 'both0');
    UPDATE tkey_db.ts SET v = 'zero2' WHERE ts = '0000-00-00 00:00:00';
    INSERT INTO tkey_db.ts VALUES ('1970-01-01 00:00:01.001', 'y');`);
  const r2 = await run();
  assert.equal(r2.code, 0, r2.stderr);

  for (const [table, sql] of [
    ['tm', 'SELECT id, tv, v FROM tkey_db.tm'],
    ['dt', 'SELECT d, v FROM tkey_db.dt'],
    ['dd', 'SELECT d, k, v FROM tkey_db.dd'],
  ] as const) {
    const expected = (await utcRows(sql)).map((r) => r.map(keyText));
    assert.deepEqual(await duckRows(duck, sql), expected, table);
  }
  // TIMESTAMP: the UTC instant, as DuckDB writes TIMESTAMPTZ text in UTC
  const ts = (await utcRows('SELECT ts, v FROM tkey_db.ts')).map(([t, v]) => [`${keyText(t!)}+00`, v!]);
  assert.deepEqual(await duckRows(duck, 'SELECT ts, v FROM tkey_db.ts'), ts.sort(compareRows));
  assert.deepEqual(await duckRows(duck, 'SELECT tv FROM tkey_db.tm WHERE id = 3'), [['100:00:00.25']]);
});
