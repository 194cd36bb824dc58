import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataChangeEvent, Row } from '../../../event/change-event.js';
import { tableId, type TableSchema } from '../../../event/table-schema.js';
import { TidemarkError } from '../../../event/tidemark-error.js';
import { VALUE_ORDER, type ChunkKey } from './chunk-key.js';
import { ChunkStreamReconciler } from './chunk-stream-reconciler.js';
import { TableSnapshot, type ActiveChunk } from './snapshot-state.js';

const schema: TableSchema = {
  columns: [
    { name: 'id', type: { kind: 'integer', bytes: 4, unsigned: false }, nullable: false },
    { name: 'v', type: { kind: 'string' }, nullable: true },
  ],
  primaryKeys: ['id'],
};
const key: ChunkKey = {
  columns: ['id'],
  indexes: [0],
  types: [schema.columns[0]!.type],
  orders: [VALUE_ORDER],
  unique: true,
};

function ev(table: string, at: number, before: Row | null, after: Row | null): DataChangeEvent {
  const op = before && after ? 'update' : before ? 'delete' : 'insert';
  return {
    kind: 'data',
    tableId: tableId('db', table),
    op,
    before,
    after,
    meta: { tsMs: 0, location: `b.1:${at}` },
  };
}

/** db.t in snapshot: ids below 10 finished with high watermark b.1:500, ids from 10 on being read. */
function setup(): { reconciler: ChunkStreamReconciler; ts: TableSnapshot; reading: ActiveChunk } {
  const ts = new TableSnapshot('db.t', tableId('db', 't'), schema, key);
  ts.finish(ts.begin({ lo: null, hi: [10] }), { file: 'b.1', pos: 500 });
  const reading = ts.begin({ lo: [10], hi: null });
  const reconciler = new ChunkStreamReconciler([ts], {
    captured: new Set(['db.t', 'db.plain']),
    position: () => ({ file: 'b.1', pos: 999 }),
    openConnection: () => Promise.reject(new Error('a key ordered by value is never weighed')),
    onFailure: (e) => assert.fail(`no weighing, no failure: ${String(e)}`),
  });
  return { reconciler, ts, reading };
}

test('rows of tables not captured are dropped, of captured tables not in snapshot emitted', () => {
  const { reconciler } = setup();
  assert.deepEqual(reconciler.filter(ev('other', 600, null, [1, 'a'])), []);
  const plain = ev('plain', 600, null, [1, 'a']);
  assert.deepEqual(reconciler.filter(plain), [plain]);
});

test("a finished chunk's key: dropped before its high watermark, emitted from it on", () => {
  const { reconciler } = setup();
  assert.deepEqual(reconciler.filter(ev('t', 400, null, [5, 'a'])), []);
  const at = ev('t', 500, [5, 'a'], [5, 'b']);
  assert.deepEqual(reconciler.filter(at), [at]);
});

test("a key of a chunk being read is dropped; of a chunk being closed it waits for the chunk's rows", async () => {
  const { reconciler, ts, reading } = setup();
  assert.deepEqual(reconciler.filter(ev('t', 600, null, [15, 'a'])), []);
  reading.phase = 'closing';
  const v = reconciler.filter(ev('t', 600, null, [15, 'a']));
  assert.ok(!Array.isArray(v));
  ts.finish(reading, { file: 'b.1', pos: 700 });
  await v.wait;
  // asked again: the chunk's high watermark decides now
  assert.deepEqual(reconciler.filter(ev('t', 650, null, [15, 'a'])), []);
  const after = ev('t', 700, null, [15, 'a']);
  assert.deepEqual(reconciler.filter(after), [after]);
});

test("a key that moves between chunks: the delete goes with the old key's chunk, the insert with the new one's", () => {
  const { reconciler } = setup();
  // 5 (finished, passed) -> 15 (being read): only the delete of 5 is emitted
  const out = reconciler.filter(ev('t', 600, [5, 'a'], [15, 'a']));
  assert.ok(Array.isArray(out));
  assert.deepEqual(
    out.map((e) => [e.op, e.before, e.after]),
    [['delete', [5, 'a'], null]],
  );
  // 15 -> 5: only the insert of 5
  const back = reconciler.filter(ev('t', 600, [15, 'a'], [5, 'a']));
  assert.ok(Array.isArray(back));
  assert.deepEqual(
    back.map((e) => [e.op, e.before, e.after]),
    [['insert', null, [5, 'a']]],
  );
});

test('a table complete and passed by the stream leaves the snapshot: its rows are all emitted', () => {
  const { reconciler, ts, reading } = setup();
  reconciler.passed({ file: 'b.1', pos: 600 });
  assert.equal(reconciler.toJson().length, 1, 'a chunk is still being read');
  ts.finish(reading, { file: 'b.1', pos: 700 });
  reconciler.passed({ file: 'b.1', pos: 650 });
  assert.equal(reconciler.toJson().length, 1, "the stream is before the last chunk's high watermark");
  reconciler.passed({ file: 'b.1', pos: 700 });
  assert.deepEqual(reconciler.toJson(), []);
  const e = ev('t', 100, null, [15, 'a']);
  assert.deepEqual(reconciler.filter(e), [e]);
});

test('DDL on a table with chunks still to read is a clear error; on a table read to the end it is followed', () => {
  const { reconciler, ts, reading } = setup();
  const ddl = (table: string, type: 'add-column' | 'create-table' | 'drop-table') => ({
    kind: 'schema' as const,
    tableId: tableId('db', table),
    change:
      type === 'add-column'
        ? {
            type,
            columns: [
              {
                column: { name: 'w', type: { kind: 'string' as const }, nullable: true },
                position: { kind: 'last' as const },
              },
            ],
          }
        : type === 'create-table'
          ? { type, schema }
          : { type },
    ddl: `ALTER TABLE db.${table} ...`,
    meta: { tsMs: 0, location: 'b.1:700' },
  });
  assert.throws(
    () => reconciler.checkSchemaChange(ddl('t', 'add-column')),
    (e: unknown) =>
      e instanceof TidemarkError &&
      e.code === 'SOURCE_SCHEMA' &&
      e.message.startsWith(
        'snapshot of db.t: following add-column failed: the table was renamed, dropped or altered while ' +
          'its snapshot was running (ALTER TABLE db.t ... at b.1:700)',
      ),
  );

  reconciler.checkSchemaChange(ddl('t', 'create-table')); // the start of a snapshot, not a change
  reconciler.checkSchemaChange(ddl('plain', 'drop-table')); // not in snapshot
  ts.finish(reading, { file: 'b.1', pos: 650 });
  ts.passed({ file: 'b.1', pos: 600 }); // every range read: complete (high watermarks not all passed)
  reconciler.checkSchemaChange(ddl('t', 'add-column'));
});
