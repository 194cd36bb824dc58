// Issue 9 (2): chunk keys whose server order is not JavaScript's. In utf8mb4_general_ci `_` sorts
// after the letters, so the server walks xa00000…xa00099 before x_00000…x_19999. UPDATEs of the
// `xa` rows during the snapshot (and across a kill -9 and a restart) must reach the sink: the
// stream has to place their keys in chunks the way the server orders them. The same for other
// collations (PAD SPACE, latin1, uca1400, `_bin` with supplementary characters) and key types
// (ENUM, SET, BIT, DECIMAL, UUID, INET6).
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

/** Runs `statement()` (one transaction each) until stopped; stop() tells how many ran. */
async function startUpdates(statement: (n: number) => string): Promise<{ stop(): Promise<number> }> {
  const conn: Connection = await db.connect();
  let stopped = false;
  let n = 0;
  const loop = (async () => {
    while (!stopped) {
      n++;
      await conn.query(statement(n));
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

/** UPDATEs of the `xa` rows (and a few `x_` rows). */
function xaUpdate(name: string): (n: number) => string {
  return (n) => {
    const k = rnd(10) === 0 ? key('x_', rnd(20000)) : key('xa', rnd(100));
    return `UPDATE ${name}.t SET v = v + 1, note = 'u${n}' WHERE k = '${k}'`;
  };
}

function pipelineFor(name: string, chunkSize = 50): { pipeline: string; duckPath: string; state: string } {
  const dir = tempDir();
  const duckPath = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: `${name}.\\.*`,
    duckdbPath: duckPath,
    name,
    extraSource: { 'scan.incremental.snapshot.chunk.size': chunkSize, 'scan.snapshot.fetch.size': 64 },
  });
  // parallelism 2; checkpoints every 200 ms: the tests below count them to act mid-snapshot
  const text = readFileSync(pipeline, 'utf8');
  writeFileSync(pipeline, text.replace('parallelism: 1', 'parallelism: 2\n  checkpoint.interval: 200ms'));
  return { pipeline, duckPath, state: join(dir, 'state') };
}

async function assertSinkEqualsSource(duckPath: string, sql: string, mariaSql = sql): Promise<void> {
  const [sink, source] = [await duckRows(duckPath, sql), await mariaRows(db, mariaSql)];
  assert.equal(sink.length, source.length, `${sql}: row count`);
  const lost = source.filter((r, i) => JSON.stringify(r) !== JSON.stringify(sink[i]));
  assert.deepEqual(
    lost.slice(0, 5),
    [],
    `${sql}: ${lost.length} rows differ (first ones shown, from MariaDB)`,
  );
  assert.deepEqual(sink, source);
}

/** Starts the CLI with debug logs; `waitCommits(n)` waits for n committed checkpoints (or the exit). */
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
async function runWithUpdatesUntilMidSnapshot(
  statement: (n: number) => string,
  pipeline: string,
  state: string,
) {
  const updates = await startUpdates(statement);
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
  const run = await runWithUpdatesUntilMidSnapshot(xaUpdate(name), pipeline, state);
  const r = await run.child.result;
  assert.equal(r.code, 0, r.stderr);
  await assertSinkEqualsSource(duckPath, `SELECT k, v, note FROM ${name}.t`);
});

test('general_ci string key: kill -9 during the snapshot, restart under UPDATEs, sink equals source', async () => {
  const name = 'coll_ci_kill';
  await createTable(name);
  const { pipeline, duckPath, state } = pipelineFor(name);
  const updates = await startUpdates(xaUpdate(name));
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
  const run = await runWithUpdatesUntilMidSnapshot(xaUpdate(name), pipeline, state);
  const r = await run.child.result;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /snapshot resumed/);
  await assertSinkEqualsSource(duckPath, `SELECT k, v, note FROM ${name}.t`);
});

