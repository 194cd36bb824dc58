import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SchemaChange, SchemaChangeEvent } from '../event/change-event.js';
import { tableId, type TableSchema } from '../event/table-schema.js';
import type { SchemaChangeBehavior } from '../pipeline-spec/pipeline-spec.js';
import { SchemaOperator, identityRouter, type TableRouter } from './schema-operator.js';

const INT = { kind: 'integer', bytes: 4, unsigned: false } as const;
const STR = { kind: 'string', length: 20 } as const;
const base: TableSchema = {
  columns: [
    { name: 'id', type: INT, nullable: false },
    { name: 'a', type: STR, nullable: true },
  ],
  primaryKeys: ['id'],
};
const t1 = tableId('db', 't1');
const ev = (change: SchemaChange, id = t1): SchemaChangeEvent => ({
  kind: 'schema',
  tableId: id,
  change,
  meta: { tsMs: 0 },
});
const addB: SchemaChange = {
  type: 'add-column',
  columns: [{ column: { name: 'b', type: INT, nullable: false }, position: { kind: 'first' } }],
};

function op(behavior: SchemaChangeBehavior, router: TableRouter = identityRouter): SchemaOperator {
  const o = new SchemaOperator(router, behavior);
  o.onSchemaChange(ev({ type: 'create-table', schema: base }));
  return o;
}

test('lenient: added columns go last and nullable, drops and renames keep the old column', () => {
  const o = op('lenient');
  const [c] = o.onSchemaChange(ev(addB));
  assert.deepEqual(c?.change, {
    type: 'add-column',
    columns: [{ column: { name: 'b', type: INT, nullable: true }, position: { kind: 'last' } }],
  });
  assert.deepEqual(
    o.sinkSchema(t1)?.columns.map((x) => x.name),
    ['id', 'a', 'b'],
  );
  // the source row (b first) is reshaped into the sink layout by name
  const row = o.onDataChange({
    kind: 'data',
    tableId: t1,
    op: 'insert',
    before: null,
    after: [7, 1, 'x'],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(row.after, [1, 'x', 7]);
  assert.deepEqual(o.onSchemaChange(ev({ type: 'drop-column', columns: ['a'] })), []);
  const renamed = o.onSchemaChange(ev({ type: 'rename-column', renames: [{ from: 'b', to: 'c' }] }));
  assert.equal(renamed[0]?.change.type, 'add-column');
  assert.deepEqual(
    o.sinkSchema(t1)?.columns.map((x) => x.name),
    ['id', 'a', 'b', 'c'],
  );
  const after = o.onDataChange({
    kind: 'data',
    tableId: t1,
    op: 'insert',
    before: null,
    after: [8, 2],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(after.after, [2, null, null, 8]);
  assert.deepEqual(o.onSchemaChange(ev({ type: 'truncate-table' })), []);
});

test('evolve applies changes as they are; ignore applies none; exception refuses', () => {
  const e = op('evolve');
  assert.deepEqual(e.onSchemaChange(ev(addB))[0]?.change, addB);
  assert.deepEqual(
    e.sinkSchema(t1)?.columns.map((x) => x.name),
    ['b', 'id', 'a'],
  );
  const i = op('ignore');
  assert.deepEqual(i.onSchemaChange(ev(addB)), []);
  const row = i.onDataChange({
    kind: 'data',
    tableId: t1,
    op: 'insert',
    before: null,
    after: [7, 1, 'x'],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(row.after, [1, 'x']);
  const x = op('exception');
  assert.throws(() => x.onSchemaChange(ev(addB)), /schema\.change\.behavior is exception/);
});

test('sharded tables merge into one sink table; a shard with an extra column widens it', () => {
  const router: TableRouter = {
    route: (t) => (t.tableName.startsWith('order') ? tableId('ods', 'orders') : t),
  };
  const o = new SchemaOperator(router, 'lenient');
  o.onSchemaChange(ev({ type: 'create-table', schema: base }, tableId('db', 'order01')));
  const wider: TableSchema = {
    ...base,
    columns: [...base.columns, { name: 'z', type: STR, nullable: false }],
  };
  const [c] = o.onSchemaChange(ev({ type: 'create-table', schema: wider }, tableId('db', 'order02')));
  assert.deepEqual(c?.tableId, tableId('ods', 'orders'));
  assert.deepEqual(
    o.sinkSchema(tableId('ods', 'orders'))?.columns.map((x) => x.name),
    ['id', 'a', 'z'],
  );
  const r1 = o.onDataChange({
    kind: 'data',
    tableId: tableId('db', 'order01'),
    op: 'insert',
    before: null,
    after: [1, 'x'],
    meta: { tsMs: 0 },
  });
  assert.deepEqual([r1.tableId, r1.after], [tableId('ods', 'orders'), [1, 'x', null]]);
  // the sink schemas survive a restart through the checkpoint
  const restored = new SchemaOperator(router, 'lenient', JSON.parse(JSON.stringify(o.snapshotState())));
  assert.deepEqual(restored.sinkSchema(tableId('ods', 'orders'))?.columns.length, 3);
});
