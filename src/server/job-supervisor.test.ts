// The supervisor with scripted components: a retryable failure restarts the job with backoff, a
// fatal one leaves it FAILED, stop/resume/cancel follow the job store, a new supervisor on the same
// state directory resumes running jobs from their checkpoints, and no view holds the password.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import type { DataChangeEvent } from '../event/change-event.js';
import type { JsonValue } from '../event/json-value.js';
import { tableId } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import { loadPipelineYaml } from '../pipeline-spec/yaml-pipeline-loader.js';
import type { Checkpoint } from '../runtime/checkpoint.js';
import { ComponentRegistry } from '../runtime/component-registry.js';
import { defineSink, defineSource } from '../runtime/connector-kit.js';
import { ALL_SCHEMA_CHANGE_TYPES, type Sink } from '../runtime/sink.js';
import type { Source, SourceContext, SourceRecord } from '../runtime/source.js';
import { jobDetailView, jobSummaryView } from './api-views.js';
import { JobSupervisor } from './job-supervisor.js';
import { restartDelayMs, withCheckpointInterval } from './managed-job.js';

const t = tableId('db', 't');
const meta = { tsMs: 0 };
/** Opens that fail before a source opens, per source id; and the rows each source emits. */
const failures = new Map<string, { left: number; retryable: boolean }>();
const rowsUpTo = new Map<string, number>();
const written = new Map<string, number[]>();

class CountingSource implements Source {
  private signal: AbortSignal | undefined;
  constructor(private readonly id: string) {}
  open(ctx: SourceContext) {
    this.signal = ctx.signal;
    const f = failures.get(this.id);
    if (f && f.left > 0) {
      f.left--;
      return Promise.reject(
        new TidemarkError('SOURCE_CONNECT', 'scripted connect failure', {
          retryable: f.retryable,
          details: { table: 'db.t', position: 'mysql-bin.000001:4' },
        }),
      );
    }
    return Promise.resolve({ tables: [t] });
  }
  async *read(restored: JsonValue | undefined): AsyncIterable<readonly SourceRecord[]> {
    await Promise.resolve();
    yield [
      {
        kind: 'schema',
        tableId: t,
        change: {
          type: 'create-table',
          schema: {
            columns: [{ name: 'id', type: { kind: 'integer', bytes: 4, unsigned: false }, nullable: false }],
            primaryKeys: ['id'],
          },
        },
        meta,
      },
    ];
    let next = typeof restored === 'number' ? restored : 0;
    const signal = this.signal!;
    while (!signal.aborted) {
      const upTo = rowsUpTo.get(this.id) ?? 0;
      if (next < upTo) {
        yield [
          { kind: 'data', tableId: t, op: 'insert', before: null, after: [next], meta },
          { kind: 'checkpoint', state: next + 1 },
        ];
        next++;
        continue;
      }
      yield [{ kind: 'progress', progress: { phase: 'streaming', lagMs: 5 } }];
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  close() {
    return Promise.resolve();
  }
}

class ListSink implements Sink {
  readonly transactional = false;
  readonly schemaCapabilities = { applies: ALL_SCHEMA_CHANGE_TYPES, columnPositions: true };
  readonly target: string;
  constructor(private readonly id: string) {
    this.target = `list ${id}`;
  }
  open() {
    return Promise.resolve();
  }
  committedCheckpoint(): Promise<Checkpoint | undefined> {
    return Promise.resolve(undefined);
  }
  isEmpty() {
    return Promise.resolve(true);
  }
  applySchemaChange() {
    return Promise.resolve();
  }
  write(events: readonly DataChangeEvent[]) {
    const list = written.get(this.id) ?? [];
    for (const e of events) list.push(e.after![0] as number);
    written.set(this.id, list);
    return Promise.resolve();
  }
  flush() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
}

const registry = new ComponentRegistry()
  .registerSource(
    defineSource({
      type: 'counting',
      description: 'rows on demand',
      options: z.strictObject({ id: z.string(), password: z.string().optional().meta({ secret: true }) }),
      create: (o) => Promise.resolve(new CountingSource(o.id)),
    }),
  )
  .registerSink(
    defineSink({
      type: 'list',
      description: 'rows in a list',
      options: z.strictObject({ id: z.string() }),
      create: (o) => Promise.resolve(new ListSink(o.id)),
    }),
  );

const PASSWORD = 'scripted-secret-123';
const yaml = (id: string, extra = '') =>
  `source:\n  type: counting\n  id: ${id}\n  password: ${PASSWORD}\nsink:\n  type: list\n  id: ${id}\npipeline:\n  name: job ${id}\n${extra}`;

function supervisor(stateDir: string, lines: string[] = []): JobSupervisor {
  return new JobSupervisor({ stateDir, registry, writeLog: (l) => lines.push(l) });
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('restart delays grow and are capped', () => {
  assert.deepEqual([0, 1, 2, 3].map(restartDelayMs), [1000, 2000, 4000, 8000]);
  assert.equal(restartDelayMs(20), 60_000);
});

test("the server's execution.checkpointing.interval applies unless the pipeline sets checkpoint.interval", () => {
  const load = (text: string) =>
    loadPipelineYaml(text, 'p.yaml', { catalog: registry, variables: { lookup: () => undefined } });
  const plain = yaml('a');
  assert.equal(withCheckpointInterval(load(plain), plain, 3000).pipeline['checkpoint.interval'], 3000);
  const own = yaml('a', '  checkpoint.interval: 5s\n');
  assert.equal(withCheckpointInterval(load(own), own, 3000).pipeline['checkpoint.interval'], 5000);
  assert.equal(withCheckpointInterval(load(plain), plain, undefined).pipeline['checkpoint.interval'], 1000);
});

test('submit makes the checks of validate, located in the submitted file; nothing is saved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-supervisor-'));
  const s = supervisor(dir);
  await s.start();
  const bad =
    yaml('v') +
    'transform:\n  - source-table: db.t\n    projection: \\*, UPPER(name AS x\n' +
    'route:\n  - source-table: db.t\n    sink-table: ${SINK_TABLE_NOT_SET_ANYWHERE}\n';
  await assert.rejects(s.submit(bad, 'orders.yaml'), (e: unknown) => {
    assert.ok(e instanceof TidemarkError && e.code === 'CONFIG_INVALID', String(e));
    assert.match(e.message, /orders\.yaml:12:\d+: transform\[0\]\.projection /);
    assert.match(
      e.message,
      /orders\.yaml:15:\d+: \$\{SINK_TABLE_NOT_SET_ANYWHERE\} is not defined: set SINK_TABLE_NOT_SET_ANYWHERE in the job server's environment/,
    );
    return true;
  });
  assert.deepEqual(s.list(), [], 'an invalid pipeline is no job');
  await s.shutdown();
});

