// The binlog connection is killed on the server while the pipeline streams: the source reconnects
// at the last transaction boundary and goes on, with nothing lost or doubled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
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
  db = await startMariaDb();
});
after(async () => {
  await db?.stop();
});

test('a killed binlog connection is re-established and streaming goes on', async () => {
  await db.query(`CREATE DATABASE rc_db; CREATE TABLE rc_db.t (id INT PRIMARY KEY, v VARCHAR(20)); CREATE TABLE rc_db.log (id INT, v VARCHAR(20));
    INSERT INTO rc_db.t VALUES (1, 'a');`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'rc_db.\\.*',
    duckdbPath: duck,
    name: 'reconnect',
  });
  const child = startTidemark(['run', pipeline, '--state-dir', join(dir, 'state')], {
    TIDEMARK_LOG_LEVEL: 'debug',
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => stderr.includes('caught up'), 60_000, 'catch-up');

  const kill = async (): Promise<void> => {
    const rows = await db.query<{ Id: number; Command: string }[]>('SHOW PROCESSLIST');
    const dump = rows.filter((r) => /binlog dump/i.test(r.Command));
    assert.equal(dump.length, 1, `one binlog dump thread: ${JSON.stringify(rows)}`);
    await db.query(`KILL ${dump[0]!.Id}`);
  };
  await db.query(`INSERT INTO rc_db.t VALUES (2, 'b'); INSERT INTO rc_db.log VALUES (1, 'x');`);
  await kill();
  await db.query(
    `INSERT INTO rc_db.t VALUES (3, 'c'); UPDATE rc_db.t SET v = 'a2' WHERE id = 1; INSERT INTO rc_db.log VALUES (2, 'y');`,
  );
  await waitFor(() => /reconnecting/.test(stderr), 30_000, 'the reconnect');
  const at = stderr.length;
  await db.query(`INSERT INTO rc_db.t VALUES (4, 'd'); INSERT INTO rc_db.log VALUES (3, 'z');`);
  await waitFor(
    () => stderr.slice(at).includes('checkpoint committed'),
    30_000,
    'a commit after the reconnect',
  );
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGTERM');
  const r = await child.result;
  assert.equal(r.code, 0, stderr.slice(-3000));
  assert.match(r.stdout, /Stopped \(on request\); \d+ change\(s\) written/);
  assert.deepEqual(
    await duckRows(duck, 'SELECT * FROM rc_db.t'),
    await mariaRows(db, 'SELECT * FROM rc_db.t'),
  );
  assert.deepEqual(
    await duckRows(duck, 'SELECT * FROM rc_db.log'),
    await mariaRows(db, 'SELECT * FROM rc_db.log'),
  );
});
