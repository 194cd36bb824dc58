import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataChangeEvent, Row } from '../event/change-event.js';
import { tableId } from '../event/table-schema.js';
import { ChangeBuffer, rowKey, type BufferedTable } from './change-buffer.js';

const id = tableId('db', 't');
const keyed: BufferedTable = { label: 'db.t', width: 3, keyIndexes: [0] };
const append: BufferedTable = { label: 'db.a', width: 2, keyIndexes: undefined };
const ev = (op: DataChangeEvent['op'], before: Row | null, after: Row | null): DataChangeEvent => ({
  kind: 'data',
  tableId: id,
  op,
  before,
  after,
  meta: { tsMs: 0 },
});
const buffer = (maxRows = 100, maxBytes = 1e9) =>
  new ChangeBuffer<BufferedTable>({ maxRows, maxBytes, rowBytes: (r) => r.length * 10 });
const changes = (b: ChangeBuffer<BufferedTable>, t: BufferedTable) =>
  [
    ...(b
      .take()
      .find((c) => c.table === t)
      ?.byKey.values() ?? []),
  ].map((c) => [c.op, ...c.row]);

test('the last change per key wins, in one entry per key', () => {
  const b = buffer();
  b.add(keyed, ev('insert', null, [1, 'a', 0]));
  b.add(keyed, ev('update', [1, 'a', 0], [1, 'b', 0]));
  b.add(keyed, ev('insert', null, [2, 'x', 0]));
  b.add(keyed, ev('delete', [2, 'x', 0], null));
  assert.equal(b.size, 2);
  assert.deepEqual(changes(b, keyed), [
    ['upsert', 1, 'b', 0],
    ['delete', 2, 'x', 0],
  ]);
  assert.equal(b.size, 0, 'take empties the buffer');
});

test('an update that moves the key deletes the old key', () => {
  const b = buffer();
  b.add(keyed, ev('update', [1, 'a', 0], [7, 'a', 0]));
  assert.deepEqual(changes(b, keyed), [
    ['delete', 1, 'a', 0],
    ['upsert', 7, 'a', 0],
  ]);
});

test('a partial image is completed from the buffered image of its key; a missing key comes from before', () => {
  const b = buffer();
  b.add(keyed, ev('insert', null, [1, 'a', 5]));
  b.add(keyed, ev('update', [1, undefined, undefined], [undefined, 'b', undefined]));
  b.add(keyed, ev('update', [2, undefined, undefined], [undefined, undefined, 9]));
  assert.deepEqual(changes(b, keyed), [
    ['upsert', 1, 'b', 5],
    ['upsert', 2, undefined, 9], // nothing buffered for key 2: the sink fills it from the table
  ]);
});

test('append tables keep every after image in order and drop deletes', () => {
  const b = buffer();
  b.add(append, ev('insert', null, [1, 'a']));
  b.add(append, ev('update', [1, 'a'], [1, 'b']));
  b.add(append, ev('delete', [1, 'b'], null));
  const [taken] = b.take();
  assert.deepEqual(taken!.rows, [
    [1, 'a'],
    [1, 'b'],
  ]);
});

test('full at maxRows entries or maxBytes; clear drops everything', () => {
  const rows = buffer(2);
  rows.add(keyed, ev('insert', null, [1, 'a', 0]));
  rows.add(keyed, ev('insert', null, [1, 'b', 0]));
  assert.equal(rows.full, false, 'one key is one entry');
  rows.add(keyed, ev('insert', null, [2, 'b', 0]));
  assert.equal(rows.full, true);
  const bytes = buffer(100, 60);
  bytes.add(append, ev('insert', null, [1, 'a']));
  bytes.add(append, ev('insert', null, [2, 'a']));
  assert.equal(bytes.full, false);
  bytes.add(append, ev('insert', null, [3, 'a']));
  assert.equal(bytes.full, true);
  bytes.clear();
  assert.equal(bytes.size, 0);
  assert.deepEqual(bytes.take(), []);
});

test('bad images are refused with what is wrong, and nothing is buffered', () => {
  const b = buffer();
  assert.throws(
    () => b.add(keyed, ev('insert', null, [1, 'a'])),
    /after image has 2 values, the table schema 3/,
  );
  assert.throws(() => b.add(keyed, ev('delete', null, null)), /delete event without before image/);
  assert.throws(() => b.add(keyed, ev('insert', null, [null, 'a', 0])), /primary key column #1 has no value/);
  assert.equal(b.size, 0);
});

test('key identity: 5 and 5n are one key, text and bytes are not confused', () => {
  assert.equal(rowKey([5], [0]), rowKey([5n], [0]));
  assert.notEqual(rowKey(['5'], [0]), rowKey([5], [0]));
  assert.notEqual(rowKey([new Uint8Array([0x61])], [0]), rowKey(['a'], [0]));
  assert.notEqual(rowKey(['a', 'bc'], [0, 1]), rowKey(['ab', 'c'], [0, 1]));
});
