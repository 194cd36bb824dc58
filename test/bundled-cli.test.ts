// The bundle `npm run build` makes (scripts/build.mjs) runs a real pipeline: every chunk a `run`
// loads (the MySQL source, the DuckDB sink, the composer) works bundled, `binlog dump` too, and a
// second run resumes from the checkpoint; the job server serves its dashboard files from beside the bundle.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { compileCli, removeCompiledCli } from './support/compiled-cli.js';
import { duckRows, startTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';
import { startTestServer } from './support/job-server.js';
import { compareTable, formatDiff, openDuckDbReadOnly } from './support/table-oracle.js';

let db: MariaDbInstance;
let bin: string;
before(async () => {
  db = await sharedMariaDb();
  bin = compileCli('bundled-test');
});
after(() => removeCompiledCli(bin));

test('the bundled CLI snapshots, streams and resumes a pipeline into DuckDB', async () => {
  await db.query(`DROP DATABASE IF EXISTS bundled; CREATE DATABASE bundled;
    CREATE TABLE bundled.t (id INT PRIMARY KEY, d DECIMAL(20,6), s VARCHAR(20), ts DATETIME(6));
    INSERT INTO bundled.t VALUES (1, 12345678901234.123456, 'naïve 😀', '2024-02-29 12:34:56.789012');`);
  const dir = tempDir();
  const duckdbPath = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, { port: db.port, tables: 'bundled.t', duckdbPath });
  const state = join(dir, 'state');
  const run = async (): Promise<void> => {
    const r = await startTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up'], {}, bin)
      .result;
    assert.equal(r.code, 0, r.stderr);
  };
  await run();
  await db.query(`INSERT INTO bundled.t VALUES (2, -0.000001, NULL, '1970-01-01 00:00:00');
    UPDATE bundled.t SET s = 'ünïcode' WHERE id = 1;`);
  await run();
  assert.equal((await duckRows(duckdbPath, 'SELECT id FROM bundled.t')).length, 2);
  const d = await openDuckDbReadOnly(duckdbPath);
  try {
    const diffs = await compareTable(
      db,
      { database: 'bundled', table: 't' },
      d.conn,
      { schema: 'bundled', table: 't' },
      { zeroDates: 'exact' },
    );
    assert.deepEqual(diffs.map(formatDiff), []);
  } finally {
    d.close();
  }
  const dump = await startTidemark(['binlog', 'dump', '--help'], {}, bin).result;
  assert.equal(dump.code, 0, dump.stderr);
});

test('the bundled job server serves its dashboard, API document and metrics', async () => {
  const server = await startTestServer(join(tempDir(), 'server'), [], bin);
  try {
    for (const path of [
      '/',
      '/dashboard/app.js',
      '/dashboard/charts.js',
      '/dashboard/style.css',
      '/api/v1/openapi.json',
    ])
      assert.equal((await fetch(server.url + path)).status, 200, path);
    const metrics = await server.api<string>('GET', '/metrics');
    assert.match(metrics.json, /# TYPE tidemark_lag_seconds gauge/);
  } finally {
    await server.stop();
  }
});
