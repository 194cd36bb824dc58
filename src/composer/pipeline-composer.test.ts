// The composer with scripted components (fakes of tidemark's own Source and Sink interfaces):
// two pipelines in one process keep their own state, status follows the run, stop() is clean.
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
import { ResourceLedger } from '../runtime/resource-ledger.js';
import { ALL_SCHEMA_CHANGE_TYPES, type Sink } from '../runtime/sink.js';
import type { Source, SourceContext, SourceRecord } from '../runtime/source.js';
import { composePipeline } from './pipeline-composer.js';

const t = tableId('db', 't');
const meta = { tsMs: 0 };

/** Emits `rows` inserts (one transaction each), then caught-up; or waits for the stop. */
class ScriptedSource implements Source {
  private signal: AbortSignal | undefined;
  constructor(
    private readonly rows: number,
    private readonly hold = false,
  ) {}
  open(ctx: SourceContext) {
    this.signal = ctx.signal;
    return Promise.resolve({ tables: [t], endpoint: 'script' });
  }
  async *read(restored: JsonValue | undefined): AsyncIterable<readonly SourceRecord[]> {
    const from = typeof restored === 'number' ? restored : 0;
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
    for (let i = from; i < this.rows; i++) {
      yield [
        { kind: 'data', tableId: t, op: 'insert', before: null, after: [i], meta },
        { kind: 'checkpoint', state: i + 1 },
      ];
    }
    yield [{ kind: 'caught-up' }];
    const signal = this.signal;
    if (this.hold && signal && !signal.aborted)
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }
  close() {
    return Promise.resolve();
  }
}

class MemorySink implements Sink {
  readonly transactional = false;
  readonly schemaCapabilities = { applies: ALL_SCHEMA_CHANGE_TYPES, columnPositions: true };
  readonly rows: DataChangeEvent[] = [];
  constructor(readonly target: string) {}
  open() {
    return Promise.resolve();
  }
  committedCheckpoint(): Promise<Checkpoint | undefined> {
    return Promise.resolve(undefined);
  }
  isEmpty() {
    return Promise.resolve(this.rows.length === 0);
  }
  applySchemaChange() {
    return Promise.resolve();
  }
  write(events: readonly DataChangeEvent[]) {
    this.rows.push(...events);
    return Promise.resolve();
  }
  flush() {
    return Promise.resolve();
  }
  close() {
    return Promise.resolve();
  }
}

const sinks = new Map<string, MemorySink>();
const rowsSchema = z.strictObject({
  rows: z.coerce.number(),
  hold: z.boolean().default(false),
  password: z.string().optional().meta({ secret: true }),
});
const nameSchema = z.strictObject({ id: z.string() });
const registry = new ComponentRegistry()
  .registerSource(
    defineSource({
      type: 'script',
      description: 'scripted rows',
      options: rowsSchema,
      create: (o) => Promise.resolve(new ScriptedSource(o.rows, o.hold)),
    }),
  )
  .registerSink(
    defineSink({
      type: 'memory',
      description: 'rows in memory',
      options: nameSchema,
      claims: (o) => [{ kind: 'memory', key: o.id, description: `the memory sink ${o.id}` }],
      create: (o) => {
        const s = new MemorySink(`memory ${o.id}`);
        sinks.set(o.id, s);
        return Promise.resolve(s);
      },
    }),
  )

  .registerSink(
    defineSink({
      type: 'unreachable',
      description: 'a sink whose creation fails',
      options: nameSchema,
      create: (o) => Promise.reject(new TidemarkError('SINK_OPEN', `sink ${o.id} is unreachable`)),
    }),
  );

const spec = (name: string, rows: number, password: string) =>
  loadPipelineYaml(
    `source:\n  type: script\n  rows: ${rows}\n  password: ${password}\nsink:\n  type: memory\n  id: ${name}\npipeline:\n  name: ${name}\n`,
    `${name}.yaml`,
    { catalog: registry, variables: { lookup: () => undefined } },
  );

