import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDuckDb, qualifiedTableName } from './duckdb-open.js';
import { tempDb } from './duckdb-test-support.js';

test('openDuckDb: schema.table is unambiguous whatever the file is named; settings apply', async () => {
  const t = tempDb();
  const file = join(t.dir, 'app_db.duckdb');
  try {
    const rw = await openDuckDb(file, { settings: { memory_limit: '100MB', threads: '1' } });
    try {
      // a schema named like the file, and one named like the instance's default catalog
      await rw.connection.run(
        'CREATE SCHEMA app_db; CREATE TABLE app_db.t (a INT PRIMARY KEY); INSERT INTO app_db.t VALUES (1);' +
          'CREATE SCHEMA memory; CREATE TABLE memory.t (a INT); INSERT INTO memory.t VALUES (2);' +
          `CREATE SCHEMA temp; INSERT INTO app_db.t VALUES (3)`,
      );
      await rw.connection.run(`CREATE TABLE ${qualifiedTableName('temp', 't')} (a INT)`);
      await rw.connection.run(`INSERT INTO ${qualifiedTableName('temp', 't')} VALUES (4)`);
      const r = await rw.connection.runAndReadAll(
        "SELECT current_setting('memory_limit'), current_setting('threads'), " +
          "current_setting('temp_directory'), (SELECT sum(a) FROM app_db.t), (SELECT a FROM memory.t)",
      );
      assert.deepEqual(r.getRowsJS()[0], ['95.3 MiB', 1n, `${file}.tmp`, 4n, 2]);
    } finally {
      rw.connection.closeSync();
      rw.instance.closeSync();
    }
    const ro = await openDuckDb(file, { readOnly: true });
    try {
      const r = await ro.connection.runAndReadAll(
        `SELECT (SELECT count(*) FROM app_db.t), (SELECT a FROM ${qualifiedTableName('temp', 't')})`,
      );
      assert.deepEqual(r.getRowsJS()[0], [2n, 4]);
      await assert.rejects(ro.connection.run('INSERT INTO app_db.t VALUES (5)'), /read-only/i);
    } finally {
      ro.connection.closeSync();
      ro.instance.closeSync();
    }
    await assert.rejects(openDuckDb(join(t.dir, 'missing', 'x.duckdb'), { readOnly: true }));
  } finally {
    t.cleanup();
  }
});
