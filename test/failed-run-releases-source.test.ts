// A run whose sink fails releases what the source's read holds: with a real MariaDB, the snapshot
// readers' connections and the binlog connection are gone once the run rejected (they were left
// open when the runner only closed the source and never ended its read).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MysqlSource } from '../src/connectors/mysql/mysql-source.js';
import { mysqlSourceOptionsSchema } from '../src/connectors/mysql/options.js';
import { TidemarkError } from '../src/event/tidemark-error.js';
import { runPipeline } from '../src/runtime/pipeline-runner.js';
import { identityRouter } from '../src/runtime/schema-operator.js';
import { ScriptedSink, recordingLogger, scriptedSpec } from '../src/runtime/scripted-components.js';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';

const DB = 'failed_run_release';
const USER = 'failed_run_cdc';

async function sessionsOf(db: MariaDbInstance, user: string): Promise<string[]> {
  const rows = await db.query<{ User: string; Command: string; Info: string | null }[]>('SHOW PROCESSLIST');
  return rows.filter((r) => r.User === user).map((r) => `${r.Command}: ${r.Info ?? ''}`);
}

for (const failAt of ['snapshot', 'binlog'] as const) {
  test(`a sink failing during the ${failAt}: the source's connections are closed, the run rejects with the sink's error`, async (t) => {
    const db = await sharedMariaDb();
    const rows = Array.from({ length: 300 }, (_, i) => `(${i}, REPEAT('x', 100))`).join(',');
    await db.query(
      `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}; ` +
        [0, 1, 2]
          .map(
            (i) =>
              `CREATE TABLE ${DB}.t${i} (id INT PRIMARY KEY, v TEXT); INSERT INTO ${DB}.t${i} VALUES ${rows};`,
          )
          .join(' '),
    );
    await db.createCdcUser(USER, 'pw');
    const dir = await mkdtemp(join(tmpdir(), 'tidemark-failed-run-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const source = new MysqlSource(
      mysqlSourceOptionsSchema.parse({
        hostname: db.host,
        port: db.port,
        username: USER,
        password: 'pw',
        tables: `${DB}.\\.*`,
        'server-id': '5700-5703',
        // the server notices a closed binlog connection when it next writes to it
        'heartbeat.interval': '1s',
        'scan.incremental.snapshot.chunk.size': 10,
        'scan.startup.mode': failAt === 'snapshot' ? 'initial' : 'latest-offset',
      }),
      { parallelism: 3 },
    );
    const failure = new TidemarkError('SINK_WRITE', 'disk full');
    let written = 0;
    const sink = new ScriptedSink({
      respond: (c) => (c.op === 'write' && ++written === 2 ? Promise.reject(failure) : undefined),
    });
    const run = runPipeline({
      spec: scriptedSpec(
        { name: `failed-run-${failAt}`, 'checkpoint.interval': 0 },
        'failed-run-releases-source.test.ts',
        {
          source: { type: 'mysql', name: undefined, options: {} },
        },
      ),
      source,
      sink,
      router: identityRouter,
      stateDir: dir,
      logger: recordingLogger().logger,
      writeBatchSize: 5,
    });
    if (failAt === 'binlog') {
      // rows that reach the source through the binlog, once it streams
      await sink.waitFor('the create-tables', (c) => c.op === 'apply', 30_000);
      for (let i = 0; i < 4; i++)
        await db.query(`INSERT INTO ${DB}.t0 VALUES (${1000 + 2 * i}, 'a'), (${1001 + 2 * i}, 'b')`);
    }
    await assert.rejects(run, (e) => e === failure);
    // what the source held is closed by the time the run rejects (the server may take a moment to
    // notice: a binlog dump thread, until its next heartbeat)
    let left = await sessionsOf(db, USER);
    for (let i = 0; i < 50 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await sessionsOf(db, USER);
    }
    assert.deepEqual(left, [], 'sessions of the source still open after the run failed');
  });
}