test('two composed pipelines in one process: own rows, own checkpoints, own secrets, status', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tidemark-composer-'));
  const log = { write: () => undefined };
  const a = await composePipeline(spec('a', 3, 'secret-a'), registry, {
    stateDir,
    log,
    exitWhenCaughtUp: true,
  });
  const b = await composePipeline(spec('b', 5, 'secret-b'), registry, {
    stateDir,
    log,
    exitWhenCaughtUp: true,
  });
  assert.equal(a.status().state, 'created');
  const [ra, rb] = await Promise.all([a.run(), b.run()]);
  assert.deepEqual([ra.reason, ra.rowsWritten, rb.rowsWritten], ['caught-up', 3, 5]);
  assert.deepEqual(a.secrets, ['secret-a']);
  assert.deepEqual(b.secrets, ['secret-b']);
  assert.deepEqual(
    sinks.get('a')!.rows.map((e) => e.after![0]),
    [0, 1, 2],
  );
  const sb = b.status();
  assert.equal(sb.state, 'stopped');
  assert.deepEqual(sb.tables, ['db.t']);
  assert.equal(sb.rowsWritten, 5);
  assert.ok((sb.lastCheckpoint ?? 0) >= 1);
  await assert.rejects(a.run(), /run twice/);

  // resumed from its own checkpoint: nothing is read again
  const again = await composePipeline(spec('a', 4, 'secret-a'), registry, {
    stateDir,
    log,
    exitWhenCaughtUp: true,
  });
  const r = await again.run();
  assert.equal(r.rowsWritten, 1);
  assert.equal(again.status().resumedFrom, ra.lastCheckpoint!.seq);
});

test('stop() before the end: a clean stop with status stopped', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tidemark-composer-'));
  const p = await composePipeline(spec('c', 2, 'xyz'), registry, {
    stateDir,
    log: { write: () => undefined },
  });
  assert.equal(await p.stop(), undefined, 'never run: no savepoint');
  const r = await p.run();
  assert.equal(r.reason, 'stopped');
  assert.equal(p.status().state, 'stopped');
});

test('a resource two pipelines of one process would share is refused until the first ends', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tidemark-composer-'));
  const resources = new ResourceLedger();
  const log = { write: () => undefined };
  const shared = (name: string) =>
    loadPipelineYaml(
      `source:\n  type: script\n  rows: 2\nsink:\n  type: memory\n  id: shared\npipeline:\n  name: ${name}\n`,
      `${name}.yaml`,
      { catalog: registry, variables: { lookup: () => undefined } },
    );
  const first = await composePipeline(shared('first'), registry, {
    stateDir,
    log,
    resources,
    exitWhenCaughtUp: true,
  });
  await assert.rejects(
    composePipeline(shared('second'), registry, { stateDir, log, resources }),
    (e: unknown) =>
      e instanceof TidemarkError &&
      e.code === 'RESOURCE_IN_USE' &&
      /pipeline second cannot use the memory sink shared: pipeline first/.test(e.message),
  );
  await first.run();
  // the first run ended: its claim is gone
  const second = await composePipeline(shared('second'), registry, { stateDir, log, resources });
  await second.stop();
  await second.run();
});

