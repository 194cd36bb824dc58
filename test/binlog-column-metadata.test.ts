// Values that only the binlog path decodes, through the real CLI against MariaDB: a snapshot, then
// changes read from the binlog, then the DuckDB file compared with MariaDB's own rows. Each case
// is one the Table_map's optional metadata or the column's binlog format got wrong before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, mariaRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;

before(async () => {
  db = await startMariaDb();
});
after(async () => {
  await db?.stop();
});

/** Snapshots `tables` of `name`, runs `changes`, then streams them: returns the DuckDB path. */
async function snapshotThenStream(name: string, tables: string, changes: string): Promise<string> {
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, { port: db.port, tables, duckdbPath: duck, name });
  const state = join(dir, 'state');
  const first = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(first.code, 0, first.stderr);
  await db.query(changes);
  const second = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(second.code, 0, second.stderr);
  return duck;
}

test('a YEAR column takes its bit of the signedness list on MariaDB: later integers keep their sign', async () => {
  await db.query(`CREATE DATABASE year_sign;
    CREATE TABLE year_sign.t (id INT PRIMARY KEY, yr YEAR, m MEDIUMINT, ti TINYINT, si SMALLINT,
      i INT, bu BIGINT UNSIGNED, d DECIMAL(6,2));
    INSERT INTO year_sign.t VALUES (1, 2023, -3, -1, -2, -3, 18446744073709551615, -1.5);`);
  const duck = await snapshotThenStream(
    'year_sign',
    'year_sign.t',
    `INSERT INTO year_sign.t VALUES (2, 2024, -5, -128, -32768, -2147483648, 18446744073709551614, -9.99);
     UPDATE year_sign.t SET m = -7, ti = -2 WHERE id = 2;
     INSERT INTO year_sign.t VALUES (3, 0, -8388608, 127, 32767, 2147483647, 0, 9999.99);`,
  );
  const sql = 'SELECT id, yr, m, ti, si, i, bu, d FROM year_sign.t';
  assert.deepEqual(await duckRows(duck, sql), await mariaRows(db, sql));
});

test('a GEOMETRY column takes its entry of the charset list on MariaDB: later strings keep their charset', async () => {
  await db.query(`CREATE DATABASE geo_cs;
    CREATE TABLE geo_cs.t (id INT PRIMARY KEY, g POINT, v VARCHAR(10), l VARCHAR(10) CHARACTER SET latin1,
      g2 GEOMETRY NULL, c CHAR(3), b VARBINARY(4));
    INSERT INTO geo_cs.t VALUES (1, POINT(1, 2), 'ä', 'é', NULL, 'x', X'00');`);
  const duck = await snapshotThenStream(
    'geo_cs',
    'geo_cs.t',
    `INSERT INTO geo_cs.t VALUES (2, POINT(3, 4), 'ab😀', 'café', ST_GeomFromText('LINESTRING(0 0, 1 1)'), 'yz', X'0102');
     UPDATE geo_cs.t SET v = 'ü', l = 'ÿ', g = POINT(5, 6) WHERE id = 1;`,
  );
  const sql = 'SELECT id, hex(g), v, l, hex(g2), c, hex(b) FROM geo_cs.t';
  const duckSql = 'SELECT id, hex(g), v, l, hex(g2), c, hex(b) FROM geo_cs.t';
  assert.deepEqual(await duckRows(duck, duckSql), await mariaRows(db, sql));
});
