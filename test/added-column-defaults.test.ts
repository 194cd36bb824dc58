// ALTER TABLE ... ADD COLUMN fills the rows already there without row events: the sink must give its
// existing rows what the server gave them (CURRENT_TIMESTAMP at the ALTER, TIMESTAMP literals in the
// session zone, zero dates), compared with MariaDB's own rows. The server runs at +05:30 and one ALTER
// runs in a -03:00 session, so a zone mix-up shows.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, mariaRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

test('columns added with DEFAULT CURRENT_TIMESTAMP / TIMESTAMP literals / zero dates: existing sink rows equal the source', async () => {
  await db.query(`CREATE DATABASE acd_db; CREATE TABLE acd_db.t (id INT PRIMARY KEY, v INT);
    INSERT INTO acd_db.t VALUES (1, 10), (2, 20);`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'acd_db.\\.*',
    duckdbPath: duck,
    name: 'acd',
  });
  const state = join(dir, 'state');
  const first = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(first.code, 0, first.stderr);

  const conn = await db.connect();
  try {
    await conn.query(`SET SESSION sql_mode = ''`);
    await conn.query(`ALTER TABLE acd_db.t
      ADD COLUMN a DATETIME DEFAULT CURRENT_TIMESTAMP,
      ADD COLUMN b TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
      ADD COLUMN c TIMESTAMP NULL DEFAULT '2020-01-01 10:00:00',
      ADD COLUMN d DATETIME DEFAULT '0000-00-00 00:00:00',
      ADD COLUMN g DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6),
      ADD COLUMN h DATETIME(2) DEFAULT CURRENT_TIMESTAMP(0)`);
    await conn.query(`SET SESSION time_zone = '-03:00'`);
    await conn.query(`ALTER TABLE acd_db.t
      ADD COLUMN e DATETIME DEFAULT NOW(),
      ADD COLUMN f TIMESTAMP NULL DEFAULT '2020-01-01 10:00:00'`);
    await conn.query(`INSERT INTO acd_db.t (id, v) VALUES (3, 30)`);
  } finally {
    await conn.end();
  }
  const second = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(second.code, 0, second.stderr);

  // DATETIME compared as wall-clock text, TIMESTAMP as epoch seconds; the zero DATETIME is NULL in
  // the sink (zero dates have no DuckDB value); DATETIME(6) to the microsecond (MariaDB logs the
  // ALTER's start microseconds as Q_HRNOW); CURRENT_TIMESTAMP(0) on DATETIME(2) is MariaDB's
  // current_timestamp(2).
  assert.deepEqual(
    await duckRows(
      duck,
      `SELECT id, v, CAST(a AS VARCHAR), CAST(epoch(b) AS BIGINT), CAST(epoch(c) AS BIGINT), d,
         CAST(e AS VARCHAR), CAST(epoch(f) AS BIGINT), strftime(g, '%Y-%m-%d %H:%M:%S.%f'), strftime(h, '%Y-%m-%d %H:%M:%S.%f') FROM acd_db.t`,
    ),
    await mariaRows(
      db,
      `SELECT id, v, CAST(a AS CHAR), UNIX_TIMESTAMP(b), UNIX_TIMESTAMP(c), IF(d = '0000-00-00 00:00:00', NULL, d),
         CAST(e AS CHAR), UNIX_TIMESTAMP(f), DATE_FORMAT(g, '%Y-%m-%d %H:%i:%s.%f'), DATE_FORMAT(h, '%Y-%m-%d %H:%i:%s.%f') FROM acd_db.t`,
    ),
  );
});
