import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SchemaChange, SchemaChangeEvent } from '../event/change-event.js';
import { formatColumnType } from '../event/column-type.js';
import { tableId, tableIdToString, type TableId, type TableSchema } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import type { SchemaChangeBehavior } from '../pipeline-spec/pipeline-spec.js';
import { SchemaOperator, identityRouter, type TableRouter } from './schema-operator.js';
import { ALL_SCHEMA_CHANGE_TYPES } from './sink.js';

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

/** A one-to-one router from a function. */
const routeBy = (f: (t: TableId) => TableId): TableRouter => ({
  route: (t) => [{ sink: f(t), shardColumns: false }],
});

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
  const [row] = o.onDataChange({
    kind: 'data',
    tableId: t1,
    op: 'insert',
    before: null,
    after: [7, 1, 'x'],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(row?.after, [1, 'x', 7]);
  assert.deepEqual(o.onSchemaChange(ev({ type: 'drop-column', columns: ['a'] })), []);
  const renamed = o.onSchemaChange(ev({ type: 'rename-column', renames: [{ from: 'b', to: 'c' }] }));
  assert.equal(renamed[0]?.change.type, 'add-column');
  assert.deepEqual(
    o.sinkSchema(t1)?.columns.map((x) => x.name),
    ['id', 'a', 'b', 'c'],
  );
  const [after] = o.onDataChange({
    kind: 'data',
    tableId: t1,
    op: 'insert',
    before: null,
    after: [8, 2],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(after?.after, [2, null, null, 8]);
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
  const [row] = i.onDataChange({
    kind: 'data',
    tableId: t1,
    op: 'insert',
    before: null,
    after: [7, 1, 'x'],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(row?.after, [1, 'x']);
  const x = op('exception');
  assert.throws(() => x.onSchemaChange(ev(addB)), /schema\.change\.behavior is exception/);
});

test('sharded tables merge into one sink table; a shard with an extra column widens it', () => {
  const router = routeBy((t) => (t.tableName.startsWith('order') ? tableId('ods', 'orders') : t));
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
  const [r1] = o.onDataChange({
    kind: 'data',
    tableId: tableId('db', 'order01'),
    op: 'insert',
    before: null,
    after: [1, 'x'],
    meta: { tsMs: 0 },
  });
  assert.deepEqual([r1?.tableId, r1?.after], [tableId('ods', 'orders'), [1, 'x', null]]);
  // the sink schemas survive a restart through the checkpoint
  const restored = new SchemaOperator(router, 'lenient', JSON.parse(JSON.stringify(o.snapshotState())));
  assert.deepEqual(restored.sinkSchema(tableId('ods', 'orders'))?.columns.length, 3);
});

const insert = (o: SchemaOperator, id: ReturnType<typeof tableId>, after: (number | string)[]) =>
  o.onDataChange({ kind: 'data', tableId: id, op: 'insert', before: null, after, meta: { tsMs: 0 } })[0]!;

test('rename-table: the sink table moves with its rows, except under ignore; exception refuses', () => {
  const t2 = tableId('db', 't2');
  for (const behavior of ['evolve', 'try_evolve', 'lenient'] as const) {
    const o = op(behavior);
    const [c] = o.onSchemaChange(ev({ type: 'rename-table', to: t2 }));
    assert.deepEqual(c?.change, { type: 'rename-table', to: t2 }, behavior);
    assert.equal(o.sinkSchema(t1), undefined);
    assert.deepEqual(insert(o, t2, [1, 'x']).tableId, t2);
  }
  const i = op('ignore');
  assert.deepEqual(i.onSchemaChange(ev({ type: 'rename-table', to: t2 })), []);
  assert.deepEqual(insert(i, t2, [1, 'x']).tableId, t1, 'rows keep going to the old sink table');
  const restored = new SchemaOperator(
    identityRouter,
    'ignore',
    JSON.parse(JSON.stringify(i.snapshotState())),
  );
  // on restart the source replays create-table for every table: the alias stays
  restored.onSchemaChange(ev({ type: 'create-table', schema: base }, t2));
  assert.deepEqual(insert(restored, t2, [1, 'x']).tableId, t1, 'a restart keeps the old sink table');
  restored.onSchemaChange(ev({ type: 'drop-table' }, t2));
  restored.onSchemaChange(ev({ type: 'create-table', schema: base }, t2));
  assert.deepEqual(insert(restored, t2, [1, 'x']).tableId, t2, 'a re-created table is its own again');
  assert.throws(() => op('exception').onSchemaChange(ev({ type: 'rename-table', to: t2 })), /exception/);
});

test('rename-table the sink options exclude: the sink table keeps its name and the rows', () => {
  const t2 = tableId('db', 't2');
  const infos: string[] = [];
  const o = new SchemaOperator(identityRouter, 'evolve', undefined, {
    capabilities: { applies: ALL_SCHEMA_CHANGE_TYPES, columnPositions: true },
    accepted: new Set(['create-table', 'add-column']),
    warn: () => assert.fail('nothing the user excluded is a warning'),
    info: (msg) => infos.push(msg),
  });
  o.onSchemaChange(ev({ type: 'create-table', schema: base }));
  assert.deepEqual(o.onSchemaChange(ev({ type: 'rename-table', to: t2 })), []);
  assert.match(infos[0] ?? '', /rename-table of db\.t1 not applied: excluded/);
  assert.deepEqual(insert(o, t2, [1, 'x']).tableId, t1, 'rows keep going to the old sink table');
  // later changes of the renamed table reach the sink table of its old name
  assert.deepEqual(o.onSchemaChange(ev(addB, t2))[0]?.tableId, t1);
  // a sink that cannot rename tables: an error under evolve, the old name kept otherwise
  const caps = {
    applies: ALL_SCHEMA_CHANGE_TYPES.filter((t) => t !== 'rename-table'),
    columnPositions: true,
  };
  const strict = new SchemaOperator(identityRouter, 'evolve', undefined, {
    capabilities: caps,
    warn: () => undefined,
  });
  strict.onSchemaChange(ev({ type: 'create-table', schema: base }));
  assert.throws(
    () => strict.onSchemaChange(ev({ type: 'rename-table', to: t2 })),
    (e: unknown) => e instanceof TidemarkError && e.code === 'SINK_SCHEMA',
  );
  const warns: string[] = [];
  const lenient = new SchemaOperator(identityRouter, 'lenient', undefined, {
    capabilities: caps,
    warn: (msg) => warns.push(msg),
  });
  lenient.onSchemaChange(ev({ type: 'create-table', schema: base }));
  assert.deepEqual(lenient.onSchemaChange(ev({ type: 'rename-table', to: t2 })), []);
  assert.match(warns[0] ?? '', /cannot apply rename-table/);
  assert.deepEqual(insert(lenient, t2, [1, 'x']).tableId, t1);
});

test('rename-table of one shard of a merged sink table is refused: its rows cannot be told apart', () => {
  const router = routeBy((t) => (t.tableName.startsWith('s') ? tableId('ods', 'all') : t));
  const o = new SchemaOperator(router, 'evolve');
  o.onSchemaChange(ev({ type: 'create-table', schema: base }, tableId('db', 's1')));
  o.onSchemaChange(ev({ type: 'create-table', schema: base }, tableId('db', 's2')));
  assert.deepEqual(
    o.onSchemaChange(ev({ type: 'rename-table', to: tableId('db', 's3') }, tableId('db', 's1'))),
    [],
  );
  assert.throws(
    () => o.onSchemaChange(ev({ type: 'rename-table', to: tableId('db', 'x') }, tableId('db', 's2'))),
    /also holds the rows of db\.s3/,
  );
});

test('primary keys, drops, moves and truncates per behaviour', () => {
  const pk: SchemaChange = { type: 'alter-primary-key', primaryKeys: ['id', 'a'] };
  const move: SchemaChange = { type: 'reorder-columns', columns: ['a', 'id'] };
  const drop: SchemaChange = { type: 'drop-column', columns: ['a'] };
  const kinds = (o: SchemaOperator, c: SchemaChange): string[] =>
    o.onSchemaChange(ev(c)).map((x) => x.change.type);
  for (const [behavior, expected] of [
    ['evolve', ['alter-primary-key', 'reorder-columns', 'drop-column', 'truncate-table', 'drop-table']],
    ['lenient', ['alter-primary-key']],
    ['ignore', []],
  ] as const) {
    const o = op(behavior);
    const got: string[] = [
      ...kinds(o, pk),
      ...kinds(o, move),
      ...kinds(o, drop),
      ...kinds(o, { type: 'truncate-table' }),
      ...kinds(o, { type: 'drop-table' }),
    ];
    assert.deepEqual(got, expected, behavior);
  }
  const e = op('evolve');
  e.onSchemaChange(ev(pk));
  assert.deepEqual(e.sinkSchema(t1)?.primaryKeys, ['id', 'a']);
});

test('lenient: a column added again after a drop reuses the kept column, retyped', () => {
  const o = op('lenient');
  o.onSchemaChange(ev({ type: 'drop-column', columns: ['a'] }));
  const changes = o.onSchemaChange(
    ev({
      type: 'add-column',
      columns: [
        { column: { name: 'a', type: INT, nullable: false }, position: { kind: 'last' }, existingValue: 0 },
      ],
    }),
  );
  assert.deepEqual(
    changes.map((c) => c.change),
    [{ type: 'alter-column-type', changes: [{ column: 'a', type: INT, nullable: true }] }],
  );
  assert.deepEqual(insert(o, t1, [1, 5]).after, [1, 5]);
});

test('a change the sink refused: the sink table keeps its schema and rows map onto it', () => {
  const o = op('try_evolve');
  const [c] = o.onSchemaChange(ev(addB));
  assert.deepEqual(c?.schemaBefore, base);
  assert.equal(o.sinkSchema(t1)?.columns.length, 3);
  assert.equal(o.sinkRefused(c), true);
  assert.deepEqual(o.sinkSchema(t1), base);
  const [row] = o.onDataChange({
    kind: 'data',
    op: 'insert',
    tableId: t1,
    before: null,
    after: [7, 1, 'x'],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(row?.after, [1, 'x']);
  // a refused create-table or rename-table cannot be skipped so
  const [create] = op('try_evolve').onSchemaChange(
    ev({ type: 'create-table', schema: base }, tableId('db', 't2')),
  );
  assert.equal(o.sinkRefused(create!), false);
});

test("the sink's capabilities: an unsupported change is an error under evolve, skipped otherwise; positions", () => {
  const warnings: string[] = [];
  const sink = (columnPositions: boolean) => ({
    capabilities: {
      applies: ['create-table', 'add-column', 'reorder-columns'] as const,
      columnPositions,
    },
    warn: (msg: string) => warnings.push(msg),
  });
  const make = (behavior: SchemaChangeBehavior, columnPositions = true): SchemaOperator => {
    const o = new SchemaOperator(identityRouter, behavior, undefined, sink(columnPositions));
    o.onSchemaChange(ev({ type: 'create-table', schema: base }));
    return o;
  };
  const drop = { ...ev({ type: 'drop-column', columns: ['a'] }), ddl: 'ALTER TABLE t1 DROP a' };
  assert.throws(
    () => make('evolve').onSchemaChange(drop),
    (e: unknown) =>
      e instanceof TidemarkError &&
      e.code === 'SINK_SCHEMA' &&
      /the sink cannot apply drop-column to db\.t1 \(table db\.t1, DDL: ALTER TABLE t1 DROP a\)/.test(
        e.message,
      ),
  );
  const skipping = make('try_evolve');
  assert.deepEqual(skipping.onSchemaChange(drop), []);
  assert.match(warnings[0]!, /cannot apply drop-column to db\.t1.*skipped/);
  assert.deepEqual(
    skipping.sinkSchema(t1)?.columns.map((c) => c.name),
    ['id', 'a'],
  );
  // without column positions: FIRST becomes last, reorders are left out
  const unordered = make('evolve', false);
  const [added] = unordered.onSchemaChange(ev(addB));
  assert.deepEqual(added?.change, {
    ...addB,
    columns: [{ ...addB.columns[0]!, position: { kind: 'last' } }],
  });
  assert.deepEqual(unordered.onSchemaChange(ev({ type: 'reorder-columns', columns: ['b', 'id', 'a'] })), []);
  const ordered = make('evolve', true);
  assert.deepEqual(ordered.onSchemaChange(ev(addB))[0]?.change, addB);
});

test('changes the sink options exclude are left out under every behaviour, rows map by name', () => {
  const infos: string[] = [];
  const o = new SchemaOperator(identityRouter, 'evolve', undefined, {
    capabilities: { applies: ['create-table', 'add-column', 'drop-column'], columnPositions: true },
    accepted: new Set(['create-table', 'add-column']),
    warn: () => assert.fail('nothing the user excluded is a warning'),
    info: (msg) => infos.push(msg),
  });
  o.onSchemaChange(ev({ type: 'create-table', schema: base }));
  // excluded: no error under evolve although the sink could apply it, the sink keeps the column
  assert.deepEqual(o.onSchemaChange(ev({ type: 'drop-column', columns: ['a'] })), []);
  assert.match(infos[0] ?? '', /drop-column of db\.t1 not applied: excluded/);
  assert.deepEqual(
    o.sinkSchema(t1)?.columns.map((c) => c.name),
    ['id', 'a'],
  );
  const [row] = o.onDataChange({
    kind: 'data',
    tableId: t1,
    op: 'insert',
    before: null,
    after: [1],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(row?.after, [1, null]);
  // accepted and applied
  assert.equal(o.onSchemaChange(ev(addB))[0]?.change.type, 'add-column');
});

const BIGINT = { kind: 'integer', bytes: 8, unsigned: false } as const;
const UBIGINT = { kind: 'integer', bytes: 8, unsigned: true } as const;
const DEC = { kind: 'decimal', precision: 10, scale: 2 } as const;
const ods = tableId('ods', 'orders');
const shardRouter = (shardColumns: boolean): TableRouter => ({
  route: (t) =>
    t.tableName.startsWith('s') ? [{ sink: ods, shardColumns }] : [{ sink: t, shardColumns: false }],
});
const create = (o: SchemaOperator, name: string, columns: TableSchema['columns']) =>
  o.onSchemaChange(
    ev({ type: 'create-table', schema: { columns, primaryKeys: ['id'] } }, tableId('db', name)),
  );
const describe = (s: TableSchema | undefined) =>
  s?.columns.map((c) => `${c.name} ${formatColumnType(c.type)}${c.nullable ? '' : ' NOT NULL'}`);

test('sharded merge: the union of the columns, types widened, rows padded and coerced', () => {
  const o = new SchemaOperator(shardRouter(false), 'lenient');
  create(o, 's1', [
    { name: 'id', type: INT, nullable: false },
    { name: 'amount', type: INT, nullable: false },
  ]);
  create(o, 's2', [
    { name: 'id', type: BIGINT, nullable: false },
    { name: 'amount', type: DEC, nullable: false },
    { name: 'note', type: STR, nullable: false },
  ]);
  const changes = create(o, 's3', [
    { name: 'id', type: UBIGINT, nullable: false },
    { name: 'flag', type: INT, nullable: true },
  ]);
  assert.deepEqual(
    changes.map((c) => c.change.type),
    ['create-table', 'add-column', 'alter-column-type'],
  );
  assert.deepEqual(describe(o.sinkSchema(ods)), [
    'id DECIMAL(20,0) NOT NULL',
    'amount DECIMAL(12,2)',
    'note VARCHAR(20)',
    'flag INT',
  ]);
  assert.deepEqual(o.sinkSchema(ods)?.primaryKeys, ['id']);
  assert.deepEqual(insert(o, tableId('db', 's1'), [7, -5]).after, ['7', '-5.00', null, null]);
  const [r2] = o.onDataChange({
    kind: 'data',
    tableId: tableId('db', 's2'),
    op: 'update',
    before: [9223372036854775807n, '1.50', 'x'],
    after: [9223372036854775807n, '2.50', 'y'],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(r2?.before, ['9223372036854775807', '1.50', 'x', null]);
  assert.deepEqual(r2?.after, ['9223372036854775807', '2.50', 'y', null]);
  const r3 = o.onDataChange({
    kind: 'data',
    tableId: tableId('db', 's3'),
    op: 'insert',
    before: null,
    after: [18446744073709551615n, null],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(r3[0]?.after, ['18446744073709551615', null, null, null]);
});

test('sharded merge: a later change of one shard widens the sink table; drops of one shard are kept', () => {
  const warnings: string[] = [];
  const o = new SchemaOperator(shardRouter(false), 'evolve', undefined, {
    capabilities: { applies: ALL_SCHEMA_CHANGE_TYPES, columnPositions: false },
    warn: (m) => warnings.push(m),
  });
  create(o, 's1', [{ name: 'id', type: INT, nullable: false }]);
  create(o, 's2', [{ name: 'id', type: INT, nullable: false }]);
  const widened = o.onSchemaChange(
    ev(
      { type: 'alter-column-type', changes: [{ column: 'id', type: BIGINT, nullable: false }] },
      tableId('db', 's2'),
    ),
  );
  assert.deepEqual(
    widened.map((c) => c.change),
    [{ type: 'alter-column-type', changes: [{ column: 'id', type: BIGINT, nullable: false }] }],
  );
  const added = o.onSchemaChange(ev(addB, tableId('db', 's1')));
  assert.deepEqual(
    added.map((c) => c.change),
    [
      {
        type: 'add-column',
        columns: [{ column: { name: 'b', type: INT, nullable: true }, position: { kind: 'last' } }],
      },
    ],
  );
  assert.deepEqual(insert(o, tableId('db', 's1'), [3, 1]).after, [1n, 3]);
  assert.deepEqual(o.onSchemaChange(ev({ type: 'drop-column', columns: ['b'] }, tableId('db', 's1'))), []);
  assert.deepEqual(o.onSchemaChange(ev({ type: 'truncate-table' }, tableId('db', 's1'))), []);
  assert.deepEqual(o.onSchemaChange(ev({ type: 'drop-table' }, tableId('db', 's1'))), []);
  assert.match(
    warnings.join('\n'),
    /drop-table of db\.s1 is not applied to sink table ods\.orders: it also holds the rows of db\.s2/,
  );
  // the last shard's drop reaches the sink
  assert.deepEqual(
    o.onSchemaChange(ev({ type: 'drop-table' }, tableId('db', 's2'))).map((c) => c.change.type),
    ['drop-table'],
  );
});

test('sharded merge: a sink table is merged while several tables are routed to it, counted at each change', () => {
  const o = new SchemaOperator(shardRouter(false), 'evolve');
  const s1 = tableId('db', 's1');
  const rename = (from: string, to: string, id: TableId) =>
    o.onSchemaChange(ev({ type: 'rename-column', renames: [{ from, to }] }, id)).map((c) => c.change);
  create(o, 's1', [
    { name: 'id', type: INT, nullable: false },
    { name: 'a', type: STR, nullable: true },
  ]);
  // the only table routed to ods.orders: its rename reaches the sink table as one table's
  assert.deepEqual(rename('a', 'b', s1), [{ type: 'rename-column', renames: [{ from: 'a', to: 'b' }] }]);
  // a second table joins the sink table as it is; from then on a rename adds the new name
  create(o, 's2', [
    { name: 'id', type: INT, nullable: false },
    { name: 'a', type: STR, nullable: true },
  ]);
  assert.deepEqual(describe(o.sinkSchema(ods)), ['id INT NOT NULL', 'b VARCHAR(20)', 'a VARCHAR(20)']);
  assert.deepEqual(
    rename('b', 'c', s1).map((c) => c.type),
    ['add-column'],
  );
  assert.deepEqual(describe(o.sinkSchema(ods)), [
    'id INT NOT NULL',
    'b VARCHAR(20)',
    'a VARCHAR(20)',
    'c VARCHAR(20)',
  ]);
  // the other table dropped: s1 is alone again, and the sink table (with s2's column a) is renamed in place
  o.onSchemaChange(ev({ type: 'drop-table' }, tableId('db', 's2')));
  assert.deepEqual(rename('c', 'd', s1), [{ type: 'rename-column', renames: [{ from: 'c', to: 'd' }] }]);
  assert.deepEqual(describe(o.sinkSchema(ods)), [
    'id INT NOT NULL',
    'b VARCHAR(20)',
    'a VARCHAR(20)',
    'd VARCHAR(20)',
  ]);
});

test('sharded merge: types no type holds, and different primary keys, are SCHEMA_MERGE errors', () => {
  const o = new SchemaOperator(shardRouter(false), 'lenient');
  create(o, 's1', [
    { name: 'id', type: INT, nullable: false },
    { name: 'v', type: BIGINT, nullable: true },
  ]);
  assert.throws(
    () =>
      create(o, 's2', [
        { name: 'id', type: INT, nullable: false },
        { name: 'v', type: { kind: 'double' }, nullable: true },
      ]),
    (e: unknown) =>
      e instanceof TidemarkError &&
      e.code === 'SCHEMA_MERGE' &&
      /tables db\.s1, db\.s2 are routed to sink table ods\.orders, and column v cannot hold all of them exactly \(the sink table: BIGINT; db\.s1: BIGINT; db\.s2: DOUBLE\)/.test(
        e.message,
      ),
  );
  const p = new SchemaOperator(shardRouter(false), 'lenient');
  create(p, 's1', [{ name: 'id', type: INT, nullable: false }]);
  assert.throws(
    () =>
      p.onSchemaChange(
        ev(
          {
            type: 'create-table',
            schema: { columns: [{ name: 'id', type: INT, nullable: false }], primaryKeys: [] },
          },
          tableId('db', 's2'),
        ),
      ),
    /different primary keys: db\.s1 \(id\), db\.s2 \(none\)/,
  );
});

test('shard columns: _db_name and _table_name first, first in the key, filled per source table', () => {
  const o = new SchemaOperator(shardRouter(true), 'lenient');
  const [c] = create(o, 's1', [
    { name: 'id', type: INT, nullable: false },
    { name: 'a', type: STR, nullable: true },
  ]);
  assert.equal(c?.change.type, 'create-table');
  create(o, 's2', [{ name: 'id', type: INT, nullable: false }]);
  assert.deepEqual(describe(o.sinkSchema(ods)), [
    '_db_name VARCHAR(64) NOT NULL',
    '_table_name VARCHAR(64) NOT NULL',
    'id INT NOT NULL',
    'a VARCHAR(20)',
  ]);
  assert.deepEqual(o.sinkSchema(ods)?.primaryKeys, ['_db_name', '_table_name', 'id']);
  assert.deepEqual(insert(o, tableId('db', 's1'), [1, 'x']).after, ['db', 's1', 1, 'x']);
  assert.deepEqual(insert(o, tableId('db', 's2'), [1]).after, ['db', 's2', 1, null]);
  assert.throws(
    () => o.onSchemaChange(ev({ type: 'rename-table', to: tableId('db', 's9') }, tableId('db', 's2'))),
    /carry its old name in the shard columns/,
  );
  const clash = new SchemaOperator(shardRouter(true), 'lenient');
  assert.throws(
    () => create(clash, 's1', [{ name: '_DB_NAME', type: STR, nullable: false }]),
    /has a column _db_name/,
  );
});

test('broadcast: one source table into two sink tables, schema changes and rows to both', () => {
  const router: TableRouter = {
    route: () => [
      { sink: tableId('a', 'copy'), shardColumns: false },
      { sink: tableId('b', 'copy'), shardColumns: true },
    ],
  };
  const o = new SchemaOperator(router, 'evolve');
  assert.deepEqual(
    o.onSchemaChange(ev({ type: 'create-table', schema: base })).map((c) => tableIdToString(c.tableId)),
    ['a.copy', 'b.copy'],
  );
  assert.deepEqual(
    o.onSchemaChange(ev(addB)).map((c) => tableIdToString(c.tableId)),
    ['a.copy', 'b.copy'],
  );
  const rows = o.onDataChange({
    kind: 'data',
    tableId: t1,
    op: 'insert',
    before: null,
    after: [5, 1, 'x'],
    meta: { tsMs: 0 },
  });
  assert.deepEqual(
    rows.map((r) => [tableIdToString(r.tableId), r.after]),
    [
      ['a.copy', [5, 1, 'x']],
      ['b.copy', ['db', 't1', 1, 'x', 5]],
    ],
  );
});

test('ctas: nullable columns added, dropped and renamed as under lenient', () => {
  const o = op('ctas');
  const add: SchemaChange = {
    type: 'add-column',
    columns: [{ column: { name: 'n', type: INT, nullable: true }, position: { kind: 'first' } }],
  };
  assert.deepEqual(o.onSchemaChange(ev(add))[0]?.change, {
    type: 'add-column',
    columns: [{ column: { name: 'n', type: INT, nullable: true }, position: { kind: 'last' } }],
  });
  assert.deepEqual(o.onSchemaChange(ev({ type: 'drop-column', columns: ['n'] })), []);
  assert.deepEqual(
    o.onSchemaChange(ev({ type: 'rename-column', renames: [{ from: 'a', to: 'b' }] }))[0]?.change,
    {
      type: 'add-column',
      columns: [{ column: { name: 'b', type: STR, nullable: true }, position: { kind: 'last' } }],
    },
  );
  assert.deepEqual(
    o.sinkSchema(t1)?.columns.map((c) => `${c.name}${c.nullable ? '' : '!'}`),
    ['id!', 'a', 'n', 'b'],
  );
  // a row after it: the dropped column and the old name NULL
  assert.deepEqual(insert(o, t1, [1, 'x']).after, [1, null, null, 'x']);
  // moves, truncates, drops of the table: as under lenient
  assert.deepEqual(o.onSchemaChange(ev({ type: 'reorder-columns', columns: ['b', 'id'] })), []);
  assert.deepEqual(o.onSchemaChange(ev({ type: 'truncate-table' })), []);
});

test('ctas: type, nullability and key changes and NOT NULL columns need the sink table recreated', () => {
  const refused = (change: SchemaChange, reason: RegExp): void => {
    const o = op('ctas');
    assert.throws(
      () =>
        o.onSchemaChange({
          ...ev(change),
          ddl: 'ALTER TABLE t1 …',
          meta: { tsMs: 0, location: 'bin.000001:4' },
        }),
      (e: unknown) => {
        assert.ok(e instanceof TidemarkError && e.code === 'SINK_SCHEMA', String(e));
        assert.match(e.message, /^schema change [a-z-]+ on db\.t1 \(ALTER TABLE t1 …\) at bin\.000001:4: /);
        assert.match(e.message, reason);
        assert.match(
          e.message,
          /The sink table of db\.t1 must be recreated: drop it and snapshot the table again/,
        );
        return true;
      },
    );
    // the sink table is as it was
    assert.deepEqual(o.sinkSchema(t1), base);
  };
  const BIG = { kind: 'integer', bytes: 8, unsigned: false } as const;
  refused(
    { type: 'alter-column-type', changes: [{ column: 'id', type: BIG, nullable: false }] },
    /type of column "id" from INT to BIGINT/,
  );
  refused(
    {
      type: 'alter-column-type',
      changes: [{ column: 'a', type: { kind: 'string', length: 40 }, nullable: true }],
    },
    /type of column "a"/,
  );
  refused(
    { type: 'alter-column-type', changes: [{ column: 'a', type: STR, nullable: false }] },
    /makes column "a" NOT NULL/,
  );
  refused(
    { type: 'alter-primary-key', primaryKeys: ['id', 'a'] },
    /primary key from \("id"\) to \("id", "a"\)/,
  );
  refused(addB, /adds the NOT NULL column "b"/);
  refused({ type: 'drop-column', columns: ['id'] }, /drops the NOT NULL column "id"/);
  refused(
    { type: 'rename-column', renames: [{ from: 'id', to: 'key' }] },
    /renames the NOT NULL column "id"/,
  );
  // the same type (a MODIFY that moves the column) is no change
  const o = op('ctas');
  o.onSchemaChange(ev({ type: 'alter-column-type', changes: [{ column: 'a', type: STR, nullable: true }] }));
  assert.deepEqual(o.sinkSchema(t1), base);
});
