// The lag a streaming MySQL source reports falls to zero once the server has nothing more to send
// (its heartbeat says so), rather than staying at the age of the last change it read: a job server
// showed a pipeline idle for minutes as 17 s behind.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MysqlSource } from '../src/connectors/mysql/mysql-source.js';
import { mysqlSourceOptionsSchema } from '../src/connectors/mysql/options.js';
import { runPipeline } from '../src/runtime/pipeline-runner.js';
import { identityRouter } from '../src/runtime/schema-operator.js';
import { ScriptedSink, recordingLogger, scriptedSpec } from '../src/runtime/scripted-components.js';
import type { SourceProgress } from '../src/runtime/source.js';
import { sharedMariaDb } from './support/mariadb.js';

const DB = 'idle_lag';

test('streaming lag: the age of the change being read, then zero at the heartbeat of an idle server', async (t) => {
  const db = await sharedMariaDb();
  await db.query(
    `DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}; CREATE TABLE ${DB}.t (id INT PRIMARY KEY)`,
  );
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-idle-lag-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const source = new MysqlSource(
    mysqlSourceOptionsSchema.parse({
      hostname: db.host,
      port: db.port,
      username: db.rootUser,
      password: db.rootPassword,
      tables: `${DB}.t`,
      'server-id': '5710',
      'heartbeat.interval': '1s',
      'scan.startup.mode': 'latest-offset',
    }),
    { parallelism: 1 },
  );
  const sink = new ScriptedSink({});
  const progress: { at: number; lagMs: number }[] = [];
  const stop = new AbortController();
  const run = runPipeline({
    spec: scriptedSpec({ name: 'idle-lag' }, 'mysql-idle-lag.test.ts', {
      source: { type: 'mysql', name: undefined, options: {} },
    }),
    source,
    sink,
    router: identityRouter,
    stateDir: dir,
    logger: recordingLogger().logger,
    signal: stop.signal,
    onProgress: (p: SourceProgress) => {
      if (p.phase === 'streaming' && p.lagMs !== undefined) progress.push({ at: Date.now(), lagMs: p.lagMs });
    },
  });
  try {
    await sink.waitFor('the create-table', (c) => c.op === 'apply', 30_000);
    // changes stamped 100 s in the past: read now, they are 100 s old
    await db.query(
      `SET TIMESTAMP = UNIX_TIMESTAMP() - 100; INSERT INTO ${DB}.t VALUES (1), (2); SET TIMESTAMP = DEFAULT`,
    );
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !progress.some((p) => p.lagMs >= 90_000)) await sleep(100);
    const behind = progress.findIndex((p) => p.lagMs >= 90_000);
    assert.ok(behind >= 0, `no progress with the changes' age: ${JSON.stringify(progress)}`);
    // then nothing more to read: the next progress (at most ~5 s later) says so
    while (Date.now() < deadline && !progress.slice(behind + 1).some((p) => p.lagMs < 5_000))
      await sleep(100);
    assert.ok(
      progress.slice(behind + 1).some((p) => p.lagMs < 5_000),
      `the lag stayed: ${JSON.stringify(progress.slice(behind))}`,
    );
  } finally {
    stop.abort();
    await run;
  }
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
