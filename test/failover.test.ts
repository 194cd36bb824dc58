// Failover: a pipeline that streamed from a primary is pointed at its replica (promoted). Binlog file
// names and offsets differ there, so the source must find its place by the checkpoint's GTID state:
// nothing lost, nothing doubled, compared with the new primary's rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { readFileSync } from 'node:fs';
import {
  duckRows,
  mariaRows,
  runTidemark,
  startTidemark,
  tempDir,
  waitFor,
  writePipeline,
} from './support/tidemark-cli.js';

let primary: MariaDbInstance;
let replica: MariaDbInstance;

before(async () => {
  [primary, replica] = await Promise.all([
    startMariaDb(),
    startMariaDb({ serverOptions: { server_id: '2', log_slave_updates: 'ON' } }),
  ]);
});
after(async () => {
  await Promise.all([primary?.stop(), replica?.stop()]);
});

async function replicaCaughtUp(): Promise<void> {
  const [pos] = await primary.query<{ p: string }[]>('SELECT @@gtid_binlog_pos AS p');
  const [r] = await replica.query<{ w: number | string }[]>('SELECT MASTER_GTID_WAIT(?, 30) AS w', [pos!.p]);
  assert.equal(Number(r!.w), 0, 'the replica did not catch up');
}

test('after a failover to a replica the stream resumes by GTID, exactly', async () => {
  await primary.query(`CREATE DATABASE fo_db; CREATE TABLE fo_db.t (id INT PRIMARY KEY, v VARCHAR(20));
    INSERT INTO fo_db.t VALUES (1, 'a'), (2, 'b'), (3, 'c');`);
  // New binlog files on the replica first: its file names and offsets cannot match the primary's.
  await replica.query('FLUSH BINARY LOGS; FLUSH BINARY LOGS');
  await replica.query(
    `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${primary.port}, MASTER_USER = ?,
       MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos; START SLAVE`,
    [primary.rootUser, primary.rootPassword],
  );
  await replicaCaughtUp();

  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const run = async (db: MariaDbInstance): Promise<string> => {
    const pipeline = writePipeline(dir, {
      port: db.port,
      tables: 'fo_db.\\.*',
      duckdbPath: duck,
      name: 'fo',
    });
    const r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
    assert.equal(r.code, 0, r.stderr);
    return r.stderr;
  };

  await run(primary); // snapshot
  await primary.query(
    `INSERT INTO fo_db.t VALUES (4, 'd'), (5, 'e'); UPDATE fo_db.t SET v = 'A' WHERE id = 1;`,
  );
  await run(primary); // stream: the checkpoint holds the primary's file:pos and GTID position
  await primary.query(`INSERT INTO fo_db.t VALUES (6, 'f'); DELETE FROM fo_db.t WHERE id = 2;
    UPDATE fo_db.t SET v = 'E' WHERE id = 5;`);
  await replicaCaughtUp();
  await replica.query('STOP SLAVE');

  const moved = await run(replica);
  assert.match(moved, /the checkpoint was taken on another server: resuming after its GTID state/);
  const sql = 'SELECT id, v FROM fo_db.t';
  assert.deepEqual(await duckRows(duck, sql), await mariaRows(replica, sql));
  assert.deepEqual(await duckRows(duck, sql), [
    ['1', 'A'],
    ['3', 'c'],
    ['4', 'd'],
    ['5', 'E'],
    ['6', 'f'],
  ]);

  // The replica is the primary now: the next checkpoint belongs to it, and streaming goes on.
  await replica.query(`INSERT INTO fo_db.t VALUES (7, 'g'); UPDATE fo_db.t SET v = 'C' WHERE id = 3;`);
  const again = await run(replica);
  assert.doesNotMatch(again, /another server/);
  assert.deepEqual(await duckRows(duck, sql), await mariaRows(replica, sql));
});

test('a checkpoint taken during a snapshot cannot move to another server: a clear error', async () => {
  // The same table on both servers, each written directly.
  for (const db of [primary, replica]) {
    await db.query(`CREATE DATABASE fo_snap; CREATE TABLE fo_snap.t (id INT PRIMARY KEY, pad CHAR(200));
      INSERT INTO fo_snap.t SELECT seq, 'x' FROM fo_snap.seq_1_to_200000;`);
  }
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const pipeline = (db: MariaDbInstance): string =>
    writePipeline(dir, {
      port: db.port,
      tables: 'fo_snap.\\.*',
      duckdbPath: duck,
      name: 'fo-snap',
      extraSource: { 'scan.incremental.snapshot.chunk.size': 50 },
    });
  // Killed right after its first commit (the runner commits once a second): 4000 chunks with two
  // watermark queries each take far longer, so the snapshot is far from done.
  const child = startTidemark(['run', pipeline(primary), '--state-dir', state], {
    TIDEMARK_LOG_LEVEL: 'debug',
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => /checkpoint committed/.test(stderr), 60_000, 'a first checkpoint');
  child.kill('SIGKILL');
  await child.result;
  const saved = readFileSync(join(state, 'pipelines', 'fo-snap', 'checkpoint.json'), 'utf8');
  assert.match(saved, /"snapshot"/, 'the checkpoint should be one taken during the snapshot');

  const r = await runTidemark(['run', pipeline(replica), '--state-dir', state, '--exit-when-caught-up']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /SOURCE_POSITION_LOST/);
  assert.match(r.stderr, /a snapshot cannot move to another server/);
});