/** Key columns whose server order differs from JavaScript's; `v` and `id` are the row's payload. */
const KEY_TABLES: { table: string; key: string; values: () => string }[] = [
  {
    table: 't_pad',
    key: 'VARCHAR(20) COLLATE utf8mb4_general_ci',
    values: () => text(['a', 'A', '\t', ' ', '_', 'b']),
  },
  {
    table: 't_latin',
    key: 'VARCHAR(20) CHARACTER SET latin1',
    values: () => text(['a', 'ä', 'ae', 'z', 'å', 'Ø', '_', '€']),
  },
  {
    table: 't_uca',
    key: 'VARCHAR(20) COLLATE utf8mb4_uca1400_as_cs',
    values: () => text(['a', 'A', 'á', '_', '-', 'ß', 's']),
  },
  {
    table: 't_bin',
    key: 'VARCHAR(20) COLLATE utf8mb4_bin',
    values: () => text(['a', '😀', '\uff5e', '\ufb00', 'Z', ' ']),
  },
  { table: 't_enum', key: "ENUM('z','b','a','_')", values: () => `'${pick(['z', 'b', 'a', '_'])}'` },
  {
    table: 't_set',
    key: "SET('b','a','C','d')",
    values: () => `'${['b', 'a', 'C', 'd'].filter(() => rnd(2) === 0).join(',')}'`,
  },
  { table: 't_bit', key: 'BIT(10)', values: () => String(rnd(1024)) },
  {
    table: 't_dec',
    key: 'DECIMAL(12,3)',
    values: () => `${rnd(2) ? '-' : ''}${rnd(10 ** rnd(9))}.${rnd(1000)}`,
  },
  { table: 't_uuid', key: 'UUID', values: () => `'${uuid()}'` },
  {
    table: 't_inet',
    key: 'INET6',
    values: () =>
      `'${pick(['::ffff:', 'fe80::', '::', '2001:db8::'])}${rnd(65536).toString(16)}:${rnd(65536).toString(16)}'`,
  },
];
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
const uuid = (): string => {
  const h = Array.from({ length: 32 }, () => rnd(16).toString(16));
  h[12] = pick(['1', '4', '7']); // version
  h[16] = pick(['8', 'b', '3']); // variant
  const x = h.join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
};
const text = (alphabet: readonly string[]): string => {
  let s = '';
  for (let n = 1 + rnd(6); n > 0; n--) s += pick(alphabet);
  return `_utf8mb4 X'${Buffer.from(s).toString('hex')}'`;
};

test('every key order (PAD SPACE, latin1, uca1400, _bin, ENUM, SET, BIT, DECIMAL, UUID, INET6): UPDATEs during the snapshot reach the sink', async () => {
  const name = 'key_orders';
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name}`);
  for (const t of KEY_TABLES) {
    // the key is (k, id): values of k repeat, and keys equal for the server ('a' = 'A ') may both be there
    await db.query(`CREATE TABLE ${name}.${t.table} (k ${t.key} NOT NULL, id INT NOT NULL, v INT NOT NULL,
      PRIMARY KEY (k, id), UNIQUE (id))`);
    const rows = Array.from({ length: 800 }, (_, i) => `(${t.values()}, ${i}, 0)`);
    await db.query(`INSERT IGNORE INTO ${name}.${t.table} VALUES ${rows.join(', ')}`);
  }
  const { pipeline, duckPath, state } = pipelineFor(name, 10);
  // Tables are read one after the other (in name order): the UPDATEs go mostly to the table being
  // read, and stop for each table once it is done, so that an update lost there stays lost.
  const run = startRun(pipeline, state, true);
  const pending = (): string[] => {
    const done = new Set(
      [...run.stderr().matchAll(/snapshot of table done[^\n]*"table":"[^."]+\.(\w+)"/g)].map((m) => m[1]),
    );
    return KEY_TABLES.map((t) => t.table)
      .filter((t) => !done.has(t))
      .sort();
  };
  const updates = await startUpdates(() => {
    const left = pending();
    const t = rnd(10) < 7 ? left[0] : pick(left);
    return t === undefined ? 'DO 0' : `UPDATE ${name}.${t} SET v = v + 1 WHERE id = ${rnd(800)}`;
  });
  try {
    await waitFor(() => run.child.exitCode !== null || pending().length === 0, 120_000, 'the snapshot');
  } catch (e) {
    run.child.kill('SIGKILL');
    throw e;
  } finally {
    const n = await updates.stop();
    assert.ok(n > 100, `the workload ran ${n} updates`);
  }
  const r = await run.child.result;
  assert.equal(r.code, 0, r.stderr);
  // An UPDATE sent before the test saw its table's snapshot end may commit after the end of the
  // binlog the run caught up to; it is in the binlog after the run's last checkpoint. The resumed
  // run reads it. An update the snapshot lost is before that checkpoint: it stays lost.
  const again = startRun(pipeline, state, true);
  assert.equal((await again.child.result).code, 0, again.stderr());
  const failed: string[] = [];
  for (const t of KEY_TABLES) {
    await assertSinkEqualsSource(duckPath, `SELECT id, v FROM ${name}.${t.table}`).catch((e: Error) =>
      failed.push(e.message.split('\n')[0]!),
    );
  }
  assert.deepEqual(failed, []);
});
