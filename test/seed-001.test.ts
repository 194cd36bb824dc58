// Acceptance: seed 001's first pipeline (MySQL → Kafka) as the seed writes its source block, with
// DuckDB in Kafka's place: every option loads (secrets by `${secret_values.…}` and `${mysql.port}`),
// the rows reach the sink, and `include-comments.enabled` carries table and column comments.
// The seed prints the tables pattern as `kafka_test\.\*`: Markdown's escape of `kafka_test\.*`
// (`\*` would match a literal asterisk, in Flink CDC as here).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, runTidemark, tempDir } from './support/tidemark-cli.js';
import { compareTable, formatDiff, openDuckDbReadOnly } from './support/table-oracle.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

function seed001Pipeline(dir: string, includeComments: boolean): { pipeline: string; secrets: string } {
  const pipeline = join(dir, 'pipeline.yaml');
  writeFileSync(
    pipeline,
    `source:
  type: mysql
  name: MySQL Source
  hostname: \${secret_values.mysql.hostname}
  port: \${mysql.port}
  username: \${secret_values.mysql.username}
  password: \${secret_values.mysql.password}
  tables: kafka_test\\.*
  server-id: 8601-8604
  # (Optional) Sync existing and incremental data from newly added tables.
  scan.newly-added-table.enabled: true
  # (Optional) Sync table and column comments.
  include-comments.enabled: ${includeComments}
  # (Optional) Prioritize distributing unbounded chunks during snapshot.
  scan.incremental.snapshot.unbounded-chunk-first.enabled: true
  # (Optional) Deserialize changelog only for captured tables.
  scan.only.deserialize.captured.tables.changelog.enabled: true
  # (Optional) Include the data change timestamp as a metadata column.
  metadata-column.include-list: op_ts

sink:
  type: duckdb
  name: DuckDB in Kafka's place
  path: ${join(dir, 'sink.duckdb')}

pipeline:
  name: seed 001 ${includeComments ? 'with' : 'without'} comments
  parallelism: 2
`,
  );
  const secrets = join(dir, 'secrets.yaml');
  writeFileSync(
    secrets,
    `secret_values:
  mysql:
    hostname: ${db.host}
    username: ${db.rootUser}
    password: "${db.rootPassword}"
mysql:
  port: ${db.port}
`,
  );
  return { pipeline, secrets };
}

async function comments(duck: string): Promise<(string | null)[][]> {
  return duckRows(
    duck,
    `SELECT table_name, NULL, comment FROM duckdb_tables() WHERE schema_name = 'kafka_test' AND comment IS NOT NULL
     UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns()
       WHERE schema_name = 'kafka_test' AND comment IS NOT NULL`,
  );
}

for (const includeComments of [true, false]) {
  test(`seed 001 pipeline 1, include-comments.enabled: ${includeComments}`, async () => {
    await db.query(`DROP DATABASE IF EXISTS kafka_test; CREATE DATABASE kafka_test;
      CREATE TABLE kafka_test.customers (
        id INT PRIMARY KEY COMMENT 'customer id', name VARCHAR(255) COMMENT 'it''s the name',
        address VARCHAR(1024), phone_number VARCHAR(512), age INT
      ) COMMENT 'people who buy';
      CREATE TABLE kafka_test.products (id INT PRIMARY KEY, name VARCHAR(255), price DECIMAL(10,2));
      INSERT INTO kafka_test.customers VALUES (4, 'John', 'New York', '2222', 12);
      INSERT INTO kafka_test.products VALUES (1, 'Beer', 3.50);`);
    const dir = tempDir();
    const duck = join(dir, 'sink.duckdb');
    const { pipeline, secrets } = seed001Pipeline(dir, includeComments);
    const run = async (): Promise<void> => {
      const r = await runTidemark([
        'run',
        pipeline,
        '--secrets',
        secrets,
        '--state-dir',
        join(dir, 'state'),
        '--exit-when-caught-up',
      ]);
      assert.equal(r.code, 0, r.stderr);
    };
    await run();
    await db.query(`UPDATE kafka_test.customers SET phone_number = '1234' WHERE id = 4;
      ALTER TABLE kafka_test.products ADD COLUMN note VARCHAR(20) COMMENT 'added later';
      INSERT INTO kafka_test.products VALUES (2, 'Cap', 12.00, 'red');`);
    await run();
    const d = await openDuckDbReadOnly(duck);
    try {
      for (const table of ['customers', 'products']) {
        const diffs = await compareTable(
          db,
          { database: 'kafka_test', table },
          d.conn,
          { schema: 'kafka_test', table },
          { zeroDates: 'exact' },
        );
        assert.deepEqual(diffs.map(formatDiff), [], table);
      }
    } finally {
      d.close();
    }
    assert.deepEqual(
      await comments(duck),
      includeComments
        ? [
            ['customers', null, 'people who buy'],
            ['customers', 'id', 'customer id'],
            ['customers', 'name', "it's the name"],
            ['products', 'note', 'added later'],
          ]
        : [],
    );
  });
}
