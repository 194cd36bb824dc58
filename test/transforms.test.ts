// Transform rules on real rows: MariaDB → DuckDB through the real CLI. Computed columns are
// checked against the same expressions evaluated by MariaDB on the source rows.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, mariaRows, runTidemark, tempDir, type CliResult } from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

interface Fixture {
  readonly duck: string;
  run(): Promise<CliResult>;
}

/** A pipeline of `tables` with the given transform block (YAML text) and pipeline options. */
function pipeline(database: string, transform: string, pipelineExtra = '', sourceExtra = ''): Fixture {
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const file = join(dir, 'pipeline.yaml');
  writeFileSync(
    file,
    `source:
  type: mysql
  hostname: 127.0.0.1
  port: ${db.port}
  username: ${db.rootUser}
  password: "${db.rootPassword}"
  tables: ${database}.\\.*
  server-time-zone: UTC
${sourceExtra}
sink:
  type: duckdb
  path: ${duck}

transform:
${transform}

pipeline:
  name: ${database}
${pipelineExtra}
`,
  );
  writeFileSync(join(dir, 'addone.mjs'), 'export function addone(x) { return x === null ? null : x + 1; }\n');
  return {
    duck,
    run: () => runTidemark(['run', file, '--state-dir', join(dir, 'state'), '--exit-when-caught-up']),
  };
}

async function ok(f: Fixture): Promise<void> {
  const r = await f.run();
  assert.equal(r.code, 0, r.stderr);
}

test('projection, computed and metadata columns, filter, a user function: equal to MariaDB computing them', async () => {
  await db.query(`DROP DATABASE IF EXISTS tf1; CREATE DATABASE tf1;
    CREATE TABLE tf1.orders (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(10,2), qty INT, note VARCHAR(10));
    INSERT INTO tf1.orders VALUES (1, 'apple', 12.50, 3, NULL), (2, 'pear', 5.00, 1, 'x'), (3, 'fig', 99.99, 7, 'y');`);
  const f = pipeline(
    'tf1',
    `  - source-table: tf1.orders
    projection: id, UPPER(name) AS uname, price * qty AS total, __schema_name__ || '.' || __table_name__ AS tbl,
      addone(id) AS next_id, CASE WHEN note IS NULL THEN 'none' ELSE note END AS note2
    filter: price > 10
    description: big orders`,
    `  user-defined-function:
    - name: addone
      classpath: addone.mjs
      return-type: INT`,
  );
  await ok(f);
  await db.query(`INSERT INTO tf1.orders VALUES (4, 'kiwi', 10.01, 2, 'k'), (5, 'plum', 1.00, 2, NULL);
    UPDATE tf1.orders SET qty = qty + 1 WHERE id IN (1, 3);
    DELETE FROM tf1.orders WHERE id = 3;`);
  await ok(f);
  assert.deepEqual(
    await duckRows(f.duck, 'SELECT id, uname, total, tbl, next_id, note2 FROM tf1.orders'),
    await mariaRows(
      db,
      `SELECT id, UPPER(name), price * qty, 'tf1.orders', id + 1, IFNULL(note, 'none') FROM tf1.orders WHERE price > 10`,
    ),
  );
  const cols = await duckRows(
    f.duck,
    "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'orders'",
  );
  assert.deepEqual(cols, [
    ['id', 'INTEGER', 'NO'],
    ['next_id', 'INTEGER', 'YES'],
    ['note2', 'VARCHAR', 'YES'],
    ['tbl', 'VARCHAR', 'YES'],
    ['total', 'DECIMAL(20,2)', 'YES'],
    ['uname', 'VARCHAR', 'YES'],
  ]);
});

