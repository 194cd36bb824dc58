// Sharded merge into one DuckDB table: three MariaDB tables with overlapping primary keys and
// different columns and types, routed to one sink table; with `shard-columns` every source row is
// its own sink row, without it the last write of a key wins.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, mariaRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

const DB = 'shard_merge';

const SETUP = `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};
  CREATE TABLE ${DB}.s1 (id INT PRIMARY KEY, amount INT NOT NULL, name VARCHAR(10));
  CREATE TABLE ${DB}.s2 (id BIGINT PRIMARY KEY, amount DECIMAL(10,2), name VARCHAR(30), note TEXT);
  CREATE TABLE ${DB}.s3 (id INT UNSIGNED PRIMARY KEY, amount SMALLINT, created DATE, flag TINYINT);
  INSERT INTO ${DB}.s1 VALUES (1, -2147483648, 'one'), (2, 2147483647, 'two'), (3, 0, NULL);
  INSERT INTO ${DB}.s2 VALUES (1, 12345678.91, 'uno', 'x'), (2, -0.5, 'dos', NULL),
    (3, 3.00, 'tres', 'long text'), (9223372036854775807, 1.10, 'max', 'y');
  INSERT INTO ${DB}.s3 VALUES (1, -32768, '2024-02-29', 1), (3, 7, '1999-12-31', -128),
    (4294967295, 32767, NULL, NULL);`;

function shardSql(table: string, ...exprs: string[]): string {
  const cols = exprs.map((e, i) => `CAST(${e} AS CHAR) AS c${i}`).join(', ');
  return `SELECT '${table}' AS t, CAST(id AS CHAR) AS id, ${cols} FROM ${DB}.${table}`;
}

/** Each shard's rows in the sink's columns and types (the wider types), as text; NULL for missing. */
const SHARD_SQL = {
  s1: shardSql('s1', 'CAST(amount AS DECIMAL(12,2))', 'name', 'NULL', 'NULL', 'NULL'),
  s2: shardSql('s2', 'amount', 'name', 'note', 'NULL', 'NULL'),
  s3: shardSql('s3', 'CAST(amount AS DECIMAL(12,2))', 'NULL', 'NULL', 'created', 'flag'),
} as const;

const SINK_COLUMNS = 'id, amount, name, note, created, flag';

async function sync(pipeline: string, state: string): Promise<string> {
  const r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 0, `tidemark run failed:\n${r.stdout}\n${r.stderr}`);
  return r.stderr;
}

function pipeline(name: string, shardColumns: boolean): { file: string; duck: string; state: string } {
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const file = writePipeline(dir, {
    port: db.port,
    tables: `${DB}.\\.*`,
    duckdbPath: duck,
    name,
    routes: [
      { source: `${DB}.s\\.*`, sink: 'ods.merged', shardColumns },
      { source: `${DB}.s1`, sink: 'ods.s1_copy' },
      { source: `${DB}.nothing_here`, sink: 'ods.never' },
    ],
  });
  return { file, duck, state: join(dir, 'state') };
}

const sourceRows = async (): Promise<(string | null)[][]> =>
  mariaRows(db, Object.values(SHARD_SQL).join(' UNION ALL '));

async function sinkColumnTypes(duck: string): Promise<string[]> {
  return (
    await duckRows(
      duck,
      "SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_schema = 'ods' AND table_name = 'merged'",
    )
  ).map((r) => r[0]!);
}

const CHANGES = `UPDATE ${DB}.s3 SET amount = 5 WHERE id = 1;
  UPDATE ${DB}.s1 SET name = 'deux' WHERE id = 2;
  INSERT INTO ${DB}.s2 VALUES (4294967295, 0.01, 'big', NULL);
  DELETE FROM ${DB}.s1 WHERE id = 3;
  UPDATE ${DB}.s2 SET note = 'z' WHERE id = 3;`;

test('shard-columns: every source row of three shards with overlapping keys is in the sink, value by value', async () => {
  await db.query(SETUP);
  const p = pipeline('shard_merge_keys', true);
  const log = await sync(p.file, p.state);
  assert.match(
    log,
    /route rule 3 \(source-table: shard_merge\.nothing_here → sink-table: ods\.never\) matches none of the captured tables/,
  );
  assert.deepEqual((await sinkColumnTypes(p.duck)).sort(), [
    '_db_name VARCHAR',
    '_table_name VARCHAR',
    'amount DECIMAL(12,2)',
    'created DATE',
    'flag TINYINT',
    'id BIGINT',
    'name VARCHAR',
    'note VARCHAR',
  ]);
  const check = async (): Promise<void> => {
    const sink = await duckRows(p.duck, `SELECT _db_name, _table_name, ${SINK_COLUMNS} FROM ods.merged`);
    assert.ok(sink.every((r) => r[0] === DB));
    assert.deepEqual(
      sink.map((r) => r.slice(1)),
      await sourceRows(),
    );
  };
  await check();
  await db.query(CHANGES);
  await sync(p.file, p.state);
  await check();
  // s1 matches two rules: it is also copied, on its own, into ods.s1_copy
  assert.deepEqual(
    await duckRows(p.duck, 'SELECT CAST(id AS VARCHAR), CAST(amount AS VARCHAR), name FROM ods.s1_copy'),
    await mariaRows(db, `SELECT CAST(id AS CHAR) AS a, CAST(amount AS CHAR) AS b, name FROM ${DB}.s1`),
  );
  const keys = await duckRows(
    p.duck,
    "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 'merged' AND constraint_type = 'PRIMARY KEY'",
  );
  assert.deepEqual(keys, [["['_db_name', '_table_name', 'id']"]]);
});

test('without shard-columns: one sink row per key, the last write of the key wins', async () => {
  await db.query(SETUP);
  const p = pipeline('shard_merge_lww', false);
  await sync(p.file, p.state);
  const byId = async (): Promise<Map<string, (string | null)[]>> =>
    new Map((await duckRows(p.duck, `SELECT ${SINK_COLUMNS} FROM ods.merged`)).map((r) => [r[0]!, r]));
  const source = await sourceRows();
  const snapshot = await byId();
  // one row per distinct key, each equal to the row of one of the shards that hold the key
  assert.deepEqual([...snapshot.keys()].sort(), [...new Set(source.map((r) => r[1]!))].sort());
  for (const [id, row] of snapshot) {
    assert.ok(
      source.some((s) => JSON.stringify(s.slice(1)) === JSON.stringify(row)),
      `sink row ${JSON.stringify(row)} is a source row of key ${id}`,
    );
  }
  await db.query(CHANGES);
  await sync(p.file, p.state);
  const after = await byId();
  const rowOf = async (table: keyof typeof SHARD_SQL, id: string): Promise<(string | null)[]> =>
    (await mariaRows(db, `${SHARD_SQL[table]} WHERE id = ${id}`))[0]!.slice(1);
  assert.deepEqual(after.get('1'), await rowOf('s3', '1'), 'the update of s3 wrote key 1 last');
  assert.deepEqual(after.get('2'), await rowOf('s1', '2'), 'the update of s1 wrote key 2 last');
  assert.deepEqual(after.get('4294967295'), await rowOf('s2', '4294967295'), "s2's insert replaced s3's row");
  assert.deepEqual(after.get('3'), await rowOf('s2', '3'), "s1's delete of key 3, then s2's update");
  assert.equal(after.size, snapshot.size);
});
