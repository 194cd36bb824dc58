import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataChangeEvent, Row } from '../event/change-event.js';
import { tableId } from '../event/table-schema.js';
import {
  bufferKey,
  rowChanges,
  rowKey,
  upsertKey,
  type BufferKey,
  type RowChangeTable,
} from './row-changes.js';

const id = tableId('db', 't');
const keyed: RowChangeTable = { label: 'db.t', width: 3, keyIndexes: [0] };
const append: RowChangeTable = { label: 'db.a', width: 2, keyIndexes: undefined };
const ev = (op: DataChangeEvent['op'], before: Row | null, after: Row | null): DataChangeEvent => ({
  kind: 'data',
  tableId: id,
  op,
  before,
  after,
  meta: { tsMs: 0 },
});
/** The changes of the events, as [op, key, ...row]. */
const changes = (t: RowChangeTable, ...events: DataChangeEvent[]): unknown[][] => {
  const out: unknown[][] = [];
  const target = { add: (op: string, key: BufferKey | undefined, row: Row) => out.push([op, key, ...row]) };
  for (const e of events) rowChanges(t, e, target);
  return out;
};

test('upsert tables: every change in order, keyed', () => {
  assert.deepEqual(
    changes(
      keyed,
      ev('insert', null, [1, 'a', 0]),
      ev('update', [1, 'a', 0], [1, 'b', 0]),
      ev('delete', [2, 'x', 0], null),
    ),
    [
      ['upsert', 1, 1, 'a', 0],
      ['upsert', 1, 1, 'b', 0],
      ['delete', 2, 2, 'x', 0],
    ],
  );
});

test('an update that moves the key deletes the old key first', () => {
  assert.deepEqual(changes(keyed, ev('update', [1, 'a', 0], [7, 'a', 0])), [
    ['delete', 1, 1, 'a', 0],
    ['upsert', 7, 7, 'a', 0],
  ]);
});

test('a partial image passes as it is; a key it lacks comes from the before image', () => {
  const partial = ev('update', [1, undefined, undefined], [undefined, 'b', undefined]);
  assert.deepEqual(changes(keyed, partial), [['upsert', 1, 1, 'b', undefined]]);
  assert.equal(upsertKey(keyed, partial), 1);
  assert.equal(upsertKey(append, ev('insert', null, [1, undefined])), undefined);
});

test('append tables append after images in order and drop deletes', () => {
  assert.deepEqual(
    changes(
      append,
      ev('insert', null, [1, 'a']),
      ev('update', [1, 'a'], [1, 'b']),
      ev('delete', [1, 'b'], null),
    ),
    [
      ['upsert', undefined, 1, 'a'],
      ['upsert', undefined, 1, 'b'],
    ],
  );
});

test('bad images are refused with what is wrong, and nothing is handed over', () => {
  assert.throws(
    () => changes(keyed, ev('insert', null, [1, 'a'])),
    /after image has 2 values, the table schema 3/,
  );
  assert.throws(() => changes(keyed, ev('delete', null, null)), /delete event without before image/);
  assert.throws(
    () => changes(keyed, ev('insert', null, [null, 'a', 0])),
    /primary key column #1 has no value/,
  );
  const seen: unknown[] = [];
  assert.throws(() =>
    rowChanges(keyed, ev('update', [1, 'a', 0], [null, 'b', 0]), { add: (...a) => seen.push(a) }),
  );
  assert.deepEqual(seen, [], 'the delete of a moved key is not handed over before its upsert fails');
});

test('key identity: 5 and 5n are one key, text and bytes are not confused', () => {
  assert.equal(bufferKey([5], [0]), bufferKey([5n], [0]));
  assert.equal(bufferKey([2n ** 60n], [0]), bufferKey([2n ** 60n], [0]));
  assert.notEqual(bufferKey(['5'], [0]), bufferKey([5], [0]));
  assert.equal(rowKey([5], [0]), rowKey([5n], [0]));
  assert.notEqual(rowKey(['5'], [0]), rowKey([5], [0]));
  assert.notEqual(rowKey([new Uint8Array([0x61])], [0]), rowKey(['a'], [0]));
  assert.notEqual(rowKey(['a', 'bc'], [0, 1]), rowKey(['ab', 'c'], [0, 1]));
});
