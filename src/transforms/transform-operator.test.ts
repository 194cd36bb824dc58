import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataChangeEvent, SchemaChange, SchemaChangeEvent } from '../event/change-event.js';
import { applySchemaChange } from '../event/schema-change.js';
import { tableId, type TableSchema } from '../event/table-schema.js';
import type { TransformRule } from '../pipeline-spec/pipeline-spec.js';
import { TransformOperator } from './transform-operator.js';

const INT = { kind: 'integer', bytes: 4, unsigned: false } as const;
const STR = { kind: 'string', length: 20 } as const;
const T = tableId('db', 't');
const schema: TableSchema = {
  columns: [
    { name: 'id', type: INT, nullable: false },
    { name: 'a', type: STR, nullable: true },
    { name: 'b', type: INT, nullable: true },
  ],
  primaryKeys: ['id'],
};
const ev = (change: SchemaChange, ddl?: string): SchemaChangeEvent => ({
  kind: 'schema',
  tableId: T,
  change,
  meta: { tsMs: 0 },
  ...(ddl ? { ddl } : {}),
});
const row = (op: DataChangeEvent['op'], before: unknown[] | null, after: unknown[] | null): DataChangeEvent =>
  ({ kind: 'data', tableId: T, op, before, after, meta: { tsMs: 1_700_000_000_000 } }) as DataChangeEvent;

function operator(rule: Partial<TransformRule>, extra: { convertUpdates?: boolean; trim?: boolean } = {}) {
  return new TransformOperator({
    rules: [{ 'source-table': 'db.t', ...rule }],
    origin: 'p.yaml',
    sourceMetadata: [],
    allowTrimmingPk: extra.trim ?? false,
    convertUpdates: extra.convertUpdates ?? false,
  });
}

/** Applies the operator's output changes to its create-table schema: the sink-side schema. */
function follow(op: TransformOperator, changes: SchemaChangeEvent[]): TableSchema {
  let s: TableSchema | undefined;
  for (const c of op.onSchemaChange(ev({ type: 'create-table', schema }))) s = applySchemaChange(s, c.change);
  let src: TableSchema = schema;
  for (const c of changes) {
    src = applySchemaChange(src, c.change)!;
    for (const out of op.onSchemaChange(c)) s = applySchemaChange(s, out.change);
  }
  return s!;
}
const names = (s: TableSchema): string[] => s.columns.map((c) => c.name);

test('a * projection with a computed column follows added, renamed and dropped columns', () => {
  const op = operator({ projection: '\\*, UPPER(a) AS ua' });
  const s = follow(op, [
    ev({
      type: 'add-column',
      columns: [{ column: { name: 'c', type: INT, nullable: true }, position: { kind: 'last' } }],
    }),
    ev({ type: 'rename-column', renames: [{ from: 'b', to: 'bb' }] }),
    ev({ type: 'drop-column', columns: ['c'] }),
  ]);
  assert.deepEqual(names(s), ['id', 'a', 'bb', 'ua']);
  const [out] = op.onDataChange(row('insert', null, [1, 'x', 2]));
  assert.deepEqual(out?.after, [1, 'x', 2, 'X']);
});

test('a * projection follows renames of one ALTER at once: a chain and a swap stay renames', () => {
  // fuzz seed 2186: `RENAME COLUMN a TO c, RENAME COLUMN b TO a` became a drop of b and an add of
  // c, so the sink's column a kept the old a's values instead of taking b's (silently)
  const chain = ev({
    type: 'rename-column',
    renames: [
      { from: 'a', to: 'c' },
      { from: 'b', to: 'a' },
    ],
  });
  const op = operator({ projection: '\\*, id + 1 AS id1' });
  op.onSchemaChange(ev({ type: 'create-table', schema }));
  assert.deepEqual(
    op.onSchemaChange(chain).map((c) => c.change),
    [
      {
        type: 'rename-column',
        renames: [
          { from: 'a', to: 'c' },
          { from: 'b', to: 'a' },
        ],
      },
    ],
  );
  const swap = ev({
    type: 'rename-column',
    renames: [
      { from: 'c', to: 'a' },
      { from: 'a', to: 'c' },
    ],
  });
  assert.deepEqual(
    op.onSchemaChange(swap).map((c) => c.change),
    [
      {
        type: 'rename-column',
        renames: [
          { from: 'c', to: 'a' },
          { from: 'a', to: 'c' },
        ],
      },
    ],
  );
});

test('a column list stays; renaming a column it names is an error naming the DDL', () => {
  const op = operator({ projection: 'id, a' });
  assert.deepEqual(names(follow(op, [ev({ type: 'drop-column', columns: ['b'] })])), ['id', 'a']);
  assert.throws(
    () =>
      op.onSchemaChange(
        ev(
          { type: 'rename-column', renames: [{ from: 'a', to: 'a2' }] },
          'ALTER TABLE t RENAME COLUMN a TO a2',
        ),
      ),
    /unknown column a.*ALTER TABLE t RENAME COLUMN a TO a2/s,
  );
});

