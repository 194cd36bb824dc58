/**
 * The sink conformance suite (test-only, like scripted-components.ts): what every sink promises
 * the runner (sink.ts), checked against the real sink. A connector's tests call
 * `sinkConformanceSuite` with a harness that makes fresh targets and reads their rows back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataChangeEvent, Row, SchemaChange } from '../event/change-event.js';
import type { ColumnType } from '../event/column-type.js';
import { applySchemaChange } from '../event/schema-change.js';
import { tableId, type TableId, type TableSchema } from '../event/table-schema.js';
import { CHECKPOINT_FORMAT, type Checkpoint } from './checkpoint.js';
import type { Sink } from './sink.js';

/** One place a sink writes to (a database file, a schema), fresh for each test. */
export interface SinkTarget {
  /** A new sink instance on this target, opened for `pipelineName`. */
  open(pipelineName: string): Promise<Sink>;
  /**
   * The rows of a table, each value as text (null for NULL), in the given columns' order, in any
   * order; undefined when the table does not exist. Called while no sink of the target is open.
   */
  rows(table: TableId, columns: readonly string[]): Promise<(string | null)[][] | undefined>;
  dispose(): Promise<void>;
}

export interface SinkHarness {
  /** Names the tests, e.g. `duckdb`. */
  readonly name: string;
  newTarget(): Promise<SinkTarget>;
  /**
   * True for a sink whose messages hold whole rows (Kafka): a partial row image is refused with an
   * error that says so, instead of merged with the row it has.
   */
  readonly refusesPartialImages?: boolean;
  /**
   * True for a sink that appends messages (Kafka): schema changes shape the messages after them,
   * never those written before (a renamed column keeps its old name there).
   */
  readonly messageLog?: boolean;
  /** True for a sink that refuses tables without primary key (upsert-kafka): no append table. */
  readonly requiresPrimaryKey?: boolean;
}

const INT: ColumnType = { kind: 'integer', bytes: 4, unsigned: false };
const TEXT: ColumnType = { kind: 'string', length: 100 };
const keyed = tableId('conf_db', 'keyed');
const appended = tableId('conf_db', 'appended');
const keyedSchema: TableSchema = {
  columns: [
    { name: 'id', type: INT, nullable: false },
    { name: 'v', type: TEXT, nullable: true },
    { name: 'n', type: INT, nullable: true },
  ],
  primaryKeys: ['id'],
};
const appendSchema: TableSchema = { columns: keyedSchema.columns, primaryKeys: [] };
const PIPELINE = 'conformance';

const ev = (
  id: TableId,
  op: DataChangeEvent['op'],
  before: Row | null,
  after: Row | null,
): DataChangeEvent => ({
  kind: 'data',
  tableId: id,
  op,
  before,
  after,
  meta: { tsMs: 0 },
});
const ins = (id: TableId, after: Row) => ev(id, 'insert', null, after);
const upd = (id: TableId, before: Row, after: Row) => ev(id, 'update', before, after);
const del = (id: TableId, before: Row) => ev(id, 'delete', before, null);

function checkpoint(seq: number): Checkpoint {
  return {
    format: CHECKPOINT_FORMAT,
    seq,
    pipeline: PIPELINE,
    source: { position: seq },
    runtime: {},
    createdAt: 1_700_000_000_000 + seq,
  };
}

async function create(sink: Sink, id: TableId, schema: TableSchema): Promise<void> {
  await sink.applySchemaChange(id, { type: 'create-table', schema }, schema);
}

async function change(sink: Sink, id: TableId, before: TableSchema, c: SchemaChange): Promise<TableSchema> {
  const after = applySchemaChange(before, c)!;
  await sink.applySchemaChange(id, c, after);
  return after;
}

/** Opens a sink on a fresh target, runs `body`, closes the sink and disposes the target. */
async function withTarget(
  harness: SinkHarness,
  body: (target: SinkTarget, sink: Sink) => Promise<void>,
): Promise<void> {
  const target = await harness.newTarget();
  let sink: Sink | undefined;
  try {
    sink = await target.open(PIPELINE);
    await body(target, sink);
  } finally {
    await sink?.close().catch(() => undefined);
    await target.dispose();
  }
}

