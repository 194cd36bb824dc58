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

test('columns of every legacy charset reach the sink from the binlog as MariaDB converts them', async () => {
  // text in each charset's own script, and every charset of the issue's list that MariaDB has
  const columns: [string, string, string][] = [
    ['big5', 'VARCHAR(20) CHARACTER SET big5', "'大五碼'"],
    ['gbk', 'VARCHAR(20) CHARACTER SET gbk', "'中文汉字'"],
    ['gb2312', 'VARCHAR(20) CHARACTER SET gb2312', "'简体'"],
    ['sjis', 'VARCHAR(20) CHARACTER SET sjis', "'日本語ｶﾅ'"],
    ['cp932', 'VARCHAR(20) CHARACTER SET cp932', "'①髙﨑'"],
    ['ujis', 'VARCHAR(20) CHARACTER SET ujis', "'日本語'"],
    ['eucjpms', 'VARCHAR(20) CHARACTER SET eucjpms', "'①日本'"],
    ['euckr', 'VARCHAR(20) CHARACTER SET euckr', "'한국어'"],
    ['tis620', 'VARCHAR(20) CHARACTER SET tis620', "'ภาษาไทย'"],
    ['latin2', 'VARCHAR(20) CHARACTER SET latin2', "'Łódź Žďár'"],
    ['cp1250', 'VARCHAR(20) CHARACTER SET cp1250', "'Šťastný „x“'"],
    ['cp1257', 'VARCHAR(20) CHARACTER SET cp1257', "'Ąžuolas ų'"],
    ['hebrew', 'VARCHAR(20) CHARACTER SET hebrew', "'עברית'"],
    ['macroman', 'VARCHAR(20) CHARACTER SET macroman', "'café ∑π'"],
    ['koi8r', 'TEXT CHARACTER SET koi8r', "'Русский'"],
    ['greek', 'CHAR(10) CHARACTER SET greek', "'Ελληνικά'"],
    ['ucs2', 'VARCHAR(20) CHARACTER SET ucs2', "'ucs2 ü'"],
    ['utf32', 'VARCHAR(20) CHARACTER SET utf32', "'𝄞 utf32'"],
  ];
  const defs = columns.map(([n, t]) => `c_${n} ${t}`).join(', ');
  const values = columns.map(([, , v]) => v).join(', ');
  await db.query(`CREATE DATABASE legacy_cs; CREATE TABLE legacy_cs.t (id INT PRIMARY KEY, ${defs});
    INSERT INTO legacy_cs.t VALUES (1, ${values});`);
  const duck = await snapshotThenStream(
    'legacy_cs',
    'legacy_cs.t',
    `INSERT INTO legacy_cs.t VALUES (2, ${values});
     UPDATE legacy_cs.t SET c_big5 = '大五', c_sjis = 'ﾃｽﾄ', c_latin2 = 'ő' WHERE id = 1;`,
  );
  const sql = `SELECT id, ${columns.map(([n]) => `c_${n}`).join(', ')} FROM legacy_cs.t`;
  const want = await mariaRows(db, sql);
  assert.deepEqual(await duckRows(duck, sql), want);
  assert.equal(want[0]![1], '大五');
});

test('a table the pipeline does not capture never stops it, whatever its charsets hold', async () => {
  await db.query(`CREATE DATABASE uncaptured_cs;
    CREATE TABLE uncaptured_cs.kept (id INT PRIMARY KEY, v VARCHAR(10));
    CREATE TABLE uncaptured_cs.other (id INT PRIMARY KEY, b VARCHAR(10) CHARACTER SET big5, a VARCHAR(4) CHARACTER SET ascii);
    INSERT INTO uncaptured_cs.kept VALUES (1, 'a');`);
  const duck = await snapshotThenStream(
    'uncaptured_cs',
    'uncaptured_cs.kept',
    // a big5 value, and bytes neither charset can convert (stored as they are)
    `INSERT INTO uncaptured_cs.other VALUES (1, '大五', 'x'), (2, CONVERT(X'A3E1' USING big5), CONVERT(X'FF' USING ascii));
     INSERT INTO uncaptured_cs.kept VALUES (2, 'b');`,
  );
  const sql = 'SELECT id, v FROM uncaptured_cs.kept';
  assert.deepEqual(await duckRows(duck, sql), await mariaRows(db, sql));
});