test('a rule naming a renamed column is an error also when another column takes its name in the same ALTER', () => {
  const ddl = 'ALTER TABLE t RENAME COLUMN a TO a2, RENAME COLUMN b TO a';
  const chain: SchemaChange = {
    type: 'rename-column',
    renames: [
      { from: 'a', to: 'a2' },
      { from: 'b', to: 'a' },
    ],
  };
  // `a` exists after the ALTER, but it is the former `b`: reading it would silently change the rule
  const filtered = operator({ projection: '\\*', filter: 'a IS NOT NULL' });
  filtered.onSchemaChange(ev({ type: 'create-table', schema }));
  assert.throws(() => filtered.onSchemaChange(ev(chain, ddl)), /unknown column a.*RENAME COLUMN b TO a/s);
  const computed = operator({ projection: '\\*, CAST(a AS STRING) AS sa' });
  computed.onSchemaChange(ev({ type: 'create-table', schema }));
  assert.throws(() => computed.onSchemaChange(ev(chain, ddl)), /unknown column a/);
  // a rule that names neither column follows the renames
  const plain = operator({ projection: '\\*, id + 1 AS next' });
  assert.deepEqual(names(follow(plain, [ev(chain, ddl)])), ['id', 'a2', 'a', 'next']);
});

test('primary keys: kept, overridden, or trimmed only when allowed', () => {
  assert.throws(
    () => operator({ projection: 'a, b' }).onSchemaChange(ev({ type: 'create-table', schema })),
    /leaves out primary key column id/,
  );
  const [trimmed] = operator({ projection: 'a, b' }, { trim: true }).onSchemaChange(
    ev({ type: 'create-table', schema }),
  );
  assert.deepEqual(trimmed?.change.type === 'create-table' && trimmed.change.schema.primaryKeys, []);
  const [keyed] = operator({ projection: 'a, b', 'primary-keys': 'a' }).onSchemaChange(
    ev({ type: 'create-table', schema }),
  );
  assert.ok(keyed?.change.type === 'create-table');
  assert.deepEqual(keyed.change.schema.primaryKeys, ['a']);
  assert.equal(keyed.change.schema.columns[0]?.nullable, false, 'key columns are NOT NULL');
});

test('filter on UPDATE: the new row decides, or a changelog with convert-updates', () => {
  for (const convertUpdates of [false, true]) {
    const op = operator({ filter: 'b > 10' }, { convertUpdates });
    op.onSchemaChange(ev({ type: 'create-table', schema }));
    const leave = op.onDataChange(row('update', [1, 'x', 20], [1, 'x', 5]));
    const enter = op.onDataChange(row('update', [1, 'x', 5], [1, 'x', 20]));
    if (convertUpdates) {
      assert.deepEqual(
        leave.map((e) => e.op),
        ['delete'],
      );
      assert.deepEqual(
        enter.map((e) => e.op),
        ['insert'],
      );
    } else {
      assert.deepEqual(leave, []);
      assert.deepEqual(
        enter.map((e) => e.op),
        ['update'],
      );
    }
    assert.deepEqual(op.onDataChange(row('delete', [1, 'x', 5], null)), []);
  }
});

test('SOFT_DELETE: a delete becomes an insert whose __data_event_type__ is -D', () => {
  const op = operator({
    projection: '\\*, __data_event_type__ AS op',
    'converter-after-transform': 'SOFT_DELETE',
  });
  op.onSchemaChange(ev({ type: 'create-table', schema }));
  const [d] = op.onDataChange(row('delete', [1, 'x', 5], null));
  assert.equal(d?.op, 'insert');
  assert.deepEqual(d?.after, [1, 'x', 5, '-D']);
  const [u] = op.onDataChange(row('update', [1, 'x', 5], [1, 'y', 5]));
  assert.deepEqual([u?.before?.[3], u?.after?.[3]], ['-U', '+U']);
});

test('tables no rule matches pass unchanged', () => {
  const op = operator({ projection: 'id' });
  const other: SchemaChangeEvent = { ...ev({ type: 'create-table', schema }), tableId: tableId('db', 'u') };
  assert.deepEqual(op.onSchemaChange(other), [other]);
  const r = { ...row('insert', null, [1, 'x', 2]), tableId: tableId('db', 'u') };
  assert.deepEqual(op.onDataChange(r), [r]);
});

test('a rule that matches none of the captured tables is named in a warning', () => {
  const op = operator({ description: 'orders only' });
  assert.deepEqual(op.unmatchedRules([T]), []);
  assert.deepEqual(op.unmatchedRules([tableId('db', 'u')]), [
    'transform[0] (source-table: db.t) "orders only" matches none of the captured tables',
  ]);
});

test('rules that read the clock get the time of each row; the others never read it', () => {
  for (const rule of [{ projection: '\\*, UNIX_TIMESTAMP() AS t' }, { filter: 'UNIX_TIMESTAMP() > 0' }]) {
    const op = operator(rule);
    op.onSchemaChange(ev({ type: 'create-table', schema }));
    const before = Math.trunc(Date.now() / 1000);
    const [out] = op.onDataChange(row('insert', null, [1, 'x', 2]));
    assert.ok(out, `${JSON.stringify(rule)} passes the row`);
    if (rule.projection) assert.ok((out.after![3] as bigint) >= BigInt(before));
  }
  const plain = operator({ projection: '\\*, b + 1 AS c', filter: 'b > 0' });
  plain.onSchemaChange(ev({ type: 'create-table', schema }));
  const realNow = Date.now;
  Date.now = () => assert.fail('read the clock');
  try {
    assert.deepEqual(plain.onDataChange(row('insert', null, [1, 'x', 2]))[0]!.after, [1, 'x', 2, 3]);
  } finally {
    Date.now = realNow;
  }
});
