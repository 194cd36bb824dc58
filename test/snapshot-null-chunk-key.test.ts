// A table without a primary key, snapshotted by a nullable chunk key column that holds more NULLs
// than a chunk: NULLs sort first and bound no range, so they are read as one chunk of their own
// (they were dropped with the rest of an over-full chunk, silently, before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedMariaDb } from './support/mariadb.js';
import { compareDatabase, formatDiff, openDuckDbReadOnly } from './support/table-oracle.js';
import { runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

for (const [name, nonNull] of [
  ['only NULLs', 0],
  ['NULLs, then values', 30],
] as const) {
  test(`nullable chunk key column, ${name}: every row reaches the sink`, async () => {
    const db = await sharedMariaDb();
    const dbName = `null_chunk_${nonNull}`;
    const values = [
      ...Array.from({ length: 40 }, (_, i) => `(NULL, 'n${i}')`),
      ...Array.from({ length: nonNull }, (_, i) => `(${i % 7}, 'v${i}')`),
    ];
    await db.query(`DROP DATABASE IF EXISTS ${dbName}; CREATE DATABASE ${dbName};
      CREATE TABLE ${dbName}.t (k INT NULL, v VARCHAR(10)); INSERT INTO ${dbName}.t VALUES ${values.join(',')}`);
    const dir = tempDir();
    const duck = join(dir, 'sink.duckdb');
    const pipeline = writePipeline(dir, {
      port: db.port,
      tables: `${dbName}.t`,
      duckdbPath: duck,
      name: dbName,
      extraSource: {
        'scan.incremental.snapshot.chunk.key-column': `${dbName}.t:k`,
        'scan.incremental.snapshot.chunk.size': 8,
      },
    });
    writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('parallelism: 1', 'parallelism: 2'));
    const r = await runTidemark([
      'run',
      pipeline,
      '--state-dir',
      join(dir, 'state'),
      '--exit-when-caught-up',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const d = await openDuckDbReadOnly(duck);
    try {
      const diffs = await compareDatabase(db, dbName, d.conn, { zeroDates: 'sink-null' });
      assert.deepEqual(diffs.map(formatDiff), []);
    } finally {
      d.close();
    }
  });
}
