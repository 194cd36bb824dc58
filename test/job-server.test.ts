// The job server end to end through the real CLI against a private MariaDB: submit prints Flink's
// three lines, jobs lists the job, the API refuses requests without the token and answers as its
// OpenAPI document says, `tidemark query` reaches a running job's DuckDB file through the server,
// a server killed with -9 resumes the job from its checkpoint (nothing lost, nothing doubled),
// stop --savepoint / resume --from-savepoint / cancel work, /metrics and /healthz answer, and the
// source password appears in no response, page, metric or log line.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { SEED_000_SETUP_SQL } from './support/seed-000.js';
import { startTestServer, type TestServer } from './support/job-server.js';
import { mariaRows, duckRows, runTidemark, tempDir, waitFor, writePipeline } from './support/tidemark-cli.js';

const PASSWORD = 'Pw-9f3e-hush-77aa';

let db: MariaDbInstance;
before(async () => {
  db = await startMariaDb();
  await db.query(SEED_000_SETUP_SQL);
  await db.createCdcUser(
    'cdc',
    PASSWORD,
    'SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT',
  );
});
after(async () => {
  await db?.stop();
});

interface Job {
  id: string;
  status: string;
  phase: string | null;
  lastCheckpoint: { seq: number } | null;
  rowsWritten: number;
}

/** Every text the server gave out: checked for the password at the end. */
const seen: string[] = [];

async function call<T>(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const r = await server.api<T>(method, path, body);
  seen.push(typeof r.json === 'string' ? r.json : JSON.stringify(r.json));
  return r;
}

