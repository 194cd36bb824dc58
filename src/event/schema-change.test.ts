import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySchemaChange } from './schema-change.js';
import type { TableSchema } from './table-schema.js';

const base: TableSchema = {
  columns: [
    { name: 'id', type: { kind: 'integer', bytes: 4, unsigned: false }, nullable: false },
    { name: 'price', type: { kind: 'decimal', precision: 10, scale: 2 }, nullable: false },
  ],
  primaryKeys: ['id'],
};

test('add-column appends last, after, first', () => {
  const amount = { name: 'amount', type: { kind: 'string', length: 100 } as const, nullable: true };
  const s1 = applySchemaChange(base, {
    type: 'add-column',
    columns: [{ column: amount, position: { kind: 'last' } }],
  });
  assert.deepEqual(
    s1?.columns.map((c) => c.name),
    ['id', 'price', 'amount'],
  );
  const s2 = applySchemaChange(base, {
    type: 'add-column',
    columns: [{ column: amount, position: { kind: 'after', column: 'ID' } }],
  });
  assert.deepEqual(
    s2?.columns.map((c) => c.name),
    ['id', 'amount', 'price'],
  );
  const s3 = applySchemaChange(base, {
    type: 'add-column',
    columns: [{ column: amount, position: { kind: 'first' } }],
  });
  assert.deepEqual(
    s3?.columns.map((c) => c.name),
    ['amount', 'id', 'price'],
  );
  assert.throws(() =>
    applySchemaChange(base, {
      type: 'add-column',
      columns: [{ column: { ...amount, name: 'price' }, position: { kind: 'last' } }],
    }),
  );
});

test('drop and rename keep the primary key in step', () => {
  const r = applySchemaChange(base, { type: 'rename-column', renames: [{ from: 'id', to: 'order_id' }] });
  assert.deepEqual(r?.primaryKeys, ['order_id']);
  const d = applySchemaChange(base, { type: 'drop-column', columns: ['price'] });
  assert.deepEqual(
    d?.columns.map((c) => c.name),
    ['id'],
  );
  assert.equal(applySchemaChange(base, { type: 'drop-table' }), undefined);
});
