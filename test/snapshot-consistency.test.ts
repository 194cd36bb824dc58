// Acceptance (issue 4): the lock-free chunked snapshot with parallelism 4 under a concurrent random
// workload ends with the sink equal to the source; and again with a kill -9 during the snapshot.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import {
  duckRows,
  runTidemark,
  startTidemark,
  tempDir,
  waitFor,
  writePipeline,
  mariaRows,
} from './support/tidemark-cli.js';
import { createWorkloadTables, startWorkload } from './support/snapshot-workload.js';
import { writeFileSync, readFileSync } from 'node:fs';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

const duck = duckRows;

function pipelineFor(
  dir: string,
  name: string,
  chunkSize: number,
): { pipeline: string; duckPath: string; state: string } {
  const duckPath = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: `${name}.\\.*`,
    duckdbPath: duckPath,
    name,
    extraSource: {
      'scan.incremental.snapshot.chunk.size': chunkSize,
      'scan.incremental.snapshot.chunk.key-column': `"${name}.t_ins:k"`,
      'scan.snapshot.fetch.size': 64,
    },
  });
  // parallelism 4
  writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('parallelism: 1', 'parallelism: 4'));
  return { pipeline, duckPath, state: join(dir, 'state') };
}

async function assertEqual(name: string, duckPath: string, insertedIns: number): Promise<void> {
  assert.deepEqual(
    await duck(duckPath, `SELECT id, grp, note, amount FROM ${name}.t_int`),
    await mariaRows(db, `SELECT id, grp, note, amount FROM ${name}.t_int`),
    't_int differs',
  );
  assert.deepEqual(
    await duck(duckPath, `SELECT a, b, v FROM ${name}.t_comp`),
    await mariaRows(db, `SELECT a, b, v FROM ${name}.t_comp`),
    't_comp differs',
  );
  // no primary key, chunk key column given: insert-only, so exactly-once means equal too
  const sinkIns = await duck(duckPath, `SELECT k, note FROM ${name}.t_ins`);
  const srcIns = await mariaRows(db, `SELECT k, note FROM ${name}.t_ins`);
  const count = (rows: unknown[][]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(JSON.stringify(r), (m.get(JSON.stringify(r)) ?? 0) + 1);
    return m;
  };
  const [a, b] = [count(sinkIns), count(srcIns)];
  const diff = [...new Set([...a.keys(), ...b.keys()])]
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => `${k}: sink ${a.get(k) ?? 0}, source ${b.get(k) ?? 0}`);
  assert.deepEqual(
    diff,
    [],
    `t_ins differs (${sinkIns.length} rows in the sink, ${srcIns.length} at the source)`,
  );
  void insertedIns;
}

test('parallel snapshot under a concurrent random workload: sink equals source', async () => {
  const name = 'snapcons';
  const rows = 3000;
  await createWorkloadTables(db, name, rows);
  const dir = tempDir();
  const { pipeline, duckPath, state } = pipelineFor(dir, name, 40);
  const workload = await startWorkload(db, name, rows);
  let r;
  try {
    r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  } finally {
    const n = await workload.stop();
    assert.ok(n > 20, `workload ran ${n} transactions`);
  }
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /snapshot started/);
  const r2 = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r2.code, 0, r2.stderr);
  await assertEqual(name, duckPath, 0);
});

test('kill -9 during the snapshot, restart: only unfinished chunks are read again, sink equals source', async () => {
  const name = 'snapkill';
  const rows = 4000;
  await createWorkloadTables(db, name, rows);
  const dir = tempDir();
  const { pipeline, duckPath, state } = pipelineFor(dir, name, 20);
  const workload = await startWorkload(db, name, rows);
  try {
    const child = startTidemark(['run', pipeline, '--state-dir', state], { TIDEMARK_LOG_LEVEL: 'debug' });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => (stderr.match(/checkpoint committed/g) ?? []).length >= 3, 60_000, 'a few chunks');
    await new Promise((res) => setTimeout(res, Math.random() * 1500));
    child.kill('SIGKILL');
    await child.result;
    const midSnapshot = !/snapshot done/.test(stderr);
    const r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Resuming from checkpoint/);
    if (midSnapshot) {
      // what the first run finished is not read again
      assert.match(r.stderr, /snapshot resumed/);
      const reread = [...r.stderr.matchAll(/snapshot of table done.*"rows":(\d+)/g)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
      assert.ok(reread < 3 * rows, `re-read ${reread} rows of ${3 * rows}`);
    }
  } finally {
    await workload.stop();
  }
  const r2 = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r2.code, 0, r2.stderr);
  await assertEqual(name, duckPath, 0);
});
