// The table oracle against the real MariaDB (server zone +05:30) and a real DuckDB file written
// by hand in the sink's documented mapping: equal data gives no difference, and each changed sink
// value is reported with its table, key, column and both canonical values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { sharedMariaDb, type MariaDbInstance } from './mariadb.js';
import { tempDir } from './tidemark-cli.js';
import {
  compareDatabase,
  compareDatabases,
  compareTable,
  formatDiff,
  openDuckDbReadOnly,
  type OracleDiff,
  type OracleOptions,
  type OracleSource,
} from './table-oracle.js';
import { canonicalDecimal, canonicalJson } from './canonical-json.js';

const DB = 'oracle_t';
const OPTS: OracleOptions = { zeroDates: 'sink-null' };

const MARIA_DDL = `
  CREATE TABLE ${DB}.types (id INT PRIMARY KEY, ti TINYINT, biu BIGINT UNSIGNED, z INT UNSIGNED ZEROFILL,
    dec10 DECIMAL(10,2), dec65 DECIMAL(65,30), f FLOAT, d DOUBLE, b1 BIT(1), b10 BIT(10),
    bin BINARY(4), vb VARBINARY(10), bl BLOB, vc VARCHAR(20) CHARACTER SET utf8mb4,
    lat VARCHAR(20) CHARACTER SET latin1, e ENUM('a','ü'), s SET('x','y'), u UUID, i6 INET6,
    dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(6), y YEAR, j JSON, g GEOMETRY);
  INSERT INTO ${DB}.types VALUES
    (1, -128, 18446744073709551615, 7, 4.50,
     '-12345678901234567890123456789012345.123456789012345678901234567891', 123.102, 0.1e0 + 0.2e0,
     b'1', b'1111111111', 'ab', X'00ff', X'deadbeef', '😀 x', 'café', 'ü', 'y,x',
     '123e4567-e89b-12d3-a456-426655440000', '::ffff:1.2.3.4', '2024-02-29',
     '2024-01-02 03:04:05.678901', '2024-01-02 03:04:05.678901', '-838:59:59', 2024,
     '{"b": [1, 2.50], "a": 18446744073709551615}', ST_GeomFromText('POINT(1.5 -2)', 4326)),
    (2, 0, 0, 0, -0.01, '0.000000000000000000000000000001', 16777217, 5e-324, b'0', b'0000000001',
     '', '', '', '', '', 'a', '', '00000000-0000-0000-0000-000000000000', '::', '0000-00-00',
     '2024-00-10 00:00:00', '0000-00-00 00:00:00', '00:00:00', 0, '[]', ST_GeomFromText('POINT(0 0)')),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  CREATE TABLE ${DB}.nokey (a INT, b VARCHAR(5));
  INSERT INTO ${DB}.nokey VALUES (1, 'x'), (1, 'x'), (2, 'y');`;

const DUCK_DDL = `
  CREATE SCHEMA ${DB};
  CREATE TABLE ${DB}.types (id INTEGER PRIMARY KEY, ti TINYINT, biu UBIGINT, z UINTEGER,
    dec10 DECIMAL(10,2), dec65 VARCHAR, f FLOAT, d DOUBLE, b1 BOOLEAN, b10 BLOB, bin BLOB, vb BLOB,
    bl BLOB, vc VARCHAR, lat VARCHAR, e VARCHAR, s VARCHAR, u VARCHAR, i6 VARCHAR, dt DATE,
    dtm TIMESTAMP, ts TIMESTAMPTZ, tm INTERVAL, y SMALLINT, j JSON, g BLOB);
  INSERT INTO ${DB}.types VALUES
    (1, -128, 18446744073709551615, 7, 4.50,
     '-12345678901234567890123456789012345.123456789012345678901234567891', 123.102::FLOAT,
     0.30000000000000004::DOUBLE, true, from_hex('03ff'), from_hex('61620000'), from_hex('00ff'),
     from_hex('deadbeef'), '😀 x', 'café', 'ü', 'x,y', '123e4567-e89b-12d3-a456-426655440000',
     '::ffff:1.2.3.4', DATE '2024-02-29', TIMESTAMP '2024-01-02 03:04:05.678901',
     TIMESTAMPTZ '2024-01-01 21:34:05.678901+00', to_microseconds(-3020399000000), 2024,
     '{"a":18446744073709551615,"b":[1,2.5]}',
     from_hex('E61000000101000000000000000000F83F00000000000000C0')),
    (2, 0, 0, 0, -0.01, '0.000000000000000000000000000001', 16777216::FLOAT, 5e-324::DOUBLE, false,
     from_hex('0001'), from_hex('00000000'), from_hex(''), from_hex(''), '', '', 'a', '',
     '00000000-0000-0000-0000-000000000000', '::', NULL, NULL, NULL, to_microseconds(0), 0, '[]',
     from_hex('00000000010100000000000000000000000000000000000000')),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  CREATE TABLE ${DB}.nokey (a INTEGER, b VARCHAR);
  INSERT INTO ${DB}.nokey VALUES (2, 'y'), (1, 'x'), (1, 'x');`;

