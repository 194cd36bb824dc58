// --exit-when-caught-up ends once the binlog end seen at start is reached, also when the last events
// before it belong to no transaction: a rotation (FLUSH BINARY LOGS) or a server restart leaves only
// ROTATE, FORMAT_DESCRIPTION, GTID_LIST, BINLOG_CHECKPOINT and STOP events after the checkpoint.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { duckRows, mariaRows, runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await startMariaDb();
});
after(async () => {
  await db?.stop();
});

for (const how of ['rotation', 'restart'] as const) {
  test(`--exit-when-caught-up exits after a ${how} with no later transaction`, async () => {
    const name = `cu_${how}`;
    await db.query(`CREATE DATABASE ${name}; CREATE TABLE ${name}.t (id INT PRIMARY KEY, v VARCHAR(10));
      INSERT INTO ${name}.t VALUES (1, 'a'), (2, 'b');`);
    const dir = tempDir();
    const duck = join(dir, 'sink.duckdb');
    const state = join(dir, 'state');
    const pipeline = writePipeline(dir, { port: db.port, tables: `${name}.t`, duckdbPath: duck, name });
    const run = async (): Promise<string> => {
      const r = await runTidemark(
        ['run', pipeline, '--state-dir', state, '--exit-when-caught-up'],
        {},
        30_000,
      );
      assert.equal(r.code, 0, `it did not exit by itself (${r.signal ?? r.code}):\n${r.stderr}`);
      return r.stderr;
    };
    await run(); // snapshot
    await db.query(`INSERT INTO ${name}.t VALUES (3, 'c'); UPDATE ${name}.t SET v = 'B' WHERE id = 2;`);
    await run(); // the checkpoint is now after the last transaction
    if (how === 'rotation') await db.query('FLUSH BINARY LOGS; FLUSH BINARY LOGS');
    else await db.restart();
    const [{ File: file } = { File: '' }] = await db.query<{ File: string }[]>('SHOW MASTER STATUS');

    assert.match(await run(), /resuming from checkpoint/);
    const sql = `SELECT * FROM ${name}.t`;
    assert.deepEqual(await duckRows(duck, sql), await mariaRows(db, sql));
    // the checkpoint moved past the events of no transaction, into the newest binlog file
    const cp = await duckRows(
      duck,
      `SELECT checkpoint->>'$.source.file' FROM _tidemark.checkpoints WHERE pipeline = '${name}'`,
    );
    assert.deepEqual(cp, [[file]]);

    // and a transaction after that is streamed as usual
    await db.query(`DELETE FROM ${name}.t WHERE id = 1;`);
    await run();
    assert.deepEqual(await duckRows(duck, sql), await mariaRows(db, sql));
  });
}
