// Acceptance: seed 000 (Flink CDC → MaxCompute) with DuckDB in MaxCompute's place, end to end
// through the real CLI against a private MariaDB. Sink rows are compared with the seed's expected
// tables and with MariaDB's own rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { SEED_000_SETUP_SQL, SEED_000_STEPS } from './support/seed-000.js';
import { duckRows, mariaRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;

before(async () => {
  db = await startMariaDb();
});
after(async () => {
  await db?.stop();
});

async function sync(pipeline: string, stateDir: string): Promise<void> {
  const r = await runTidemark(['run', pipeline, '--state-dir', stateDir, '--exit-when-caught-up']);
  assert.equal(r.code, 0, `tidemark run failed:\n${r.stdout}\n${r.stderr}`);
}

test('seed 000: synchronize changes in real time (insert, add column, update, delete)', async () => {
  await db.query(SEED_000_SETUP_SQL);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'app_db\\.*',
    duckdbPath: duck,
    name: 'Sync MySQL Database to DuckDB',
  });
  const state = join(dir, 'state');

  const check = async (expected: Record<string, (string | null)[][]>): Promise<void> => {
    for (const [table, rows] of Object.entries(expected)) {
      const got = await duckRows(duck, `SELECT * FROM app_db.${table}`);
      assert.deepEqual(got, rows, `DuckDB app_db.${table}`);
      assert.deepEqual(
        got,
        await mariaRows(db, `SELECT * FROM app_db.${table}`),
        `DuckDB app_db.${table} equals MariaDB`,
      );
    }
  };

  await sync(pipeline, state);
  await check({
    orders: [
      ['1', '4.00'],
      ['2', '100.00'],
    ],
    shipments: [
      ['1', 'beijing'],
      ['2', 'xian'],
    ],
    products: [
      ['1', 'Beer'],
      ['2', 'Cap'],
      ['3', 'Peanut'],
    ],
  });

  await db.query(SEED_000_STEPS[0]![1]);
  await sync(pipeline, state);
  await check({
    orders: [
      ['1', '4.00'],
      ['2', '100.00'],
      ['3', '100.00'],
    ],
  });

  await db.query(SEED_000_STEPS[1]![1]);
  await sync(pipeline, state);
  const cols = await duckRows(
    duck,
    "SELECT column_name FROM information_schema.columns WHERE table_schema='app_db' AND table_name='orders' ORDER BY ordinal_position",
  );
  assert.deepEqual(cols.map((c) => c[0]).sort(), ['amount', 'id', 'price']);
  const ordered = await duckRows(
    duck,
    "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema='app_db' AND table_name='orders'",
  );
  assert.deepEqual(ordered, [['id,price,amount']], 'amount is appended as the last column');
  await check({
    orders: [
      ['1', '4.00', null],
      ['2', '100.00', null],
      ['3', '100.00', null],
    ],
  });

  await db.query(SEED_000_STEPS[2]![1]);
  await sync(pipeline, state);
  await check({
    orders: [
      ['1', '100.00', '100.00'],
      ['2', '100.00', null],
      ['3', '100.00', null],
    ],
  });

  await db.query(SEED_000_STEPS[3]![1]);
  await sync(pipeline, state);
  await check({
    orders: [
      ['1', '100.00', '100.00'],
      ['3', '100.00', null],
    ],
    shipments: [
      ['1', 'beijing'],
      ['2', 'xian'],
    ],
    products: [
      ['1', 'Beer'],
      ['2', 'Cap'],
      ['3', 'Peanut'],
    ],
  });
});

test('seed 000: route tables to ods_db, and merge sharded tables', async () => {
  await db.query(`
    CREATE DATABASE route_db;
    CREATE TABLE route_db.orders (id INT NOT NULL PRIMARY KEY, price DECIMAL(10,2) NOT NULL);
    CREATE TABLE route_db.shipments (id INT NOT NULL PRIMARY KEY, city VARCHAR(255) NOT NULL);
    INSERT INTO route_db.orders VALUES (1, 4.00), (2, 100.00);
    INSERT INTO route_db.shipments VALUES (1, 'beijing');
    CREATE DATABASE shard_db;
    CREATE TABLE shard_db.order01 (id INT NOT NULL PRIMARY KEY, price DECIMAL(10,2) NOT NULL);
    CREATE TABLE shard_db.order02 (id INT NOT NULL PRIMARY KEY, price DECIMAL(10,2) NOT NULL);
    CREATE TABLE shard_db.order03 (id INT NOT NULL PRIMARY KEY, price DECIMAL(10,2) NOT NULL);
    INSERT INTO shard_db.order01 VALUES (1, 1.10), (2, 2.20);
    INSERT INTO shard_db.order02 VALUES (3, 3.30);
    INSERT INTO shard_db.order03 VALUES (4, 4.40);`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'route_db.\\.*,shard_db.order\\.*',
    duckdbPath: duck,
    routes: [
      { source: 'route_db.orders', sink: 'ods_db.ods_orders' },
      { source: 'route_db.shipments', sink: 'ods_db.ods_shipments' },
      { source: 'shard_db.order\\.*', sink: 'ods_db.ods_merged_orders' },
    ],
  });
  const state = join(dir, 'state');
  await sync(pipeline, state);
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM ods_db.ods_orders'), [
    ['1', '4.00'],
    ['2', '100.00'],
  ]);
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM ods_db.ods_shipments'), [['1', 'beijing']]);
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM ods_db.ods_merged_orders'), [
    ['1', '1.10'],
    ['2', '2.20'],
    ['3', '3.30'],
    ['4', '4.40'],
  ]);
  const schemas = await duckRows(
    duck,
    "SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_schema IN ('route_db','shard_db')",
  );
  assert.deepEqual(schemas, [], 'routed tables are not also written under their source names');

  await db.query(`INSERT INTO shard_db.order02 VALUES (5, 5.50);
    UPDATE shard_db.order01 SET price = 9.99 WHERE id = 1;
    DELETE FROM shard_db.order03 WHERE id = 4;
    INSERT INTO route_db.orders VALUES (3, 7.00);`);
  await sync(pipeline, state);
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM ods_db.ods_merged_orders'), [
    ['1', '9.99'],
    ['2', '2.20'],
    ['3', '3.30'],
    ['5', '5.50'],
  ]);
  assert.deepEqual(await duckRows(duck, 'SELECT * FROM ods_db.ods_orders'), [
    ['1', '4.00'],
    ['2', '100.00'],
    ['3', '7.00'],
  ]);
  assert.ok(existsSync(duck));
});