for (const convert of [false, true]) {
  test(`an UPDATE moving rows into and out of the filter, transform.filter.convert-updates: ${convert}`, async () => {
    const database = `tf2${convert ? 'c' : 'd'}`;
    await db.query(`DROP DATABASE IF EXISTS ${database}; CREATE DATABASE ${database};
      CREATE TABLE ${database}.t (id INT PRIMARY KEY, status VARCHAR(10), v INT);
      INSERT INTO ${database}.t VALUES (1, 'open', 1), (2, 'open', 2), (3, 'closed', 3), (4, NULL, 4);`);
    const f = pipeline(
      database,
      `  - source-table: ${database}.t
    filter: NOT (status = 'closed')`,
      convert ? '  transform.filter.convert-updates: true' : '',
    );
    await ok(f);
    await db.query(`UPDATE ${database}.t SET status = 'closed' WHERE id = 1;
      UPDATE ${database}.t SET status = 'open' WHERE id = 3;
      UPDATE ${database}.t SET v = 20 WHERE id = 2;`);
    await ok(f);
    // Flink CDC: a comparison with NULL is FALSE, so NOT (status = 'closed') keeps row 4 (NULL)
    const passing = await mariaRows(
      db,
      `SELECT id, status, v FROM ${database}.t WHERE NOT IFNULL(status = 'closed', FALSE)`,
    );
    assert.ok(passing.some((r) => r[0] === '4'));
    const sink = await duckRows(f.duck, `SELECT id, status, v FROM ${database}.t`);
    if (convert) assert.deepEqual(sink, passing);
    // default: row 1 left the filter and keeps its last state in the sink
    else assert.deepEqual(sink, [['1', 'open', '1'], ...passing]);
  });
}

test('SOFT_DELETE with __data_event_type__, op_ts, and a * projection following added columns', async () => {
  await db.query(`DROP DATABASE IF EXISTS tf3; CREATE DATABASE tf3;
    CREATE TABLE tf3.t (id INT PRIMARY KEY, a VARCHAR(10));
    INSERT INTO tf3.t VALUES (1, 'one'), (2, 'two'), (4, 'four');`);
  const f = pipeline(
    'tf3',
    `  - source-table: tf3.t
    projection: \\*, __data_event_type__ AS op_type, op_ts AS changed_at
    converter-after-transform: SOFT_DELETE`,
    '',
    '  metadata-column.include-list: op_ts',
  );
  await ok(f);
  await db.query(`DELETE FROM tf3.t WHERE id = 1; UPDATE tf3.t SET a = 'zwei' WHERE id = 2;
    ALTER TABLE tf3.t ADD COLUMN b INT; INSERT INTO tf3.t VALUES (3, 'three', 33);`);
  await ok(f);
  const rows = await duckRows(f.duck, 'SELECT id, a, b, op_type, CAST(changed_at AS VARCHAR) FROM tf3.t');
  assert.deepEqual(
    rows.map((r) => (r[0] === '4' ? r : r.slice(0, 4))),
    [
      ['1', 'one', null, '-D'],
      ['2', 'zwei', null, '+U'],
      ['3', 'three', '33', '+I'],
      // snapshot rows: op_ts is 0, as in Flink CDC
      ['4', 'four', null, '+I', '1970-01-01 00:00:00+00'],
    ],
  );
  const streamed = await duckRows(
    f.duck,
    "SELECT count(*) FROM tf3.t WHERE changed_at > TIMESTAMP '2020-01-01'",
  );
  assert.deepEqual(streamed, [['3']], 'op_ts: the commit time of streamed rows');
  const cols = await duckRows(
    f.duck,
    "SELECT ordinal_position, column_name FROM information_schema.columns WHERE table_name = 't'",
  );
  assert.deepEqual(
    cols.map((c) => c[1]),
    ['id', 'a', 'op_type', 'changed_at', 'b'],
    'DuckDB adds columns last; the schema change placed b after a',
  );
});

test('a projection that names a column the DDL drops is a clear error naming the rule', async () => {
  await db.query(`DROP DATABASE IF EXISTS tf4; CREATE DATABASE tf4;
    CREATE TABLE tf4.t (id INT PRIMARY KEY, a VARCHAR(10), b INT);
    INSERT INTO tf4.t VALUES (1, 'one', 1);`);
  const f = pipeline(
    'tf4',
    `  - source-table: tf4.t
    projection: id, UPPER(a) AS ua`,
  );
  await ok(f);
  await db.query('ALTER TABLE tf4.t DROP COLUMN b');
  await ok(f); // b is not projected: nothing to do
  await db.query('ALTER TABLE tf4.t DROP COLUMN a');
  const r = await f.run();
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /CONFIG_INVALID/);
  assert.match(r.stderr, /pipeline\.yaml:\d+:\d+/);
  assert.match(r.stderr, /ALTER TABLE tf4\.t DROP COLUMN a/);
});

