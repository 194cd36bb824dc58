// Issue 9 (2): a string chunk key whose collation orders keys unlike JavaScript. In
// utf8mb4_general_ci `_` sorts after the letters, so the server walks xa00000…xa00099 before
// x_00000…x_19999. UPDATEs of the `xa` rows during the snapshot (and across a kill -9 and a
// restart) must reach the sink: the stream has to place their keys in chunks the way the server
// orders them.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import {
  duckRows,
  mariaRows,
  startTidemark,
  tempDir,
  waitFor,
  writePipeline,
} from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

async function createTable(name: string): Promise<void> {
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name};
    CREATE TABLE ${name}.t (
      k VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY,
      v INT NOT NULL, note VARCHAR(40));
    INSERT INTO ${name}.t SELECT CONCAT('xa', LPAD(seq, 5, '0')), 0, 'a' FROM ${name}.seq_0_to_99;
    INSERT INTO ${name}.t SELECT CONCAT('x_', LPAD(seq, 5, '0')), 0, 'b' FROM ${name}.seq_0_to_19999;
    ANALYZE TABLE ${name}.t;`);
}

const rnd = (n: number): number => Math.floor(Math.random() * n);
const key = (prefix: string, n: number): string => `${prefix}${String(n).padStart(5, '0')}`;

/** UPDATEs of the `xa` rows (and a few `x_` rows), one transaction each, until stopped. */
async function startUpdates(name: string): Promise<{ stop(): Promise<number> }> {
  const conn: Connection = await db.connect();
  let stopped = false;
  let n = 0;
  const loop = (async () => {
    while (!stopped) {
      n++;
      const k = rnd(10) === 0 ? key('x_', rnd(20000)) : key('xa', rnd(100));
      await conn.query(`UPDATE ${name}.t SET v = v + 1, note = 'u${n}' WHERE k = '${k}'`);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await conn.end();
      return n;
    },
  };
}

function pipelineFor(name: string): { pipeline: string; duckPath: string; state: string } {
  const dir = tempDir();
  const duckPath = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: `${name}.t`,
    duckdbPath: duckPath,
    name,
    extraSource: { 'scan.incremental.snapshot.chunk.size': 50, 'scan.snapshot.fetch.size': 64 },
  });
  // parallelism 2; checkpoints every 200 ms: the tests below count them to act mid-snapshot
  const text = readFileSync(pipeline, 'utf8');
  writeFileSync(pipeline, text.replace('parallelism: 1', 'parallelism: 2\n  checkpoint.interval: 200ms'));
  return { pipeline, duckPath, state: join(dir, 'state') };
}

async function assertSinkEqualsSource(name: string, duckPath: string): Promise<void> {
  const sql = `SELECT k, v, note FROM ${name}.t`;
  const [sink, source] = [await duckRows(duckPath, sql), await mariaRows(db, sql)];
  assert.equal(sink.length, source.length, 'row count');
  const lost = source.filter((r, i) => JSON.stringify(r) !== JSON.stringify(sink[i]));
  assert.deepEqual(lost.slice(0, 5), [], `${lost.length} rows differ (first ones shown, from MariaDB)`);
  assert.deepEqual(sink, source);
}

/** Starts the CLI with debug logs; `commits()` counts the checkpoints it committed so far. */
function startRun(pipeline: string, state: string, exitWhenCaughtUp: boolean) {
  const args = [
    'run',
    pipeline,
    '--state-dir',
    state,
    ...(exitWhenCaughtUp ? ['--exit-when-caught-up'] : []),
  ];
  const child = startTidemark(args, { TIDEMARK_LOG_LEVEL: 'debug' });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    child,
    stderr: (): string => stderr,
    waitCommits: (n: number) =>
      waitFor(
        () => child.exitCode !== null || (stderr.match(/checkpoint committed/g) ?? []).length >= n,
        60_000,
        `${n} checkpoints`,
      ),
  };
}

/**
 * Runs the CLI while the UPDATEs run, and stops the UPDATEs in the middle of the snapshot (a few
 * checkpoints in): an update lost then is not repaired by a later one of the same row.
 */
async function runWithUpdatesUntilMidSnapshot(name: string, pipeline: string, state: string) {
  const updates = await startUpdates(name);
  const run = startRun(pipeline, state, true);
  try {
    await run.waitCommits(8);
  } finally {
    const n = await updates.stop();
    assert.ok(n > 50, `the workload ran ${n} updates`);
  }
  assert.doesNotMatch(run.stderr(), /snapshot done/, 'the updates stopped before the snapshot ended');
  return run;
}

test('general_ci string key: UPDATEs during a parallel chunked snapshot reach the sink', async () => {
  const name = 'coll_ci';
  await createTable(name);
  const { pipeline, duckPath, state } = pipelineFor(name);
  const run = await runWithUpdatesUntilMidSnapshot(name, pipeline, state);
  const r = await run.child.result;
  assert.equal(r.code, 0, r.stderr);
  await assertSinkEqualsSource(name, duckPath);
});

test('general_ci string key: kill -9 during the snapshot, restart under UPDATEs, sink equals source', async () => {
  const name = 'coll_ci_kill';
  await createTable(name);
  const { pipeline, duckPath, state } = pipelineFor(name);
  const updates = await startUpdates(name);
  try {
    const first = startRun(pipeline, state, false);
    await first.waitCommits(8);
    await new Promise((res) => setTimeout(res, Math.random() * 500));
    first.child.kill('SIGKILL');
    await first.child.result;
    assert.doesNotMatch(first.stderr(), /snapshot done/, 'killed during the snapshot');
  } finally {
    await updates.stop();
  }
  const run = await runWithUpdatesUntilMidSnapshot(name, pipeline, state);
  const r = await run.child.result;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /snapshot resumed/);
  await assertSinkEqualsSource(name, duckPath);
});
