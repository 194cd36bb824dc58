// SIGTERM while parallel readers snapshot tables with and without a key: the process commits what
// is complete and exits promptly, every time (a reader holding a whole table once kept it alive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedMariaDb } from './support/mariadb.js';
import { startTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

test('SIGTERM during a parallel snapshot: the process exits promptly, every time', async () => {
  const db = await sharedMariaDb();
  const rows = Array.from({ length: 400 }, (_, i) => `(${i}, REPEAT('x', 200))`).join(',');
  const tables = [0, 1, 2, 3, 4, 5].map((i) =>
    i % 2
      ? `CREATE TABLE stop_snap.k${i} (id INT PRIMARY KEY, v TEXT); INSERT INTO stop_snap.k${i} VALUES ${rows};`
      : `CREATE TABLE stop_snap.n${i} (id INT, v TEXT); INSERT INTO stop_snap.n${i} VALUES ${rows};`,
  );
  await db.query(`DROP DATABASE IF EXISTS stop_snap; CREATE DATABASE stop_snap; ${tables.join(' ')}`);
  for (const delayMs of [0, 20, 50, 100, 200, 400]) {
    const dir = tempDir();
    const pipeline = writePipeline(dir, {
      port: db.port,
      tables: 'stop_snap.\\.*',
      duckdbPath: join(dir, 'sink.duckdb'),
      name: 'stop_snap',
      extraSource: { 'scan.incremental.snapshot.chunk.size': 20 },
    });
    writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('parallelism: 1', 'parallelism: 3'));
    const child = startTidemark(['run', pipeline, '--state-dir', join(dir, 'state')]);
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stderr!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('snapshot started')) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, delayMs));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const hang = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const r = await child.result;
    clearTimeout(hang);
    assert.equal(
      r.signal,
      null,
      `SIGTERM ${delayMs} ms into the snapshot did not stop it (${Date.now() - t0} ms)\n${r.stdout}\n${r.stderr.split('\n').slice(-8).join('\n')}`,
    );
    assert.equal(r.code, 0, r.stderr);
  }
});