test('a user function object: open() before the run, close() once when it ends, normally or failing', async () => {
  await db.query(`DROP DATABASE IF EXISTS tf6; CREATE DATABASE tf6;
    CREATE TABLE tf6.t (id INT PRIMARY KEY, a VARCHAR(10), b INT);
    INSERT INTO tf6.t VALUES (1, 'one', 1);`);
  const udfs = (names: readonly string[]): string =>
    `  user-defined-function:\n${names.map((n) => `    - name: ${n}\n      classpath: udf.mjs#${n}\n`).join('')}`;
  const rule = `  - source-table: tf6.t
    projection: id, tag(a) AS ta`;
  const f = pipeline('tf6', rule, udfs(['tag']));
  const dir = dirname(f.duck);
  writeFileSync(
    join(dir, 'udf.mjs'),
    `import { appendFileSync } from 'node:fs';
const log = (what) => appendFileSync(new URL('./udf.log', import.meta.url), what + '\\n');
export const tag = {
  returnType: 'STRING',
  open() { log('open tag'); },
  eval(s) { return s === null ? null : '<' + s + '>'; },
  async close() { await new Promise((r) => setTimeout(r, 20)); log('close tag'); },
};
export const broken = {
  returnType: 'INT',
  open() { throw new Error('no licence for broken'); },
  eval() { return 1; },
  close() { log('close broken'); },
};
`,
  );
  const log = (): string[] => readFileSync(join(dir, 'udf.log'), 'utf8').trim().split('\n');
  await ok(f);
  assert.deepEqual(await duckRows(f.duck, 'SELECT id, ta FROM tf6.t'), [['1', '<one>']]);
  assert.deepEqual(log(), ['open tag', 'close tag']);
  // a run that fails: the projection names a column a DDL drops
  await db.query('ALTER TABLE tf6.t DROP COLUMN a');
  const failed = await f.run();
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /ALTER TABLE tf6\.t DROP COLUMN a/);
  assert.deepEqual(log(), ['open tag', 'close tag', 'open tag', 'close tag']);
  // one that fails to open: those opened before it are closed, it is not (it never opened)
  writeFileSync(
    join(dir, 'pipeline.yaml'),
    readFileSync(join(dir, 'pipeline.yaml'), 'utf8').replace(udfs(['tag']), udfs(['tag', 'broken'])),
  );
  const unopened = await f.run();
  assert.notEqual(unopened.code, 0);
  assert.match(
    unopened.stderr,
    /error \[UDF_OPEN\]: pipeline\.user-defined-function broken \(udf\.mjs#broken\): open\(\) failed: no licence for broken/,
  );
  assert.doesNotMatch(unopened.stderr, /INTERNAL|at open/);
  assert.deepEqual(log(), ['open tag', 'close tag', 'open tag', 'close tag', 'open tag', 'close tag']);
});

test('a type error in a projection is found at start, with its line and column', async () => {
  await db.query(`DROP DATABASE IF EXISTS tf5; CREATE DATABASE tf5;
    CREATE TABLE tf5.t (id INT PRIMARY KEY, d DATE);`);
  const f = pipeline(
    'tf5',
    `  - source-table: tf5.t
    projection: id, d + 'x' AS bad`,
  );
  const r = await f.run();
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /pipeline\.yaml:16:23: transform\[0\]\.projection cannot apply \+ to DATE/);
});

test('validate finds a syntax error in a projection or filter offline, with its line and column', async () => {
  const dir = tempDir();
  const file = join(dir, 'p.yaml');
  writeFileSync(
    file,
    `source:
  type: mysql
  hostname: nowhere.invalid
  username: u
  password: p
  tables: a.b
sink:
  type: duckdb
  path: ${join(dir, 'x.duckdb')}
transform:
  - source-table: a.b
    projection: id
    filter: |
      id > 1 AND
      name LIKE 'x%' AND (
`,
  );
  const r = await runTidemark(['validate', file]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /p\.yaml:16:\d+: transform\[0\]\.filter /);
});