test("a user function's relative classpath is relative to the submitted file, as with run", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-supervisor-'));
  const pipelineDir = mkdtempSync(join(tmpdir(), 'tidemark-pipeline-'));
  writeFileSync(join(pipelineDir, 'addone.mjs'), 'export function addone(x) { return x + 1; }\n');
  const s = supervisor(dir);
  await s.start();
  rowsUpTo.set('u', 2);
  const udf =
    '  user-defined-function:\n    - name: addone\n      classpath: ./addone.mjs\n      return-type: INT\n';
  const rule = 'transform:\n  - source-table: db.t\n    projection: addone(id) AS id\n';
  const job = await s.submit(yaml('u', udf) + rule, join(pipelineDir, 'p.yaml'));
  await until('u wrote its rows', () => (written.get('u') ?? []).length === 2 || job.status === 'FAILED');
  assert.equal(job.lastError, undefined, JSON.stringify(job.lastError));
  assert.deepEqual(written.get('u'), [1, 2]);
  await s.shutdown();
});

test('a retryable failure restarts the job; a fatal one leaves it FAILED', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-supervisor-'));
  const lines: string[] = [];
  const s = supervisor(dir, lines);
  await s.start();
  failures.set('r', { left: 1, retryable: true });
  failures.set('f', { left: 1, retryable: false });
  rowsUpTo.set('r', 2);
  const r = await s.submit(yaml('r'));
  const f = await s.submit(yaml('f'));
  await until('f failed', () => f.status === 'FAILED');
  assert.equal(f.lastError?.code, 'SOURCE_CONNECT');
  assert.equal(f.lastError?.retryable, false);
  await until('r restarted and running', () => r.status === 'RUNNING' && r.restarts === 1, 5000);
  await until('r wrote its rows', () => (written.get('r') ?? []).length === 2);
  assert.equal(jobSummaryView(r).error?.code, 'SOURCE_CONNECT', 'the last error stays visible');
  assert.deepEqual(
    jobDetailView(f).errors.map((e) => [e.code, e.table, e.position]),
    [['SOURCE_CONNECT', 'db.t', 'mysql-bin.000001:4']],
    'an error is listed with the table and position it names',
  );
  const views = JSON.stringify([s.list().map((j) => jobDetailView(j)), lines]);
  assert.ok(!views.includes(PASSWORD), 'no view or log line holds the password');
  await s.shutdown();
});

test('stop, resume, cancel; a new supervisor resumes running jobs from their checkpoints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-supervisor-'));
  let s = supervisor(dir);
  await s.start();
  rowsUpTo.set('a', 3);
  rowsUpTo.set('b', 1);
  const a = await s.submit(yaml('a'));
  const b = await s.submit(yaml('b'));
  await until(
    'a wrote 3',
    () => a.telemetry.checkpoints.at(-1)?.seq !== undefined && (written.get('a') ?? []).length === 3,
  );
  await until('b wrote 1', () => (written.get('b') ?? []).length === 1);
  const sp = await b.stop(true);
  assert.equal(b.status, 'STOPPED');
  assert.ok(sp && sp.seq > 0, 'a savepoint of the final checkpoint');
  await assert.rejects(b.stop(false), /JOB_STATE|nothing to stop/);
  // the server shuts down (its running jobs stay running in the store) and starts again
  await s.shutdown();
  rowsUpTo.set('a', 5);
  s = supervisor(dir);
  await s.start();
  const a2 = s.get(a.id);
  const b2 = s.get(b.id);
  assert.equal(b2.status, 'STOPPED', 'a stopped job stays stopped');
  await until('a resumed', () => (written.get('a') ?? []).length === 5);
  assert.deepEqual(
    written.get('a'),
    [0, 1, 2, 3, 4],
    'resumed after its checkpoint: nothing lost, nothing twice',
  );
  rowsUpTo.set('b', 2);
  await b2.resume(sp.path);
  await until('b resumed', () => (written.get('b') ?? []).length === 2);
  assert.deepEqual(written.get('b'), [0, 1]);
  await a2.cancel();
  assert.equal(a2.status, 'CANCELED');
  await s.shutdown();
});