test('stop() returns the savepoint; metrics hooks see checkpoints and the end', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tidemark-composer-'));
  const committed: { seq: number; rowsCommitted: number }[] = [];
  const ended: string[] = [];
  const p = await composePipeline(
    loadPipelineYaml(
      'source:\n  type: script\n  rows: 4\n  hold: true\nsink:\n  type: memory\n  id: sp\npipeline:\n  name: sp\n',
      'sp.yaml',
      { catalog: registry, variables: { lookup: () => undefined } },
    ),
    registry,
    {
      stateDir,
      log: { write: () => undefined },
      metrics: {
        checkpointCommitted: (m) => committed.push({ seq: m.seq, rowsCommitted: m.rowsCommitted }),
        ended: (m) => ended.push(m.state),
      },
    },
  );
  const run = p.run();
  // caught up and held open: wait for the last row's checkpoint
  for (let i = 0; i < 200 && committed.at(-1)?.rowsCommitted !== 4; i++)
    await new Promise((r) => setTimeout(r, 10));
  const savepoint = await p.stop();
  const result = await run;
  assert.equal(result.reason, 'stopped');
  assert.equal(savepoint?.source, 4, 'the savepoint is the checkpoint after the last row');
  assert.equal(savepoint?.seq, committed.at(-1)?.seq);
  assert.equal(p.status().lastCheckpoint, savepoint?.seq);
  assert.equal(committed.at(-1)?.rowsCommitted, 4);
  assert.deepEqual(ended, ['stopped']);
});

/**
 * A pipeline in a new directory whose transform calls the user function `tag` of udf.mjs; the
 * function object logs its open() and close() calls (and fails its close with `failClose`) in
 * `globalThis[<the directory>]`.
 */
function udfPipeline(name: string, sink = 'memory', failClose = false, hold = false) {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-composer-udf-'));
  writeFileSync(
    join(dir, 'udf.mjs'),
    `const log = (globalThis[${JSON.stringify(dir)}] ??= []);
export const tag = {
  returnType: 'INT',
  open() { log.push('open'); },
  eval(x) { return x; },
  async close() { await new Promise((r) => setTimeout(r, 30)); log.push('close'); ${failClose ? "throw new Error('cannot close');" : ''} },
};
`,
  );
  const yaml =
    `source:\n  type: script\n  rows: 2\n  hold: ${hold}\nsink:\n  type: ${sink}\n  id: ${name}\n` +
    `transform:\n  - source-table: db.t\n    projection: id, tag(id) AS t\n` +
    `pipeline:\n  name: ${name}\n  user-defined-function:\n    - name: tag\n      classpath: udf.mjs\n`;
  const loaded = loadPipelineYaml(yaml, join(dir, 'p.yaml'), {
    catalog: registry,
    variables: { lookup: () => undefined },
  });
  const calls = (): unknown => (globalThis as Record<string, unknown>)[dir];
  return { spec: loaded, stateDir: join(dir, 'state'), calls };
}

test('user functions: close() once when the pipeline ends, when stopped before its run, when it is not made', async () => {
  const ran = udfPipeline('udf-ran');
  const p = await composePipeline(ran.spec, registry, {
    stateDir: ran.stateDir,
    log: { write: () => undefined },
    exitWhenCaughtUp: true,
  });
  assert.deepEqual(ran.calls(), ['open'], 'opened before the run');
  await p.run();
  assert.deepEqual(ran.calls(), ['open', 'close']);
  await p.stop();
  assert.deepEqual(ran.calls(), ['open', 'close'], 'closed once');

  const stopped = udfPipeline('udf-stopped');
  const q = await composePipeline(stopped.spec, registry, {
    stateDir: stopped.stateDir,
    log: { write: () => undefined },
  });
  await q.stop();
  assert.deepEqual(stopped.calls(), ['open', 'close']);

  // stopped while it runs: stop() resolves once they are closed
  const running = udfPipeline('udf-running', 'memory', false, true);
  const r = await composePipeline(running.spec, registry, {
    stateDir: running.stateDir,
    log: { write: () => undefined },
  });
  let caughtUp!: () => void;
  const reading = new Promise<void>((resolve) => (caughtUp = resolve));
  const run = r.run();
  const timer = setInterval(() => (r.status().lastCheckpoint !== undefined ? caughtUp() : undefined), 5);
  await reading;
  clearInterval(timer);
  await r.stop();
  assert.deepEqual(running.calls(), ['open', 'close']);
  await run;
  assert.deepEqual(running.calls(), ['open', 'close']);

  const unmade = udfPipeline('udf-unmade', 'unreachable');
  await assert.rejects(
    composePipeline(unmade.spec, registry, { stateDir: unmade.stateDir, log: { write: () => undefined } }),
    /unreachable/,
  );
  assert.deepEqual(unmade.calls(), ['open', 'close']);
});