/** Validates a response against the served OpenAPI document's schema for it. */
function validator(openapi: {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>
  >;
}) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  return (path: string, method: string, status: number, body: unknown): void => {
    const schema =
      openapi.paths[path]?.[method]?.responses[String(status)]?.content['application/json']?.schema;
    assert.ok(schema, `the OpenAPI document describes ${method.toUpperCase()} ${path} → ${status}`);
    const validate = ajv.compile(schema);
    assert.ok(
      validate(body),
      `${method.toUpperCase()} ${path} → ${status} matches the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
    );
  };
}

async function untilJob(server: TestServer, id: string, ok: (j: Job) => boolean, what: string): Promise<Job> {
  let last: Job | undefined;
  await waitFor(
    async () => {
      last = (await call<Job>(server, 'GET', `/api/v1/jobs/${id}`)).json;
      return ok(last);
    },
    60_000,
    `${what} (last: ${JSON.stringify(last)})`,
  );
  return last!;
}

test('job server: submit, jobs, API + OpenAPI, query through the server, kill -9 and resume, savepoint, cancel, no secret anywhere', async () => {
  const dir = tempDir();
  const stateDir = join(dir, 'server');
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    username: 'cdc',
    password: PASSWORD,
    tables: 'app_db\\.*',
    duckdbPath: duck,
    name: 'Sync MySQL Database to DuckDB',
  });
  const flinkConf = join(dir, 'flink-conf.yaml');
  writeFileSync(flinkConf, 'execution.checkpointing.interval: 3000\n');
  let server = await startTestServer(stateDir, ['--flink-conf', flinkConf]);
  const outputs: string[] = [];
  try {
    assert.match(server.output(), /API token \(shown this once/);
    assert.equal(statSync(join(stateDir, 'token')).mode & 0o777, 0o600, 'the token file is mode 0600');
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'loopback by default');

    // no token, a wrong token: refused
    assert.equal((await server.api('GET', '/api/v1/jobs', undefined, null)).status, 401);
    assert.equal((await server.api('GET', '/api/v1/jobs', undefined, 'wrong')).status, 401);
    assert.equal((await server.api('GET', '/metrics', undefined, null)).status, 401);
    const health = await server.api('GET', '/healthz', undefined, null);
    assert.equal(health.status, 200);

    const openapi = (
      await server.api<Parameters<typeof validator>[0]>('GET', '/api/v1/openapi.json', undefined, null)
    ).json;
    const check = validator(openapi);
    check('/healthz', 'get', 200, health.json);
    check('/api/v1/jobs', 'get', 401, (await server.api('GET', '/api/v1/jobs', undefined, null)).json);

    const env = { TIDEMARK_SERVER_DIR: stateDir };
    const submit = await runTidemark(['submit', pipeline], env);
    assert.equal(submit.code, 0, submit.stderr);
    const lines = submit.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3, submit.stdout);
    assert.equal(lines[0], 'Pipeline has been submitted to cluster.');
    assert.match(lines[1]!, /^Job ID: [0-9a-f]{32}$/);
    assert.equal(lines[2], 'Job Description: Sync MySQL Database to DuckDB');
    const id = lines[1]!.slice('Job ID: '.length);

    const jobs = await runTidemark(['jobs'], env);
    assert.equal(jobs.code, 0, jobs.stderr);
    assert.match(jobs.stdout, new RegExp(`${id}\\s+\\w+`));
    outputs.push(submit.stdout, submit.stderr, jobs.stdout, jobs.stderr);

    await untilJob(
      server,
      id,
      (j) => j.phase === 'streaming' && j.lastCheckpoint !== null,
      'the job streams',
    );
    const list = await call(server, 'GET', '/api/v1/jobs');
    check('/api/v1/jobs', 'get', 200, list.json);
    for (const path of ['', '/checkpoints', '/schema-changes', '/metrics']) {
      const r = await call(server, 'GET', `/api/v1/jobs/${id}${path}`);
      check(`/api/v1/jobs/{id}${path}`, 'get', r.status, r.json);
    }
    const missing = await call(server, 'GET', `/api/v1/jobs/${'0'.repeat(32)}`);
    check('/api/v1/jobs/{id}', 'get', 404, missing.json);
    const bad = await call(server, 'POST', '/api/v1/jobs', { pipeline: 'source: [' });
    check('/api/v1/jobs', 'post', 400, bad.json);

    // a change while it runs: `tidemark query` goes through the server (the file is locked)
    await db.query('INSERT INTO app_db.orders (id, price) VALUES (3, 100.00)');
    await waitFor(
      async () => {
        const q = await runTidemark(
          ['query', duck, 'SELECT count(*) AS n FROM app_db.orders', '--format', 'csv'],
          env,
        );
        outputs.push(q.stdout, q.stderr);
        return q.code === 0 && q.stdout.includes('\r\n3\r\n');
      },
      30_000,
      'the inserted row through the server',
    );
    const q = await call(server, 'POST', '/api/v1/query', {
      path: duck,
      sql: 'SELECT * FROM range(5000)',
      maxRows: 10,
      format: 'json',
    });
    check('/api/v1/query', 'post', 200, q.json);
    assert.deepEqual(
      [(q.json as { rows: number }).rows, (q.json as { truncated: boolean }).truncated],
      [10, true],
    );
    const write = await call(server, 'POST', '/api/v1/query', {
      path: duck,
      sql: 'DELETE FROM app_db.orders',
    });
    check('/api/v1/query', 'post', 400, write.json);
    assert.match(JSON.stringify(write.json), /QUERY_REFUSED/);

    const metrics = await call<string>(server, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    for (const name of [
      'tidemark_events_per_second',
      'tidemark_lag_seconds',
      'tidemark_snapshot_rows_read',
      'tidemark_snapshot_rows_estimated',
      'tidemark_checkpoint_age_seconds',
      'tidemark_checkpoint_duration_seconds',
      'tidemark_sink_batch_latency_seconds',
      'tidemark_errors_total',
    ])
      assert.match(metrics.json, new RegExp(`^# TYPE ${name} `, 'm'));
    assert.match(
      metrics.json,
      /tidemark_rows_written\{job_id="[0-9a-f]{32}",pipeline="Sync MySQL Database to DuckDB",table="app_db.orders"\} [1-9]/,
    );

    // kill -9: the job resumes from its checkpoint when the server starts again
    const before = (await call<Job>(server, 'GET', `/api/v1/jobs/${id}`)).json.lastCheckpoint!.seq;
    server.child.kill('SIGKILL');
    await server.child.result;
    outputs.push(server.output());
    await db.query(
      "INSERT INTO app_db.orders (id, price) VALUES (4, 7.00); UPDATE app_db.products SET product = 'Beers' WHERE id = 1",
    );
    server = await startTestServer(stateDir, ['--flink-conf', flinkConf]);
    assert.match(server.output(), /API token: in /, 'the token is printed only on the first start');
    await untilJob(
      server,
      id,
      (j) => j.status === 'RUNNING' && (j.lastCheckpoint?.seq ?? 0) > before,
      'the job resumed and committed',
    );
    await waitFor(
      async () => {
        const r = await call<{ output: string }>(server, 'POST', '/api/v1/query', {
          path: duck,
          sql: 'SELECT count(*) AS n FROM app_db.orders',
          format: 'csv',
        });
        return r.status === 200 && r.json.output.includes('\r\n4\r\n');
      },
      30_000,
      'the change made while the server was down',
    );

    // stop with a savepoint, change the source, resume from the savepoint
    const stop = await runTidemark(['stop', id, '--savepoint'], env);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /is STOPPED/);
    const savepoint = /Savepoint completed\. Path: (\S+)/.exec(stop.stdout)?.[1];
    assert.ok(savepoint, stop.stdout);
    for (const table of ['orders', 'shipments', 'products'])
      assert.deepEqual(
        await duckRows(duck, `SELECT * FROM app_db.${table}`),
        await mariaRows(db, `SELECT * FROM app_db.${table}`),
        `app_db.${table} equals MariaDB after the stop`,
      );
    await db.query("INSERT INTO app_db.shipments (id, city) VALUES (3, 'hangzhou')");
    const resume = await runTidemark(['resume', id, '--from-savepoint', savepoint], env);
    assert.equal(resume.code, 0, resume.stderr);
    await waitFor(
      async () => {
        const r = await call<{ output: string }>(server, 'POST', '/api/v1/query', {
          path: duck,
          sql: 'SELECT count(*) AS n FROM app_db.shipments',
          format: 'csv',
        });
        return r.status === 200 && r.json.output.includes('\r\n3\r\n');
      },
      30_000,
      'the row inserted while stopped',
    );
    const again = await call(server, 'POST', `/api/v1/jobs/${id}/resume`);
    check('/api/v1/jobs/{id}/resume', 'post', 409, again.json);

    // a second job writing the same DuckDB file is refused (the file's one writer is the first job)
    const twin = await call<{ id: string }>(server, 'POST', '/api/v1/jobs', {
      pipeline: readFileSync(pipeline, 'utf8').replace('name: Sync MySQL Database to DuckDB', 'name: twin'),
    });
    check('/api/v1/jobs', 'post', 201, twin.json);
    const failed = await untilJob(server, twin.json.id, (j) => j.status === 'FAILED', 'the twin job to fail');
    assert.match(JSON.stringify(failed), /RESOURCE_IN_USE/);

    const cancel = await runTidemark(['cancel', id], env);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, /is CANCELED/);
    const detail = await call(server, 'GET', `/api/v1/jobs/${id}`);
    check('/api/v1/jobs/{id}', 'get', 200, detail.json);
    // the same through the API: resume, stop with a savepoint, cancel of a stopped job (409)
    const resumed = await call(server, 'POST', `/api/v1/jobs/${id}/resume`, {});
    check('/api/v1/jobs/{id}/resume', 'post', 200, resumed.json);
    await untilJob(server, id, (j) => j.phase === 'streaming', 'the job streams again');
    const stopped = await call<{ savepoint: { path: string } | null }>(
      server,
      'POST',
      `/api/v1/jobs/${id}/stop`,
      {
        savepoint: true,
      },
    );
    check('/api/v1/jobs/{id}/stop', 'post', 200, stopped.json);
    assert.ok(stopped.json.savepoint?.path);
    const cancelStopped = await call(server, 'POST', `/api/v1/jobs/${id}/cancel`);
    check('/api/v1/jobs/{id}/cancel', 'post', 409, cancelStopped.json);
    for (const table of ['orders', 'shipments', 'products'])
      assert.deepEqual(
        await duckRows(duck, `SELECT * FROM app_db.${table}`),
        await mariaRows(db, `SELECT * FROM app_db.${table}`),
        `app_db.${table} equals MariaDB`,
      );
    outputs.push(stop.stdout, resume.stdout, cancel.stdout, stop.stderr, resume.stderr, cancel.stderr);
    const page = await server.api<string>('GET', '/', undefined, null);
    assert.equal(page.status, 200);
    seen.push(page.json);
  } finally {
    await server.stop();
    outputs.push(server.output());
  }
  for (const text of [...seen, ...outputs])
    assert.ok(!text.includes(PASSWORD), `the password appears in:\n${text.slice(0, 2000)}`);
});
