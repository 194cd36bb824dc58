// The runner with scripted components (fakes of tidemark's own Source and Sink interfaces): the
// order of the sink calls, which checkpoints are committed and when, stop, resume, transforms.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DataChangeEvent, SchemaChangeEvent } from '../event/change-event.js';
import {
  parseTableId,
  tableId,
  tableIdToString,
  type TableId,
  type TableSchema,
} from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { routerFromSpec } from '../routing/route-rules.js';
import { transformOperatorFromSpec } from '../transforms/transform-operator.js';
import type { Checkpoint } from './checkpoint.js';
import { runPipeline, type RunnerOptions } from './pipeline-runner.js';
import { SchemaOperator, identityRouter } from './schema-operator.js';
import {
  Gate,
  ScriptedSink,
  ScriptedSource,
  UNTIL_STOPPED,
  recordingLogger,
  scriptedSpec,
  type SinkCall,
  type SourceStep,
} from './scripted-components.js';
import { SchemaChangeRefusedError } from './sink.js';
import type { Source, SourceRecord } from './source.js';
import { StateStore } from './state-store.js';

const PIPELINE = 'runner-test';
const T = tableId('db', 't');
const meta = { tsMs: 0 };
const INT = { kind: 'integer', bytes: 4, unsigned: false } as const;
const STR = { kind: 'string', length: 20 } as const;
const SCHEMA: TableSchema = {
  columns: [
    { name: 'id', type: INT, nullable: false },
    { name: 'v', type: STR, nullable: true },
  ],
  primaryKeys: ['id'],
};

const create = (id: TableId = T, schema: TableSchema = SCHEMA): SchemaChangeEvent => ({
  kind: 'schema',
  tableId: id,
  change: { type: 'create-table', schema },
  meta,
});
/** An insert whose first column (the id) names it in traces. */
const row = (
  id: number,
  rest: readonly (string | number)[] = [`v${id}`],
  table: TableId = T,
): SourceRecord => ({
  kind: 'data',
  tableId: table,
  op: 'insert',
  before: null,
  after: [id, ...rest],
  meta,
});
/** A transaction boundary; the source state is the number of the boundary. */
const boundary = (n: number): SourceRecord => ({ kind: 'checkpoint', state: n });
const addColumn = (name: string): SchemaChangeEvent => ({
  kind: 'schema',
  tableId: T,
  change: {
    type: 'add-column',
    columns: [{ column: { name, type: INT, nullable: true }, position: { kind: 'last' } }],
  },
  ddl: `ALTER TABLE t ADD COLUMN ${name} INT`,
  meta,
});
const CAUGHT_UP: SourceRecord = { kind: 'caught-up' };

function spec(pipeline: Record<string, unknown> = {}, rules: Partial<PipelineSpec> = {}): PipelineSpec {
  return scriptedSpec({ name: PIPELINE, ...pipeline }, 'pipeline-runner.test.ts', rules);
}

async function stateDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tidemark-runner-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function options(
  dir: string,
  source: Source,
  sink: ScriptedSink,
  more: Partial<RunnerOptions> = {},
): RunnerOptions {
  return {
    spec: spec(),
    source,
    sink,
    router: identityRouter,
    stateDir: dir,
    logger: recordingLogger().logger,
    ...more,
  };
}

/** The sink's calls, one line each: the ids of the rows written, the checkpoints flushed. */
function trace(sink: ScriptedSink): string[] {
  return sink.calls.map((c) => {
    switch (c.op) {
      case 'apply':
        return `apply ${c.table} ${c.change.type}`;
      case 'write':
        return `write ${c.events.map(rowName).join(' ')}`;
      case 'flush':
        return `flush #${c.checkpoint.seq} at ${JSON.stringify(c.checkpoint.source)}`;
      default:
        return c.op;
    }
  });
}

function rowName(e: DataChangeEvent): string {
  return `${tableIdToString(e.tableId)}:${String((e.after ?? e.before)?.[0])}`;
}

function written(sink: ScriptedSink): DataChangeEvent[] {
  return sink.calls.flatMap((c) => (c.op === 'write' ? c.events : []));
}

function flushed(sink: ScriptedSink): Checkpoint[] {
  return sink.calls.flatMap((c) => (c.op === 'flush' ? [c.checkpoint] : []));
}

