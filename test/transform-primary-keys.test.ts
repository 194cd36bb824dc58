// transform `primary-keys`: a source table without a key becomes an upsert table in the sink (the
// second pipeline of seed 001 declares `primary-keys: id` for tables whose source has no key).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, mariaRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

test('transform primary-keys: UPDATE replaces the row, DELETE removes it, in snapshot and stream', async () => {
  const name = 'tpk_db';
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};
    CREATE TABLE ${name}.customers (id INT NOT NULL, name VARCHAR(20), age INT);
    CREATE TABLE ${name}.products (id BIGINT NOT NULL, title VARCHAR(20));
    INSERT INTO ${name}.customers VALUES (1, 'Ann', 30), (2, 'Bob', 40), (3, 'Cid', 50);
    INSERT INTO ${name}.products VALUES (10, 'pen'), (11, 'ink');`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: `${name}.\\.*`,
    duckdbPath: duck,
    name,
    transforms: [{ source: `${name}.\\.*`, primaryKeys: 'id' }],
  });
  const run = async (): Promise<void> => {
    const r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
    assert.equal(r.code, 0, r.stderr);
  };
  await run(); // snapshot
  await db.query(`UPDATE ${name}.customers SET age = age + 1 WHERE id = 2;
    DELETE FROM ${name}.customers WHERE id = 1;
    INSERT INTO ${name}.customers VALUES (4, 'Dee', 60);
    UPDATE ${name}.customers SET name = 'Dee2' WHERE id = 4;
    UPDATE ${name}.products SET title = 'pencil' WHERE id = 10; DELETE FROM ${name}.products WHERE id = 11;`);
  await run(); // stream
  for (const t of ['customers', 'products']) {
    const sql = `SELECT * FROM ${name}.${t}`;
    assert.deepEqual(await duckRows(duck, sql), await mariaRows(db, sql), t);
  }
  const keys = await duckRows(
    duck,
    `SELECT table_name, constraint_type FROM duckdb_constraints() WHERE schema_name = '${name}' AND constraint_type = 'PRIMARY KEY'`,
  );
  assert.deepEqual(keys, [
    ['customers', 'PRIMARY KEY'],
    ['products', 'PRIMARY KEY'],
  ]);
});