let db: MariaDbInstance;
let duckDb: DuckDBInstance;
let duck: DuckDBConnection;
let duckPath: string;
const dirs: string[] = [];
const oracleDir = (): string => {
  const d = tempDir('tidemark-oracle-');
  dirs.push(d);
  return d;
};

before(async () => {
  db = await sharedMariaDb();
  await db.query(
    `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}; SET SESSION sql_mode = ''; ${MARIA_DDL}`,
  );
  duckPath = join(oracleDir(), 'sink.duckdb');
  duckDb = await DuckDBInstance.create(duckPath);
  duck = await duckDb.connect();
  await duck.run(DUCK_DDL);
});

after(() => {
  duck.closeSync();
  duckDb.closeSync();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs `sql` on the sink inside a transaction, runs `compare`, and rolls the change back. */
async function diffsOf(compare: () => Promise<OracleDiff[]>, sql: string): Promise<OracleDiff[]> {
  await duck.run('BEGIN TRANSACTION');
  try {
    await duck.run(sql);
    return await compare();
  } finally {
    await duck.run('ROLLBACK');
  }
}

/** compareDatabase of DB after `sql` ran on the sink. */
function diffsAfter(sql: string, opts: OracleOptions = OPTS): Promise<OracleDiff[]> {
  return diffsOf(() => compareDatabase(db, DB, duck, opts), sql);
}

test('equal data passes, with the sink’s zero dates as NULL', async () => {
  const diffs = await compareDatabase(db, DB, duck, OPTS);
  assert.deepEqual(diffs.map(formatDiff), []);
});

test('zeroDates exact: the sink’s NULL for zero dates is a difference', async () => {
  const diffs = await compareDatabase(db, DB, duck, { zeroDates: 'exact' });
  assert.deepEqual(
    diffs.map((d) => [d.key, d.column, d.source, d.sink]),
    [
      ['id=2', 'dt', '0000-00-00', null],
      ['id=2', 'dtm', '2024-00-10 00:00:00.000000', null],
      ['id=2', 'ts', '0000-00-00 00:00:00.000000', null],
    ],
  );
});

test('the source session time zone does not change TIMESTAMP instants', async () => {
  const conn = await db.connect();
  try {
    await conn.query("SET time_zone = '-11:00'");
    const source: OracleSource = {
      query: async <T>(sql: string, params?: unknown): Promise<T> =>
        (await conn.query(sql, params as never[]))[0] as T,
    };
    assert.deepEqual((await compareDatabase(source, DB, duck, OPTS)).map(formatDiff), []);
  } finally {
    await conn.end();
  }
});

const ROW1 = `UPDATE ${DB}.types SET`;
const CASES: readonly {
  what: string;
  sql: string;
  column: string;
  source: string | null;
  sink: string | null;
}[] = [
  {
    what: 'FLOAT: the next float32',
    sql: `${ROW1} f = 123.10200500488281::FLOAT WHERE id = 1`,
    column: 'f',
    source: '123.10199737548828',
    sink: '123.10200500488281',
  },
  {
    what: 'FLOAT: a double that is not the stored float32',
    sql: `ALTER TABLE ${DB}.types ALTER f TYPE DOUBLE; ${ROW1} f = 123.102 WHERE id = 1`,
    column: 'f',
    source: '123.10199737548828',
    sink: '123.102',
  },
  {
    what: 'DOUBLE',
    sql: `${ROW1} d = 0.3 WHERE id = 1`,
    column: 'd',
    source: '0.30000000000000004',
    sink: '0.3',
  },
  {
    what: 'DECIMAL',
    sql: `${ROW1} dec10 = 4.51 WHERE id = 1`,
    column: 'dec10',
    source: '4.50',
    sink: '4.51',
  },
  {
    what: 'DECIMAL(65,30) text with one fraction digit less',
    sql: `${ROW1} dec65 = '0.00000000000000000000000000001' WHERE id = 2`,
    column: 'dec65',
    source: '0.000000000000000000000000000001',
    sink: '0.00000000000000000000000000001',
  },
  {
    what: 'DATETIME(6): one microsecond',
    sql: `${ROW1} dtm = dtm + INTERVAL 1 MICROSECOND WHERE id = 1`,
    column: 'dtm',
    source: '2024-01-02 03:04:05.678901',
    sink: '2024-01-02 03:04:05.678902',
  },
  {
    what: 'TIMESTAMP: the wall clock taken as UTC',
    sql: `${ROW1} ts = TIMESTAMPTZ '2024-01-02 03:04:05.678901+00' WHERE id = 1`,
    column: 'ts',
    source: '2024-01-01 21:34:05.678901Z',
    sink: '2024-01-02 03:04:05.678901Z',
  },
  {
    what: 'TIME as an interval with days',
    // (DuckDB's UPDATE keeps an equal interval as it was: delete and insert the row)
    sql: `CREATE TEMP TABLE r1 AS SELECT * REPLACE (to_days(-34) + to_microseconds(-82799000000) AS tm)
      FROM ${DB}.types WHERE id = 1; DELETE FROM ${DB}.types WHERE id = 1; INSERT INTO ${DB}.types SELECT * FROM r1`,
    column: 'tm',
    source: '-838:59:59.000000',
    sink: 'INTERVAL 0 months -34 days -82799000000 us',
  },
  {
    what: 'DATE',
    sql: `${ROW1} dt = DATE '2024-03-01' WHERE id = 1`,
    column: 'dt',
    source: '2024-02-29',
    sink: '2024-03-01',
  },
  { what: 'YEAR', sql: `${ROW1} y = 2023 WHERE id = 1`, column: 'y', source: '2024', sink: '2023' },
  { what: 'BIT(1)', sql: `${ROW1} b1 = false WHERE id = 1`, column: 'b1', source: '01', sink: '00' },
  {
    what: 'BIT(10)',
    sql: `${ROW1} b10 = from_hex('03fe') WHERE id = 1`,
    column: 'b10',
    source: '03ff',
    sink: '03fe',
  },
  {
    what: 'BINARY padding',
    sql: `${ROW1} bin = from_hex('6162') WHERE id = 1`,
    column: 'bin',
    source: '61620000',
    sink: '6162',
  },
  {
    what: 'latin1 text',
    sql: `${ROW1} lat = 'cafe' WHERE id = 1`,
    column: 'lat',
    source: 'café',
    sink: 'cafe',
  },
  {
    what: 'UUID text',
    sql: `${ROW1} u = upper(u) WHERE id = 1`,
    column: 'u',
    source: '123e4567-e89b-12d3-a456-426655440000',
    sink: '123E4567-E89B-12D3-A456-426655440000',
  },
  {
    what: 'JSON number through a double',
    sql: `${ROW1} j = '{"a":18446744073709552000,"b":[1,2.5]}' WHERE id = 1`,
    column: 'j',
    source: '{"a":18446744073709551615,"b":[1,2.5]}',
    sink: '{"a":18446744073709552000,"b":[1,2.5]}',
  },
  {
    what: 'GEOMETRY SRID',
    sql: `${ROW1} g = from_hex('00000000010100000000000000000000000000000000000001') WHERE id = 2`,
    column: 'g',
    source: '00000000010100000000000000000000000000000000000000',
    sink: '00000000010100000000000000000000000000000000000001',
  },
  {
    what: 'NULL in the sink',
    sql: `${ROW1} vc = NULL WHERE id = 1`,
    column: 'vc',
    source: '😀 x',
    sink: null,
  },
  {
    what: 'a value where the source has NULL',
    sql: `${ROW1} e = 'a' WHERE id = 3`,
    column: 'e',
    source: null,
    sink: 'a',
  },
];

for (const c of CASES) {
  test(`a changed sink value is reported: ${c.what}`, async () => {
    const diffs = await diffsAfter(c.sql);
    assert.equal(diffs.length, 1, diffs.map(formatDiff).join('\n'));
    const [d] = diffs;
    assert.equal(d!.kind, 'value');
    assert.equal(d!.table, `${DB}.types`);
    assert.equal(d!.column, c.column);
    assert.deepEqual([d!.source, d!.sink], [c.source, c.sink]);
    assert.match(formatDiff(d!), new RegExp(`^${DB}\\.types \\[id=\\d\\] ${c.column} \\(`));
  });
}

test('JSON key order, spacing and number spelling are not differences', async () => {
  const diffs = await diffsAfter(
    `${ROW1} j = '{ "b" : [1.0, 25e-1], "a": 18446744073709551615 }' WHERE id = 1`,
  );
  assert.deepEqual(diffs.map(formatDiff), []);
});

test('missing and extra rows, a missing column, a missing table and an extra table', async () => {
  let diffs = await diffsAfter(
    `DELETE FROM ${DB}.types WHERE id = 2; INSERT INTO ${DB}.types (id) VALUES (4)`,
  );
  assert.deepEqual(
    diffs.map((d) => [d.kind, d.key]),
    [
      ['missing-row', 'id=2'],
      ['extra-row', 'id=4'],
    ],
  );
  diffs = await diffsAfter(`ALTER TABLE ${DB}.types DROP COLUMN vc; CREATE TABLE ${DB}.other (x INTEGER)`);
  assert.deepEqual(diffs.map(formatDiff), [
    `${DB}.types: column vc (varchar(20)) missing in the sink`,
    `${DB}.other: sink table without a source table`,
  ]);
  diffs = await diffsAfter(`DROP TABLE ${DB}.nokey`);
  assert.deepEqual(diffs.map(formatDiff), [`${DB}.nokey: table missing in the sink`]);
});

test('a table without primary key is compared as a multiset', async () => {
  const diffs = await diffsAfter(
    `DELETE FROM ${DB}.nokey WHERE a = 1; INSERT INTO ${DB}.nokey VALUES (1, 'x'), (2, 'y')`,
  );
  assert.deepEqual(
    diffs.map((d) => [d.key, d.column, d.source, d.sink]),
    [
      ['(no primary key) a="1", b="x"', 'a', '1', '2'],
      ['(no primary key) a="1", b="x"', 'b', 'x', 'y'],
    ],
  );
});

test('compareDatabases compares several databases with one metadata query each', async () => {
  await db.query(`DROP DATABASE IF EXISTS ${DB}_2; CREATE DATABASE ${DB}_2;
    CREATE TABLE ${DB}_2.t (id INT PRIMARY KEY); INSERT INTO ${DB}_2.t VALUES (1)`);
  try {
    const diffs = await diffsOf(
      () => compareDatabases(db, [DB, `${DB}_2`], duck, OPTS),
      `${ROW1} y = 1999 WHERE id = 1`,
    );
    assert.deepEqual(
      diffs.map((d) => [d.kind, d.table, d.column ?? null]),
      [
        ['value', `${DB}.types`, 'y'],
        ['missing-table', `${DB}_2.t`, null],
      ],
    );
  } finally {
    await db.query(`DROP DATABASE ${DB}_2`);
  }
});

test('compareTable on a read-only file names the sink table it compares', async () => {
  await duck.run('CHECKPOINT');
  const copy = join(oracleDir(), 'copy.duckdb');
  await duck.run(`ATTACH '${copy}' AS copy; COPY FROM DATABASE sink TO copy; DETACH copy`);
  const ro = await openDuckDbReadOnly(copy);
  try {
    const same = await compareTable(
      db,
      { database: DB, table: 'types' },
      ro.conn,
      { schema: DB, table: 'types' },
      OPTS,
    );
    assert.deepEqual(same, []);
    const other = await compareTable(
      db,
      { database: DB, table: 'types' },
      ro.conn,
      { schema: DB, table: 'nope' },
      OPTS,
    );
    assert.deepEqual(other.map(formatDiff), [`${DB}.types: table missing in the sink`]);
  } finally {
    ro.close();
  }
});

test('canonical JSON numbers are exact decimal values', () => {
  assert.equal(canonicalDecimal('1.50e2'), '150');
  assert.equal(canonicalDecimal('-0.0'), '0');
  assert.equal(canonicalDecimal('1e-50'), '1e-50');
  assert.equal(canonicalDecimal('12345e40'), '123450000000000000000000000000000000000000000');
  assert.equal(canonicalDecimal('12345e60'), '1.2345e64');
  assert.equal(canonicalDecimal('0.000123'), '0.000123');
  assert.equal(canonicalJson('{"a": [1, "\\u00e9"], "a": true}'), '{"a":[1,"é"],"a":true}');
  assert.equal(canonicalJson('{"a": 1} x'), undefined);
});