test('a user function whose close() fails: logged, the run keeps its result', async () => {
  const f = udfPipeline('udf-close-fails', 'memory', true);
  const lines: string[] = [];
  const p = await composePipeline(f.spec, registry, {
    stateDir: f.stateDir,
    log: { write: (line) => lines.push(line) },
    exitWhenCaughtUp: true,
  });
  const r = await p.run();
  assert.equal(r.reason, 'caught-up');
  assert.deepEqual(f.calls(), ['open', 'close']);
  assert.ok(
    lines.some((l) => l.includes('a user function failed to close') && l.includes('cannot close')),
    lines.join('\n'),
  );
});

test('a TypeScript user function loads, for every pipeline of the process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-composer-udf-ts-'));
  writeFileSync(
    join(dir, 'udf.ts'),
    `interface Seen { readonly calls: number }\nexport function twice(x: number | null): number | null {\n  const s: Seen = { calls: 1 };\n  return x === null ? null : x * 2 * s.calls;\n}\n`,
  );
  for (const name of ['udf-ts-a', 'udf-ts-b']) {
    const spec = loadPipelineYaml(
      `source:\n  type: script\n  rows: 2\nsink:\n  type: memory\n  id: ${name}\n` +
        `transform:\n  - source-table: db.t\n    projection: id, twice(id) AS t\n` +
        `pipeline:\n  name: ${name}\n  user-defined-function:\n    - name: twice\n      classpath: udf.ts\n      return-type: INT\n`,
      join(dir, `${name}.yaml`),
      { catalog: registry, variables: { lookup: () => undefined } },
    );
    const p = await composePipeline(spec, registry, {
      stateDir: join(dir, name),
      log: { write: () => undefined },
      exitWhenCaughtUp: true,
    });
    await p.run();
    await p.stop();
    assert.deepEqual(
      sinks.get(name)!.rows.map((e) => e.after),
      [
        [0, 0],
        [1, 2],
      ],
    );
  }
});

test('a user function class: every pipeline of the process gets an instance of its own', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-composer-udf-class-'));
  writeFileSync(
    join(dir, 'udf.mjs'),
    `const log = (globalThis[${JSON.stringify(dir)}] ??= []);
let made = 0;
export class Tag {
  returnType = 'INT';
  id = ++made;
  open() { log.push('open ' + this.id); }
  eval(x) { return x + this.id * 0; }
  close() { log.push('close ' + this.id); }
}
`,
  );
  const spec = (name: string) =>
    loadPipelineYaml(
      `source:\n  type: script\n  rows: 2\nsink:\n  type: memory\n  id: ${name}\n` +
        `transform:\n  - source-table: db.t\n    projection: id, tag(id) AS t\n` +
        `pipeline:\n  name: ${name}\n  user-defined-function:\n    - name: tag\n      classpath: udf.mjs#Tag\n`,
      join(dir, `${name}.yaml`),
      { catalog: registry, variables: { lookup: () => undefined } },
    );
  const opts = (name: string) => ({ stateDir: join(dir, name), log: { write: () => undefined } });
  const a = await composePipeline(spec('udf-class-a'), registry, opts('a'));
  const b = await composePipeline(spec('udf-class-b'), registry, opts('b'));
  const calls = (): unknown => (globalThis as Record<string, unknown>)[dir];
  assert.deepEqual(calls(), ['open 1', 'open 2']);
  await a.stop();
  assert.deepEqual(calls(), ['open 1', 'open 2', 'close 1'], 'b keeps its open instance');
  await b.stop();
  assert.deepEqual(calls(), ['open 1', 'open 2', 'close 1', 'close 2']);
});
