// XA transactions: the server writes a transaction's rows at XA PREPARE and decides later (XA COMMIT
// or XA ROLLBACK, in another event group). Rows must reach the sink at the commit, never for a
// rollback, and exactly once even when the pipeline restarts while the transaction is prepared.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, mariaRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

test('XA: rows arrive at XA COMMIT (two-phase and one-phase), never for XA ROLLBACK, once across a restart', async () => {
  // `log` has no primary key: the sink appends, so a row delivered twice would show twice.
  await db.query(`CREATE DATABASE xa_db; CREATE TABLE xa_db.t (id INT PRIMARY KEY, v VARCHAR(10));
    CREATE TABLE xa_db.log (id INT, v VARCHAR(10)); INSERT INTO xa_db.t VALUES (0, 'seed');`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const pipeline = writePipeline(dir, { port: db.port, tables: 'xa_db.\\.*', duckdbPath: duck, name: 'xa' });
  const run = async (): Promise<void> => {
    const r = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
    assert.equal(r.code, 0, r.stderr);
  };
  const same = async (): Promise<void> => {
    for (const sql of ['SELECT id, v FROM xa_db.t', 'SELECT id, v FROM xa_db.log']) {
      assert.deepEqual(await duckRows(duck, sql), await mariaRows(db, sql), sql);
    }
  };
  await run();

  const xa = await db.connect();
  const other = await db.connect();
  try {
    const write = (id: number, v: string): string =>
      `INSERT INTO xa_db.t VALUES (${id}, '${v}'); INSERT INTO xa_db.log VALUES (${id}, '${v}')`;
    await xa.query(`XA START 'a'; ${write(1, 'rolled')}; XA END 'a'; XA PREPARE 'a'; XA ROLLBACK 'a'`);
    await xa.query(`XA START 'b'; ${write(2, 'two')}; UPDATE xa_db.t SET v = 'SEED' WHERE id = 0;
      XA END 'b'; XA PREPARE 'b'`);
    await other.query(write(3, 'three')); // commits while b is prepared
    await xa.query(`XA COMMIT 'b'`);
    await xa.query(`XA START 'c'; ${write(4, 'one-phase')}; XA END 'c'; XA COMMIT 'c' ONE PHASE`);
    await run();
    await same();
    assert.deepEqual(await duckRows(duck, 'SELECT id FROM xa_db.log'), [['2'], ['3'], ['4']]);

    // Prepared when the pipeline stops: not in the sink (nor visible in the source), and its
    // group is read again after the restart, while what followed it is not delivered twice.
    await xa.query(`XA START 'p'; ${write(10, 'pending')}; XA END 'p'; XA PREPARE 'p'`);
    await other.query(write(11, 'after-p'));
    await run();
    await same();
    const saved = readFileSync(join(state, 'pipelines', 'xa', 'checkpoint.json'), 'utf8');
    assert.match(saved, /"pendingXa"/);
    assert.match(saved, /X'70',X'',1/);
    await xa.query(`XA COMMIT 'p'`);
    await other.query(write(12, 'later'));
    await run();
    await same();
    assert.deepEqual(await duckRows(duck, 'SELECT id FROM xa_db.log'), [
      ['2'],
      ['3'],
      ['4'],
      ['10'],
      ['11'],
      ['12'],
    ]);
    assert.doesNotMatch(
      readFileSync(join(state, 'pipelines', 'xa', 'checkpoint.json'), 'utf8'),
      /"pendingXa"/,
    );
  } finally {
    await xa.end();
    await other.end();
  }
});