/** The rows of a table of the target, sorted (by their text). */
async function sortedRows(target: SinkTarget, id: TableId, columns: readonly string[]) {
  const rows = await target.rows(id, columns);
  return rows?.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** Closes `sink` and reads a table of its target. */
async function rowsAfterClose(target: SinkTarget, sink: Sink, id: TableId, columns = ['id', 'v', 'n']) {
  await sink.close();
  return sortedRows(target, id, columns);
}

/** Registers the conformance tests of one sink. */
export function sinkConformanceSuite(harness: SinkHarness): void {
  schemaChangeCases(harness);
  rowCases(harness);
  durabilityCases(harness);
}

const testName = (harness: SinkHarness, what: string): string => `${harness.name} sink conformance: ${what}`;

function schemaChangeCases(harness: SinkHarness): void {
  const name = (what: string): string => testName(harness, what);

  test(name('a replayed create-table is harmless and completes the columns'), () =>
    withTarget(harness, async (target, sink) => {
      await create(sink, keyed, keyedSchema);
      await sink.write([ins(keyed, [1, 'a', 10])]);
      await sink.flush(checkpoint(1));
      await create(sink, keyed, keyedSchema);
      const wider: TableSchema = {
        ...keyedSchema,
        columns: [...keyedSchema.columns, { name: 'extra', type: TEXT, nullable: true }],
      };
      await create(sink, keyed, wider);
      await sink.write([ins(keyed, [2, 'b', 20, 'x'])]);
      await sink.flush(checkpoint(2));
      assert.deepEqual(await rowsAfterClose(target, sink, keyed, ['id', 'v', 'n', 'extra']), [
        ['1', 'a', '10', null],
        ['2', 'b', '20', 'x'],
      ]);
    }),
  );

  test(name('replayed DDL is harmless: each change applied twice leaves the table as once'), () =>
    withTarget(harness, async (target, sink) => {
      await create(sink, keyed, keyedSchema);
      await sink.write([ins(keyed, [1, 'a', 10])]);
      let schema = keyedSchema;
      const changes: SchemaChange[] = [
        {
          type: 'add-column',
          columns: [{ column: { name: 'w', type: TEXT, nullable: true }, position: { kind: 'last' } }],
        },
        { type: 'rename-column', renames: [{ from: 'v', to: 'v2' }] },
        { type: 'drop-column', columns: ['n'] },
      ];
      for (const c of changes) {
        const after = await change(sink, keyed, schema, c);
        // the replay after a crash: the same change, given the schema after it
        await sink.applySchemaChange(keyed, c, after);
        schema = after;
      }
      await sink.write([ins(keyed, [2, 'b', 'w2'])]);
      await sink.flush(checkpoint(1));
      const rows = await rowsAfterClose(target, sink, keyed, ['id', 'v2', 'w']);
      // a log keeps its messages as written: row 1 keeps the column name `v` it was written with
      if (harness.messageLog) assert.deepEqual(rows?.[1], ['2', 'b', 'w2']);
      else
        assert.deepEqual(rows, [
          ['1', 'a', null],
          ['2', 'b', 'w2'],
        ]);
    }),
  );
}

function rowCases(harness: SinkHarness): void {
  const name = (what: string): string => testName(harness, what);
  test(name('updates that move the key, deletes and re-inserts within and across batches'), () =>
    withTarget(harness, async (target, sink) => {
      await create(sink, keyed, keyedSchema);
      await sink.write([ins(keyed, [1, 'a', 1]), ins(keyed, [2, 'b', 2]), ins(keyed, [3, 'c', 3])]);
      await sink.flush(checkpoint(1));
      await sink.write([
        upd(keyed, [1, 'a', 1], [10, 'a', 1]), // committed key moves
        ins(keyed, [4, 'd', 4]),
        upd(keyed, [4, 'd', 4], [5, 'd', 5]), // buffered key moves
        del(keyed, [2, 'b', 2]),
        ins(keyed, [2, 'b again', 22]),
        upd(keyed, [3, 'c', 3], [1, 'c', 3]), // onto the key that moved away
      ]);
      await sink.flush(checkpoint(2));
      assert.deepEqual(await rowsAfterClose(target, sink, keyed), [
        ['1', 'c', '3'],
        ['10', 'a', '1'],
        ['2', 'b again', '22'],
        ['5', 'd', '5'],
      ]);
    }),
  );

  test(name('partial images (MINIMAL row image) keep the values they lack'), () =>
    withTarget(harness, async (target, sink) => {
      await create(sink, keyed, keyedSchema);
      await sink.write([ins(keyed, [1, 'a', 10]), ins(keyed, [2, 'b', 20])]);
      await sink.flush(checkpoint(1));
      const partial = [
        upd(keyed, [1, undefined, undefined], [undefined, 'a2', undefined]), // committed row
        ins(keyed, [3, 'c', 30]),
        upd(keyed, [3, undefined, undefined], [undefined, undefined, 31]), // buffered row
      ];
      if (harness.refusesPartialImages) {
        await assert.rejects(
          sink.write(partial).then(() => sink.flush(checkpoint(2))),
          /partial row image/,
        );
        return;
      }
      await sink.write(partial);
      await sink.flush(checkpoint(2));
      assert.deepEqual(await rowsAfterClose(target, sink, keyed), [
        ['1', 'a2', '10'],
        ['2', 'b', '20'],
        ['3', 'c', '31'],
      ]);
    }),
  );
}

function durabilityCases(harness: SinkHarness): void {
  const name = (what: string): string => testName(harness, what);
  test(name('a flush covers exactly the writes called before it, and its checkpoint'), () =>
    withTarget(harness, async (target, sink) => {
      await create(sink, keyed, keyedSchema);
      await sink.write([ins(keyed, [1, 'a', 1])]);
      const flushed = sink.flush(checkpoint(1)); // the runner reads on while the sink commits
      await sink.write([ins(keyed, [2, 'b', 2])]);
      await flushed;
      await sink.close(); // a stop without the next flush
      const again = await target.open(PIPELINE);
      assert.equal((await again.committedCheckpoint())?.seq, sink.transactional ? 1 : undefined);
      const rows = await rowsAfterClose(target, again, keyed);
      if (sink.transactional) assert.deepEqual(rows, [['1', 'a', '1']]);
      else assert.ok(rows?.some((r) => r[0] === '1'));
    }),
  );

  test(name('a failure latches the sink: every later call fails'), () =>
    withTarget(harness, async (_target, sink) => {
      await create(sink, keyed, keyedSchema);
      // rows of a table no create-table announced
      const unknown = tableId('conf_db', 'never_created');
      const first = await sink
        .write([ins(unknown, [1, 'a', 1])])
        .then(() => sink.flush(checkpoint(1)))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(first instanceof Error, 'writing an unknown table fails (at the latest at the flush)');
      await assert.rejects(sink.write([ins(keyed, [1, 'a', 1])]), /unusable|never_created/);
      await assert.rejects(sink.flush(checkpoint(2)), /unusable|never_created/);
    }),
  );

  test(name('a crash between write and flush loses nothing on replay (transactional: no duplicate)'), () =>
    withTarget(harness, async (target, sink) => {
      // a sink that needs primary keys (upsert-kafka) has no append table
      const tables = harness.requiresPrimaryKey ? [keyed] : [keyed, appended];
      const createAll = async (s: Sink) => {
        for (const t of tables) await create(s, t, t === keyed ? keyedSchema : appendSchema);
      };
      const only = (events: DataChangeEvent[]) => events.filter((e) => tables.includes(e.tableId));
      await createAll(sink);
      const first = only([ins(keyed, [1, 'a', 1]), ins(appended, [1, 'a', 1])]);
      const second = only([upd(keyed, [1, 'a', 1], [1, 'b', 2]), ins(appended, [2, 'b', 2])]);
      await sink.write(first);
      await sink.flush(checkpoint(1));
      await sink.write(second);
      await sink.close(); // the crash: no flush after the second write
      // the restart: create-table for every table, then the events after the checkpoint again
      const again = await target.open(PIPELINE);
      const resumed = await again.committedCheckpoint();
      if (again.transactional) assert.equal(resumed?.seq, 1);
      await createAll(again);
      await again.write(second);
      await again.flush(checkpoint(2));
      await again.close();
      assert.deepEqual(await sortedRows(target, keyed, ['id', 'v', 'n']), [['1', 'b', '2']]);
      if (harness.requiresPrimaryKey) return;
      const log = await sortedRows(target, appended, ['id', 'v', 'n']);
      if (again.transactional)
        assert.deepEqual(log, [
          ['1', 'a', '1'],
          ['2', 'b', '2'],
        ]);
      else assert.ok((log?.length ?? 0) >= 2);
    }),
  );
}