const isFlush =
  (seq: number) =>
  (c: SinkCall): boolean =>
    c.op === 'flush' && c.checkpoint.seq === seq;

/** The column names of a sink table in a checkpoint's runner state, as a restart reads them. */
function sinkColumns(cp: Checkpoint, table: string): string[] | undefined {
  const restored = new SchemaOperator(identityRouter, 'lenient', cp.runtime);
  return restored.sinkSchema(parseTableId(table))?.columns.map((c) => c.name);
}

/** The checkpoint in the state directory (after the run: the lock is free again). */
async function saved(dir: string): Promise<Checkpoint | undefined> {
  const store = await StateStore.open(dir, PIPELINE);
  try {
    return await store.load();
  } finally {
    await store.release();
  }
}

/** A run and whether it ended yet (a run that must go on is asserted so). */
function watch<T>(promise: Promise<T>): { readonly promise: Promise<T>; readonly ended: boolean } {
  const w = { promise, ended: false };
  promise.then(
    () => (w.ended = true),
    () => (w.ended = true),
  );
  return w;
}

/** `p`, or a rejection naming `what` once `ms` passed. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

test('the schema-change barrier: rows before a DDL are committed before it, with the schemas before it', async (t) => {
  const dir = await stateDir(t);
  const source = new ScriptedSource([
    [create(), boundary(0)],
    [row(1), row(2), boundary(1), addColumn('w'), row(3, ['c', 30]), boundary(2)],
  ]);
  const sink = new ScriptedSink();
  const result = await runPipeline(
    options(dir, source, sink, { spec: spec({ 'checkpoint.interval': '1h' }) }),
  );
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    // the DDL's own checkpoint is committed at once, whatever the interval
    'flush #1 at 0',
    'write db.t:1 db.t:2',
    'flush #2 at 1',
    'apply db.t add-column',
    'write db.t:3',
    'flush #3 at 2',
    'close',
  ]);
  const [, beforeDdl, afterDdl] = flushed(sink);
  assert.deepEqual(sinkColumns(beforeDdl!, 'db.t'), ['id', 'v']);
  assert.deepEqual(sinkColumns(afterDdl!, 'db.t'), ['id', 'v', 'w']);
  assert.deepEqual(written(sink)[2]?.after, [3, 'c', 30]);
  assert.deepEqual(result, { reason: 'source-ended', lastCheckpoint: afterDdl, rowsWritten: 3 });
  assert.deepEqual(await saved(dir), afterDdl);
});

test('idle commit: a quiet source at a boundary is committed at once, a busy one once per interval', async (t) => {
  const dir = await stateDir(t);
  const source = new ScriptedSource([
    [create(), boundary(0)],
    [row(1), boundary(1)],
    [row(2), boundary(2)],
    [row(3), boundary(3)],
    UNTIL_STOPPED,
  ]);
  const sink = new ScriptedSink();
  const stop = new AbortController();
  const committed = new Gate();
  const run = watch(
    runPipeline(
      options(dir, source, sink, {
        spec: spec({ 'checkpoint.interval': '1h' }),
        signal: stop.signal,
        onCheckpoint: (cp) => cp.seq === 2 && committed.open(),
      }),
    ),
  );
  await source.reached(4);
  await sink.waitFor('the idle commit of boundary 3', isFlush(2), 1000);
  await within(1000, 'the idle commit saved', committed.promise);
  // boundaries 1 and 2 came while the source was busy: not committed on their own
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'flush #1 at 0',
    'write db.t:1 db.t:2 db.t:3',
    'flush #2 at 3',
  ]);
  assert.equal(source.readEnd, undefined, 'the source still holds the stream');
  assert.equal(run.ended, false);
  stop.abort();
  const result = await run.promise;
  assert.equal(result.reason, 'stopped');
  assert.equal(result.lastCheckpoint?.seq, 2);
  assert.deepEqual(trace(sink).slice(5), ['close']);
  assert.equal(source.readEnd, 'stopped');
});

test('hand-over: rows reach the sink once the source has nothing ready, before their commit', async (t) => {
  const dir = await stateDir(t);
  const more = new Gate();
  const source = new ScriptedSource([
    [create(), boundary(0)],
    [row(1)],
    { hold: more.promise },
    [row(2), boundary(1)],
  ]);
  const sink = new ScriptedSink();
  const run = runPipeline(options(dir, source, sink, { spec: spec({ 'checkpoint.interval': '1h' }) }));
  // row 1's transaction is still open and the batch is far from full: a Kafka sink makes it
  // readable now instead of at the next commit
  await sink.waitFor('row 1 handed over while the source waits', (c) => c.op === 'write', 1000);
  assert.deepEqual(trace(sink), ['open', 'apply db.t create-table', 'flush #1 at 0', 'write db.t:1']);
  more.open();
  await run;
  assert.deepEqual(trace(sink).slice(4), ['write db.t:2', 'flush #2 at 1', 'close']);
});

test('a commit that fails while the runner goes on: the run rejects with its error, nothing later is committed', async (t) => {
  const dir = await stateDir(t);
  const flush2 = new Gate();
  const write2 = new Gate();
  const failure = new TidemarkError('SINK_WRITE', 'disk full');
  const sink = new ScriptedSink({
    respond: (c) => {
      if (isFlush(2)(c)) return flush2.promise;
      if (c.op === 'write' && c.events[0]?.after?.[0] === 2) return write2.promise;
      return undefined;
    },
  });
  const source = new ScriptedSource([
    [create(), boundary(0)],
    [row(1), boundary(1)],
    [row(2), boundary(2), row(3), boundary(3)],
    [row(4), boundary(4)],
  ]);
  const run = runPipeline(
    options(dir, source, sink, { spec: spec({ 'checkpoint.interval': 0 }), writeBatchSize: 1 }),
  );
  await sink.waitFor('the write of row 2', (c) => c.op === 'write' && c.events[0]?.after?.[0] === 2);
  flush2.fail(failure);
  write2.open();
  await assert.rejects(run, (e) => e === failure);
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'flush #1 at 0',
    'write db.t:1',
    'flush #2 at 1',
    'write db.t:2',
    'close',
  ]);
  assert.deepEqual(
    sink.committed.map((cp) => cp.seq),
    [1],
  );
  assert.equal((await saved(dir))?.seq, 1);
  assert.deepEqual(source.calls.at(-1), { op: 'close' });
});

test('a commit that fails while the source is quiet: the run rejects at once, not at its next batch', async (t) => {
  const dir = await stateDir(t);
  const flush2 = new Gate();
  const failure = new TidemarkError('SINK_WRITE', 'disk full');
  const sink = new ScriptedSink({ respond: (c) => (isFlush(2)(c) ? flush2.promise : undefined) });
  const source = new ScriptedSource([[create(), boundary(0)], [row(1), boundary(1)], UNTIL_STOPPED]);
  const stop = new AbortController();
  const run = runPipeline(
    options(dir, source, sink, { spec: spec({ 'checkpoint.interval': '1h' }), signal: stop.signal }),
  );
  await sink.waitFor('the idle commit of boundary 1', isFlush(2));
  flush2.fail(failure);
  try {
    await within(
      2000,
      'the run failing with the commit',
      assert.rejects(run, (e) => e === failure),
    );
  } finally {
    stop.abort(); // a run still waiting for the source is not left behind
  }
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'flush #1 at 0',
    'write db.t:1',
    'flush #2 at 1',
    'close',
  ]);
  assert.equal((await saved(dir))?.seq, 1);
  // the runner closed the source, which ended the read it was holding open
  assert.deepEqual(source.calls.at(-1), { op: 'close' });
  assert.equal(source.readEnd, 'stopped');
});

test('stop inside a source transaction: the last complete one is committed, the partial one is not', async (t) => {
  const dir = await stateDir(t);
  const source = new ScriptedSource([[create(), boundary(0)], [row(1), boundary(1), row(2)], UNTIL_STOPPED]);
  const sink = new ScriptedSink();
  const stop = new AbortController();
  const log = recordingLogger();
  const run = runPipeline(
    options(dir, source, sink, {
      spec: spec({ 'checkpoint.interval': '1h' }),
      signal: stop.signal,
      logger: log.logger,
    }),
  );
  await source.reached(2);
  stop.abort();
  const result = await run;
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'flush #1 at 0',
    'write db.t:1',
    'flush #2 at 1',
    'close',
  ]);
  assert.deepEqual(result, { reason: 'stopped', lastCheckpoint: flushed(sink)[1], rowsWritten: 1 });
  assert.equal((await saved(dir))?.source, 1);
  assert.ok(log.entries.some((e) => e.msg.startsWith('stopping inside a source transaction: committed')));
});

test('a cancel (commitOnStop false): no final commit, the last committed checkpoint stays', async (t) => {
  const dir = await stateDir(t);
  // row 2 opens a transaction: no idle commit of boundary 1 before the stop (a stop would commit it)
  const source = new ScriptedSource([[create(), boundary(0)], [row(1), boundary(1), row(2)], UNTIL_STOPPED]);
  const sink = new ScriptedSink();
  const stop = new AbortController();
  const run = runPipeline(
    options(dir, source, sink, {
      spec: spec({ 'checkpoint.interval': '1h' }),
      signal: stop.signal,
      commitOnStop: () => false,
    }),
  );
  await source.reached(2);
  stop.abort();
  const result = await run;
  assert.equal(result.reason, 'stopped');
  assert.equal(flushed(sink).at(-1)?.source, 0, 'boundary 1 is not committed on a cancel');
  assert.equal((await saved(dir))?.source, 0);
  assert.equal(trace(sink).at(-1), 'close');
});

test('stop inside a source transaction whose rows already reached the sink: the older checkpoint stays', async (t) => {
  const dir = await stateDir(t);
  const source = new ScriptedSource([[create(), boundary(0)], [row(1), boundary(1), row(2)], UNTIL_STOPPED]);
  const sink = new ScriptedSink();
  const stop = new AbortController();
  const log = recordingLogger();
  const run = runPipeline(
    options(dir, source, sink, {
      spec: spec({ 'checkpoint.interval': '1h' }),
      writeBatchSize: 1,
      signal: stop.signal,
      logger: log.logger,
    }),
  );
  await source.reached(2);
  stop.abort();
  const result = await run;
  // flush(#2 at 1) would commit row 2 with it: the transaction is read again on restart instead
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'flush #1 at 0',
    'write db.t:1',
    'write db.t:2',
    'close',
  ]);
  assert.equal(result.reason, 'stopped');
  assert.equal(result.lastCheckpoint?.seq, 1);
  assert.equal((await saved(dir))?.source, 0);
  assert.ok(
    log.entries.some((e) => e.msg.startsWith('stopping inside a source transaction that reached the sink')),
  );
});

test('exitWhenCaughtUp: the run ends with caught-up once the boundary is committed', async (t) => {
  const dir = await stateDir(t);
  const source = new ScriptedSource([
    [create(), boundary(0)],
    [row(1), boundary(1)],
    [CAUGHT_UP],
    [row(2), boundary(2)],
    UNTIL_STOPPED,
  ]);
  const sink = new ScriptedSink();
  const result = await runPipeline(
    options(dir, source, sink, { spec: spec({ 'checkpoint.interval': '1h' }), exitWhenCaughtUp: true }),
  );
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'flush #1 at 0',
    'write db.t:1',
    'flush #2 at 1',
    'close',
  ]);
  assert.deepEqual(result, { reason: 'caught-up', lastCheckpoint: flushed(sink)[1], rowsWritten: 1 });
  assert.equal(source.stepsTaken, 3, 'nothing is read after caught-up');
  assert.equal(source.readEnd, 'returned');
  assert.equal((await saved(dir))?.seq, 2);
});

test('exitWhenCaughtUp inside a transaction: the run ends at the next boundary, committed', async (t) => {
  const dir = await stateDir(t);
  const source = new ScriptedSource([
    [create(), boundary(0)],
    [row(1), CAUGHT_UP, row(2), boundary(2), row(3)],
    [row(4), boundary(4)],
  ]);
  const sink = new ScriptedSink();
  const result = await runPipeline(
    options(dir, source, sink, { spec: spec({ 'checkpoint.interval': '1h' }), exitWhenCaughtUp: true }),
  );
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'flush #1 at 0',
    'write db.t:1 db.t:2',
    'flush #2 at 2',
    'close',
  ]);
  assert.equal(result.reason, 'caught-up');
  assert.equal(result.lastCheckpoint?.source, 2);
  assert.equal(source.stepsTaken, 2);
});

test('without exitWhenCaughtUp the runner reads on after caught-up until stopped', async (t) => {
  const dir = await stateDir(t);
  const source = new ScriptedSource([
    [create(), boundary(0)],
    [row(1), boundary(1)],
    [CAUGHT_UP],
    [row(2), boundary(2)],
    UNTIL_STOPPED,
  ]);
  const sink = new ScriptedSink();
  const stop = new AbortController();
  const run = watch(
    runPipeline(
      options(dir, source, sink, { spec: spec({ 'checkpoint.interval': '1h' }), signal: stop.signal }),
    ),
  );
  await sink.waitFor('the idle commit of boundary 2', isFlush(3));
  assert.equal(run.ended, false);
  stop.abort();
  const result = await run.promise;
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'flush #1 at 0',
    'write db.t:1',
    // caught-up is made durable at once
    'flush #2 at 1',
    'write db.t:2',
    'flush #3 at 2',
    'close',
  ]);
  assert.equal(result.reason, 'stopped');
  assert.equal(result.lastCheckpoint?.seq, 3);
});

test('transforms: the primary-key rewrite and the route reach the sink', async (t) => {
  const dir = await stateDir(t);
  const U = tableId('db', 'u');
  const keyless: TableSchema = { ...SCHEMA, primaryKeys: [] };
  const rules = spec(
    {},
    {
      routes: [{ 'source-table': 'db.t', 'sink-table': 'ods.all_t', 'shard-columns': false }],
      transforms: [{ 'source-table': 'db.t', 'primary-keys': 'v' }],
    },
  );
  const transform = transformOperatorFromSpec(rules);
  assert.ok(transform);
  const source = new ScriptedSource([
    [create(T, keyless), create(U, keyless), boundary(0)],
    [row(1, ['a']), row(7, ['b'], U), boundary(1)],
  ]);
  const sink = new ScriptedSink();
  await runPipeline(options(dir, source, sink, { spec: rules, router: routerFromSpec(rules), transform }));
  const creates = sink.calls.flatMap((c) =>
    c.op === 'apply' ? [{ table: c.table, keys: c.schemaAfter?.primaryKeys }] : [],
  );
  assert.deepEqual(creates, [
    { table: 'ods.all_t', keys: ['v'] },
    { table: 'db.u', keys: [] },
  ]);
  assert.deepEqual(written(sink).map(rowName), ['ods.all_t:1', 'db.u:7']);
  assert.deepEqual(sinkColumns(flushed(sink).at(-1)!, 'ods.all_t'), ['id', 'v']);
  assert.equal(sinkColumns(flushed(sink).at(-1)!, 'db.t'), undefined);
});

test('resume: the next run reads from the source state of the last committed checkpoint', async (t) => {
  const dir = await stateDir(t);
  const first = new ScriptedSource([
    [create(), boundary(0)],
    [row(1), boundary(1)],
  ]);
  const r1 = await runPipeline(
    options(dir, first, new ScriptedSink(), { spec: spec({ 'checkpoint.interval': '1h' }) }),
  );
  assert.deepEqual(first.calls[1], { op: 'read', restoredState: undefined });
  assert.equal(r1.lastCheckpoint?.source, 1);

  const second = new ScriptedSource([[create(), row(2), boundary(2)]]);
  const sink = new ScriptedSink();
  let resumedFrom: Checkpoint | undefined;
  const r2 = await runPipeline(
    options(dir, second, sink, {
      spec: spec({ 'checkpoint.interval': '1h' }),
      onStart: (info) => (resumedFrom = info.resumedFrom),
    }),
  );
  assert.deepEqual(second.calls[1], { op: 'read', restoredState: 1 });
  assert.deepEqual(resumedFrom, r1.lastCheckpoint);
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'write db.t:2',
    `flush #${(r1.lastCheckpoint?.seq ?? 0) + 1} at 2`,
    'close',
  ]);
  assert.deepEqual(r2.lastCheckpoint, await saved(dir));
});

test('checkpoints only at boundaries: no saved checkpoint covers a row after its boundary', async (t) => {
  const script: SourceStep[] = [
    [create(), boundary(0)],
    [row(1), row(2)],
    [row(3), boundary(1), row(4)],
    [boundary(2), row(5), row(6), row(7)],
    [row(8), boundary(3), row(9), row(10)],
  ];
  const rowsBefore = new Map<number, string[]>([
    [0, []],
    [1, ['db.t:1', 'db.t:2', 'db.t:3']],
    [2, ['db.t:1', 'db.t:2', 'db.t:3', 'db.t:4']],
    [3, ['db.t:1', 'db.t:2', 'db.t:3', 'db.t:4', 'db.t:5', 'db.t:6', 'db.t:7', 'db.t:8']],
  ]);
  const cases = [
    { interval: 0, writeBatchSize: 1, boundaries: [0, 1, 2, 3] },
    { interval: 0, writeBatchSize: 2, boundaries: [0, 1, 2, 3] },
    { interval: 0, writeBatchSize: 4096, boundaries: [0, 1, 2, 3] },
    // rows 9 and 10 never reach the sink: boundary 3 is committed at the end without them
    { interval: '1h', writeBatchSize: 4096, boundaries: [0, 3] },
    // rows 9 and 10 reached the sink before the end: boundary 3 cannot be committed without them
    { interval: '1h', writeBatchSize: 1, boundaries: [0] },
    { interval: '1h', writeBatchSize: 2, boundaries: [0] },
  ];
  for (const c of cases) {
    const name = `interval ${c.interval}, writeBatchSize ${c.writeBatchSize}`;
    const dir = await stateDir(t);
    const sink = new ScriptedSink();
    const result = await runPipeline(
      options(dir, new ScriptedSource(script), sink, {
        spec: spec({ 'checkpoint.interval': c.interval }),
        writeBatchSize: c.writeBatchSize,
      }),
    );
    const sofar: string[] = [];
    for (const call of sink.calls) {
      if (call.op === 'write') sofar.push(...call.events.map(rowName));
      if (call.op !== 'flush') continue;
      const state = call.checkpoint.source as number;
      assert.deepEqual(sofar, rowsBefore.get(state), `${name}: the rows under checkpoint at ${state}`);
    }
    assert.deepEqual(
      flushed(sink).map((cp) => cp.source),
      c.boundaries,
      name,
    );
    assert.deepEqual(await saved(dir), result.lastCheckpoint, name);
    assert.equal(result.lastCheckpoint?.source, c.boundaries.at(-1), name);
  }
});

test('try_evolve: a change the sink refuses is skipped, rows keep the schema the sink table kept', async (t) => {
  const dir = await stateDir(t);
  const sink = new ScriptedSink({
    respond: (c) =>
      c.op === 'apply' && c.change.type === 'add-column'
        ? Promise.reject(new SchemaChangeRefusedError('cannot add w'))
        : undefined,
  });
  const source = new ScriptedSource([
    [create(), boundary(0)],
    [row(1), boundary(1), addColumn('w'), row(2, ['b', 20]), boundary(2)],
  ]);
  const log = recordingLogger();
  const result = await runPipeline(
    options(dir, source, sink, {
      spec: spec({ 'checkpoint.interval': '1h', 'schema.change.behavior': 'try_evolve' }),
      logger: log.logger,
    }),
  );
  assert.deepEqual(trace(sink), [
    'open',
    'apply db.t create-table',
    'flush #1 at 0',
    'write db.t:1',
    'flush #2 at 1',
    'apply db.t add-column',
    'write db.t:2',
    'flush #3 at 2',
    'close',
  ]);
  assert.deepEqual(written(sink)[1]?.after, [2, 'b']);
  assert.deepEqual(sinkColumns(flushed(sink)[2]!, 'db.t'), ['id', 'v']);
  assert.equal(result.reason, 'source-ended');
  const warning = log.entries.find((e) => e.level === 'warn');
  assert.equal(warning?.msg, 'schema change refused by the sink and skipped (try_evolve)');
  assert.deepEqual(warning?.fields, {
    table: 'db.t',
    change: 'add-column',
    error: 'cannot add w',
  });
});

test('a refused change under evolve, any other sink error under try_evolve: the run fails', async (t) => {
  const cases = [
    { behavior: 'evolve', error: new SchemaChangeRefusedError('cannot add w') },
    { behavior: 'try_evolve', error: new TidemarkError('SINK_SCHEMA', 'the sink failed') },
  ];
  for (const c of cases) {
    const dir = await stateDir(t);
    const sink = new ScriptedSink({
      respond: (call) =>
        call.op === 'apply' && call.change.type === 'add-column' ? Promise.reject(c.error) : undefined,
    });
    const source = new ScriptedSource([
      [create(), boundary(0)],
      [row(1), boundary(1), addColumn('w'), row(2, ['b', 20]), boundary(2)],
    ]);
    const run = runPipeline(
      options(dir, source, sink, {
        spec: spec({ 'checkpoint.interval': '1h', 'schema.change.behavior': c.behavior }),
      }),
    );
    await assert.rejects(run, (e) => e === c.error, c.behavior);
    assert.deepEqual(
      trace(sink),
      [
        'open',
        'apply db.t create-table',
        'flush #1 at 0',
        'write db.t:1',
        'flush #2 at 1',
        'apply db.t add-column',
        'close',
      ],
      c.behavior,
    );
    // the commit before the DDL was in flight: it ends (and is saved) before the sink closes
    assert.equal((await saved(dir))?.seq, 2, c.behavior);
    assert.deepEqual(source.calls.at(-1), { op: 'close' }, c.behavior);
  }
});

test('a source that fails: the commit in flight ends before the sink closes, the run rejects', async (t) => {
  const dir = await stateDir(t);
  const flush2 = new Gate();
  const failure = new TidemarkError('SOURCE_BINLOG_READ', 'connection lost');
  const sink = new ScriptedSink({ respond: (c) => (isFlush(2)(c) ? flush2.promise : undefined) });
  const source = new ScriptedSource([[create(), boundary(0)], [row(1), boundary(1)], { fail: failure }]);
  const run = watch(runPipeline(options(dir, source, sink, { spec: spec({ 'checkpoint.interval': 0 }) })));
  await source.reached(2);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(run.ended, false, 'the run waits for the commit in flight');
  assert.equal(sink.calls.at(-1)?.op, 'flush');
  flush2.open();
  await assert.rejects(run.promise, (e) => e === failure);
  assert.deepEqual(trace(sink).slice(-2), ['flush #2 at 1', 'close']);
  assert.equal((await saved(dir))?.seq, 2);
  assert.equal(source.readEnd, 'failed');
  assert.deepEqual(source.calls.at(-1), { op: 'close' });
});

test('a new pipeline whose source has no table is refused before the sink is opened', async (t) => {
  const dir = await stateDir(t);
  const source = new ScriptedSource([], { noTables: 'no table matches db.nothing' });
  const sink = new ScriptedSink();
  await assert.rejects(runPipeline(options(dir, source, sink)), (e) => {
    assert.ok(e instanceof TidemarkError);
    assert.equal(e.code, 'SOURCE_NO_TABLES');
    assert.equal(e.message, 'no table matches db.nothing');
    return true;
  });
  assert.deepEqual(sink.calls, []);
  assert.deepEqual(source.calls, [{ op: 'open' }, { op: 'close' }]);
});

test('checkpointDurable: the source hears of each checkpoint once the sink committed it, in order', async (t) => {
  const dir = await stateDir(t);
  const durable: unknown[] = [];
  const source = Object.assign(
    new ScriptedSource([[create(), boundary(0)], [row(1), boundary(1)], [row(2), boundary(2)], [CAUGHT_UP]]),
    {
      checkpointDurable: (state: unknown) => {
        // by then the sink flushed it
        assert.ok(flushed(sink).some((cp) => cp.source === state));
        durable.push(state);
      },
    },
  );
  const sink = new ScriptedSink();
  await runPipeline(
    options(dir, source, sink, { spec: spec({ 'checkpoint.interval': '1h' }), exitWhenCaughtUp: true }),
  );
  assert.deepEqual(
    durable,
    flushed(sink).map((cp) => cp.source),
  );
  assert.ok(durable.length >= 2);
});

test('a batch the runner has handled is not kept: a long run does not grow with what it read', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const dir = await stateDir(t);
  let first: WeakRef<object> | undefined;
  let kept: boolean | undefined;
  const source: Source = {
    open: () => Promise.resolve({ tables: [T] }),
    async *read() {
      yield [create(), boundary(0)];
      for (let i = 1; i <= 50; i++) {
        const batch = [row(i), boundary(i)];
        first ??= new WeakRef(batch);
        if (i === 50) {
          // the runner waited for each batch racing a commit failure: that race must not keep them
          await new Promise((resolve) => setImmediate(resolve));
          gc();
          kept = first.deref() !== undefined;
        }
        yield batch;
      }
      yield [CAUGHT_UP];
    },
    close: () => Promise.resolve(),
  };
  await runPipeline(options(dir, source, new ScriptedSink(), { exitWhenCaughtUp: true }));
  assert.equal(kept, false, 'the first batch is still reachable after 49 more');
});

test('a sink that fails: the source read is ended (its finally blocks run) before the source is closed', async (t) => {
  const dir = await stateDir(t);
  const failure = new TidemarkError('SINK_WRITE', 'disk full');
  const sink = new ScriptedSink({ respond: (c) => (c.op === 'write' ? Promise.reject(failure) : undefined) });
  const source = new ScriptedSource([
    [create(), boundary(0)],
    [row(1), boundary(1)],
    [row(2), boundary(2)],
  ]);
  let endedBeforeClose: string | undefined;
  const close = source.close.bind(source);
  source.close = () => {
    endedBeforeClose = source.readEnd;
    return close();
  };
  await assert.rejects(
    // a batch of one row: the write fails while the runner handles the source's second batch
    runPipeline(
      options(dir, source, sink, { spec: spec({ 'checkpoint.interval': '1h' }), writeBatchSize: 1 }),
    ),
    (e) => e === failure,
  );
  assert.equal(endedBeforeClose, 'returned');
  assert.deepEqual(source.calls.at(-1), { op: 'close' });
});

test('a source whose read throws as it ends after a sink failure: the run rejects with the sink error, logs the other', async (t) => {
  const dir = await stateDir(t);
  const failure = new TidemarkError('SINK_WRITE', 'disk full');
  const sink = new ScriptedSink({ respond: (c) => (c.op === 'write' ? Promise.reject(failure) : undefined) });
  const { logger, entries } = recordingLogger();
  let closed = false;
  let stopped = false;
  const source: Source = {
    open: (ctx) => {
      ctx.signal.addEventListener('abort', () => (stopped = true), { once: true });
      return Promise.resolve({ tables: [T] });
    },
    async *read() {
      try {
        yield [create(), boundary(0), row(1), boundary(1)];
        yield [row(2), boundary(2)];
      } finally {
        await Promise.resolve(); // closing a connection
        // eslint-disable-next-line no-unsafe-finally
        throw new Error('the binlog connection would not close');
      }
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
  await assert.rejects(
    runPipeline(
      options(dir, source, sink, { logger, spec: spec({ 'checkpoint.interval': '1h' }), writeBatchSize: 1 }),
    ),
    (e) => e === failure,
  );
  assert.ok(stopped, "the source's signal told it to stop");
  assert.ok(closed);
  assert.ok(
    entries.some(
      (e) =>
        e.msg === 'the source did not end its reading cleanly' &&
        String(e.fields.error).includes('would not close'),
    ),
  );
});

test('a component whose open() fails is closed too (it may hold part of what it opened), with the open error', async (t) => {
  const dir = await stateDir(t);
  const refused = new TidemarkError('SINK_OPEN', 'the transactional id is fenced');
  const sink = new ScriptedSink({ respond: (c) => (c.op === 'open' ? Promise.reject(refused) : undefined) });
  const source = new ScriptedSource([[create(), boundary(0)]], { tables: [T] });
  await assert.rejects(runPipeline(options(dir, source, sink)), (e) => e === refused);
  assert.deepEqual(trace(sink), ['open', 'close']);
  assert.deepEqual(source.calls, [{ op: 'open' }, { op: 'close' }], 'never read');

  const unreachable = new TidemarkError('SOURCE_CONNECT', 'the broker is unreachable');
  let closed = 0;
  const failing: Source = {
    open: () => Promise.reject(unreachable),
    read: () => {
      throw new Error('not to be read');
    },
    close: () => {
      closed++;
      return Promise.reject(new Error('nothing to close'));
    },
  };
  const untouched = new ScriptedSink();
  const { logger, entries } = recordingLogger();
  await assert.rejects(runPipeline(options(dir, failing, untouched, { logger })), (e) => e === unreachable);
  assert.equal(closed, 1);
  assert.deepEqual(untouched.calls, []);
  assert.ok(entries.some((e) => e.msg === 'source close failed'));
});