test('a captured value the server itself cannot convert stops the pipeline naming table, column and position', async () => {
  await db.query(`CREATE DATABASE unconvertible; CREATE TABLE unconvertible.t (id INT PRIMARY KEY, b VARCHAR(10) CHARACTER SET big5);
    INSERT INTO unconvertible.t VALUES (1, '大');`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'unconvertible.t',
    duckdbPath: duck,
    name: 'unconv',
  });
  const state = join(dir, 'state');
  const first = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(first.code, 0, first.stderr);
  // A3E1 is well-formed big5 that maps to no Unicode character: SELECT shows '?'
  await db.query("INSERT INTO unconvertible.t VALUES (2, CONCAT('x', CONVERT(X'A3E1' USING big5)))");
  assert.deepEqual(await mariaRows(db, 'SELECT b FROM unconvertible.t WHERE id = 2'), [['x?']]);
  const second = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.notEqual(second.code, 0, second.stdout);
  assert.match(
    second.stderr,
    /SOURCE_BINLOG_DECODE.*mysql-bin\.\d+:\d+.*unconvertible\.t row 1: column b: big5 bytes a3e1 at byte 1 of the value/,
  );
  assert.deepEqual(await duckRows(duck, 'SELECT id, b FROM unconvertible.t'), [['1', '大']]);
});

test("MariaDB's UUID and INET6 (INET4 needs 11.3): the binlog's bytes reach the sink as the text SELECT shows", async () => {
  // UUIDs of all kinds (MariaDB orders time-based ones by node first), one per chunk of 3 rows
  const uuids = [
    'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    '6ccd780c-baba-1026-9564-5b8c656024db',
    '11223344-5566-1788-8899-aabbccddee00',
    '00000000-0000-0000-0000-000000000000',
    '11223344-5566-7788-c899-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '11223344-5566-1788-0899-aabbccddeeff',
  ];
  for (let i = 0; i < 30; i++)
    uuids.push(
      `${(0x10000000 + i * 0x7654321).toString(16)}-0000-1${i.toString(16).padStart(3, '0')}-8000-00000000000${i % 10}`,
    );
  const rows = uuids.map(
    (u, i) => `('${u}', '2001:db8::${i.toString(16)}', ${i % 3 ? `'::ffff:10.0.0.${i}'` : 'NULL'})`,
  );
  await db.query(`CREATE DATABASE uuid_db; CREATE TABLE uuid_db.t (id UUID PRIMARY KEY, a INET6, b INET6 NULL);
    INSERT INTO uuid_db.t VALUES ${rows.join(', ')};`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'uuid_db.\\.*',
    duckdbPath: duck,
    name: 'uuid',
    extraSource: { 'scan.incremental.snapshot.chunk.size': 3 },
  });
  const state = join(dir, 'state');
  const first = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(first.code, 0, first.stderr);
  // and a table whose schema comes from its CREATE TABLE in the binlog
  await db.query(`CREATE TABLE uuid_db.later (id INT PRIMARY KEY, u UUID, i INET6);
    INSERT INTO uuid_db.later VALUES (1, '6ccd780c-baba-1026-9564-5b8c656024db', '::ffff:1.2.3.4'), (2, NULL, 'fe80::');
    INSERT INTO uuid_db.t VALUES ('01234567-89ab-4def-8123-456789abcdef', '::', '::1.2.3.4');
    UPDATE uuid_db.t SET a = 'fe80::1', b = '1::2:3:4:5:6:7' WHERE id = '6ccd780c-baba-1026-9564-5b8c656024db';
    DELETE FROM uuid_db.t WHERE id = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';`);
  const second = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(second.code, 0, second.stderr);
  const sql = 'SELECT id, a, b FROM uuid_db.t';
  const want = await mariaRows(db, sql);
  assert.deepEqual(await duckRows(duck, sql), want);
  assert.equal(want.length, uuids.length);
  const later = 'SELECT id, u, i FROM uuid_db.later';
  assert.deepEqual(await duckRows(duck, later), await mariaRows(db, later));
});
