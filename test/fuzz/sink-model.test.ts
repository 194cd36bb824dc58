import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANY, type Cell } from './canonical.js';
import type { AlterClause, Op } from './operations.js';
import { SinkModel, type Behavior } from './sink-model.js';
import type { SourceTable } from './source-state.js';
import type { TypeSpec } from './type-spec.js';
import type { TransformSpec } from './transform-model.js';

const INT: TypeSpec = { f: 'int', bytes: 4, unsigned: false };
const TEXT: TypeSpec = { f: 'char', fixed: false, len: 10, charset: 'utf8mb4', collation: 'utf8mb4_bin' };

function table(
  columns: string[],
  key: string[],
  rows: Cell[][],
  types: Record<string, TypeSpec> = {},
): SourceTable {
  return {
    db: 'd',
    name: 't',
    columns: columns.map((name) => ({
      name,
      type: types[name] ?? INT,
      nullable: !key.includes(name),
      defaultText: null,
    })),
    key,
    rows,
  };
}

/** A shard `name` of a merged route: key `id`, these columns and rows. */
function shard(name: string, columns: string[], rows: Cell[][]): SourceTable {
  return { ...table(columns, ['id'], rows), name };
}

const snap = (t: SourceTable): Map<string, SourceTable> => new Map([['d.t', t]]);

function rows(m: SinkModel): Record<string, Cell>[] {
  const t = m.tables.get('d.t')!;
  return [...t.keyed.values(), ...t.append].map((r) => Object.fromEntries(r));
}

function alter(m: SinkModel, before: SourceTable, after: SourceTable, clauses: AlterClause[]): void {
  const op: Op = { k: 'alter', table: { db: 'd', name: 't' }, clauses };
  m.applyDdl(op, snap(before), snap(after));
}

const model = (b: Behavior, t: SourceTable): SinkModel => SinkModel.fromSnapshot(b, snap(t));

test('evolve: an added column gets the values the server gave the rows; expression defaults are not compared', () => {
  const b = table(['id', 'v'], ['id'], [['1', '10']]);
  const a = table(['id', 'v', 'n', 'u'], ['id'], [['1', '10', '0', 'uuid-1']]);
  const m = model('evolve', b);
  alter(m, b, a, [
    { k: 'add', col: { name: 'n', type: INT, notNull: true }, ifNotExists: false },
    {
      k: 'add',
      col: { name: 'u', type: TEXT, notNull: false, default: { k: 'expr', sql: '(UUID())' } },
      ifNotExists: false,
    },
  ]);
  assert.deepEqual(rows(m), [{ id: '1', v: '10', n: '0', u: ANY }]);
  assert.ok(m.lossy.has('d.t'));
});

test('lenient: a rename adds the new column (NULL in existing rows) and keeps the old one, NULL in later rows', () => {
  const b = table(['id', 'v'], ['id'], [['1', '10']]);
  const a = table(['id', 'w'], ['id'], [['1', '10']]);
  const m = model('lenient', b);
  alter(m, b, a, [{ k: 'rename-column', from: 'v', to: 'w' }]);
  assert.deepEqual(rows(m), [{ id: '1', v: '10', w: null }]);
  m.applyRows(a, table(['id', 'w'], ['id'], [['1', '11']]));
  assert.deepEqual(rows(m), [{ id: '1', v: null, w: '11' }]);
  assert.deepEqual(
    m.tables.get('d.t')!.columns.map((c) => c.name),
    ['id', 'v', 'w'],
  );
});

test('ignore: an added column never reaches the sink; a dropped one gets NULL in later rows', () => {
  const b = table(['id', 'v'], ['id'], [['1', '10']]);
  const a = table(['id', 'n'], ['id'], [['1', '5']]);
  const m = model('ignore', b);
  alter(m, b, a, [
    { k: 'drop', name: 'v', ifExists: false },
    { k: 'add', col: { name: 'n', type: INT, notNull: false }, ifNotExists: false },
  ]);
  m.applyRows(
    a,
    table(
      ['id', 'n'],
      ['id'],
      [
        ['1', '5'],
        ['2', '6'],
      ],
    ),
  );
  assert.deepEqual(rows(m), [
    { id: '1', v: '10' },
    { id: '2', v: null },
  ]);
});

test('tables without a key append inserts and updates and ignore deletes', () => {
  const t0 = table(
    ['a', 'b'],
    [],
    [
      ['1', 'x'],
      ['1', 'x'],
    ],
  );
  const m = model('evolve', t0);
  const t1 = table(
    ['a', 'b'],
    [],
    [
      ['1', 'y'],
      ['1', 'x'],
    ],
  ); // UPDATE ... SET b = 'y' LIMIT 1
  m.applyRows(t0, t1);
  m.applyRows(t1, table(['a', 'b'], [], [['1', 'x']])); // DELETE the updated row
  assert.deepEqual(rows(m), [
    { a: '1', b: 'x' },
    { a: '1', b: 'x' },
    { a: '1', b: 'y' },
  ]);
});

test('evolve: an append table that gets a primary key keeps the newest image per key', () => {
  const b = table(
    ['a', 'b'],
    [],
    [
      ['1', 'y'],
      ['2', 'z'],
    ],
  );
  const m = model('evolve', b);
  m.applyRows(
    b,
    table(
      ['a', 'b'],
      [],
      [
        ['1', 'w'],
        ['2', 'z'],
      ],
    ),
  );
  const now = table(
    ['a', 'b'],
    [],
    [
      ['1', 'w'],
      ['2', 'z'],
    ],
  );
  alter(
    m,
    now,
    table(
      ['a', 'b'],
      ['a'],
      [
        ['1', 'w'],
        ['2', 'z'],
      ],
    ),
    [{ k: 'add-pk', columns: ['a'] }],
  );
  assert.deepEqual(rows(m), [
    { a: '1', b: 'w' },
    { a: '2', b: 'z' },
  ]);
});

test('exception: a schema change freezes the model; a no-op ALTER does not', () => {
  const b = table(['id', 'v'], ['id'], [['1', '10']]);
  const m = model('exception', b);
  alter(m, b, b, [{ k: 'drop', name: 'gone', ifExists: true }]);
  assert.equal(m.frozen, undefined);
  alter(m, b, table(['id'], ['id'], [['1']]), [{ k: 'drop', name: 'v', ifExists: false }]);
  assert.deepEqual(m.frozen, { table: 'd.t', what: 'alter table' });
  m.applyRows(
    b,
    table(
      ['id', 'v'],
      ['id'],
      [
        ['1', '10'],
        ['2', '20'],
      ],
    ),
  );
  assert.equal(rows(m).length, 1);
});

test('the model refuses an ALTER whose columns it cannot explain', () => {
  const b = table(['id', 'v'], ['id'], [['1', '10']]);
  const m = model('evolve', b);
  assert.throws(() =>
    alter(m, b, table(['id', 'x'], ['id'], [['1', '10']]), [{ k: 'drop', name: 'v', ifExists: false }]),
  );
});

const rule: TransformSpec = {
  table: { db: 'd', name: 't' },
  computed: [
    { name: 'tx_0', expr: { k: 'arith', col: 'v', op: '+', n: 1 } },
    { name: 'tx_1', expr: { k: 'meta', name: '__data_event_type__' } },
  ],
  filter: { k: 'mod', col: 'v', m: 3 },
};

test('transform: an UPDATE leaving the filter is dropped (the sink keeps the old row), as is the DELETE after it', () => {
  const t0 = table(
    ['id', 'v'],
    ['id'],
    [
      ['1', '1'],
      ['2', '3'],
    ],
  );
  const m = SinkModel.fromSnapshot('evolve', snap(t0), { transforms: [rule], merge: undefined });
  assert.deepEqual(rows(m), [{ id: '1', v: '1', tx_0: '2', tx_1: '+I' }]);
  const t1 = table(
    ['id', 'v'],
    ['id'],
    [
      ['1', '3'],
      ['2', '4'],
    ],
  );
  m.applyRows(t0, t1, 'update');
  assert.deepEqual(rows(m), [
    { id: '1', v: '1', tx_0: '2', tx_1: '+I' },
    { id: '2', v: '4', tx_0: '5', tx_1: '+U' },
  ]);
  m.applyRows(t1, table(['id', 'v'], ['id'], [['2', '4']]));
  assert.deepEqual(rows(m).length, 2);
});

test('transform: a DDL that drops a column the rule names stops the pipeline with CONFIG_INVALID', () => {
  const b = table(['id', 'v', 'w'], ['id'], [['1', '1', '5']]);
  const m = SinkModel.fromSnapshot('lenient', snap(b), { transforms: [rule], merge: undefined });
  const a = table(['id', 'w'], ['id'], [['1', '5']]);
  alter(m, b, a, [{ k: 'drop', name: 'v', ifExists: false }]);
  assert.equal(m.frozen?.code, 'CONFIG_INVALID');
});

test('merge: shard rows meet in one table, DECIMALs at the wider scale, with shard columns in the key', () => {
  const dec = (p: number, s: number): TypeSpec => ({ f: 'decimal', p, s, unsigned: false });
  const decimalShard = (name: string, p: number, s: number, rows: Cell[][]): SourceTable => ({
    ...table(['id', 'v'], ['id'], rows, { v: dec(p, s) }),
    name,
  });
  const source = new Map([
    ['d.shard_1', decimalShard('shard_1', 10, 2, [['1', '1.50']])],
    ['d.shard_2', decimalShard('shard_2', 8, 4, [['1', '2.0000']])],
  ]);
  const merge = { db: 'd', prefix: 'shard_', sink: 'merged', shardColumns: true };
  const m = SinkModel.fromSnapshot('evolve', source, { transforms: [], merge });
  const t = m.tables.get('d.merged')!;
  assert.deepEqual(t.key, ['_db_name', '_table_name', 'id']);
  assert.deepEqual(t.columns.find((c) => c.name === 'v')?.type, dec(12, 4));
  assert.deepEqual(
    [...t.keyed.values()].map((r) => r.get('v')),
    ['1.5000', '2.0000'],
  );
});

test('merge: a shard alone in its sink table is one-to-one (a rename renames); a later shard merges', () => {
  const merge = { db: 'd', prefix: 'shard_', sink: 'merged', shardColumns: false };
  const b = shard('shard_1', ['id', 'a'], [['1', '10']]);
  const m = SinkModel.fromSnapshot('evolve', new Map([['d.shard_1', b]]), { transforms: [], merge });
  const a = shard('shard_1', ['id', 'c'], [['1', '10']]);
  const op: Op = {
    k: 'alter',
    table: { db: 'd', name: 'shard_1' },
    clauses: [{ k: 'rename-column', from: 'a', to: 'c' }],
  };
  m.applyDdl(op, new Map([['d.shard_1', b]]), new Map([['d.shard_1', a]]));
  const t = m.tables.get('d.merged')!;
  assert.deepEqual(
    t.columns.map((c) => c.name),
    ['id', 'c'],
  );
  assert.deepEqual(
    [...t.keyed.values()].map((r) => Object.fromEntries(r)),
    [{ id: '1', c: '10' }],
  );
  // a second shard joins the sink table as it is: its columns are added, nothing is renamed back
  const s2 = shard('shard_2', ['id', 'a'], []);
  const create: Op = {
    k: 'create',
    table: { db: 'd', name: 'shard_2' },
    columns: [],
    key: ['id'],
    ifNotExists: false,
  };
  const before = new Map([['d.shard_1', a]]);
  m.applyDdl(create, before, new Map([...before, ['d.shard_2', s2]]));
  assert.deepEqual(
    t.columns.map((c) => c.name),
    ['id', 'c', 'a'],
  );
  // now merged: a rename of one shard adds the new name and keeps the old one
  const a2 = shard('shard_1', ['id', 'e'], [['1', '10']]);
  const rename: Op = { ...op, clauses: [{ k: 'rename-column', from: 'c', to: 'e' }] };
  m.applyDdl(
    rename,
    new Map([
      ['d.shard_1', a],
      ['d.shard_2', s2],
    ]),
    new Map([
      ['d.shard_1', a2],
      ['d.shard_2', s2],
    ]),
  );
  assert.deepEqual(
    t.columns.map((c) => c.name),
    ['id', 'c', 'a', 'e'],
  );
});

test('merge: after the other shards are dropped, DDL of the last one meets the sink table as it is', () => {
  const merge = { db: 'd', prefix: 'shard_', sink: 'merged', shardColumns: false };
  const s1 = shard('shard_1', ['id', 'x'], [['1', '5']]);
  const s2 = shard('shard_2', ['id', 'a'], [['2', '10']]);
  const both = new Map([
    ['d.shard_1', s1],
    ['d.shard_2', s2],
  ]);
  const m = SinkModel.fromSnapshot('evolve', both, { transforms: [], merge });
  const drop: Op = { k: 'drop', tables: [{ db: 'd', name: 'shard_1' }], ifExists: false };
  m.applyDdl(drop, both, new Map([['d.shard_2', s2]]));
  const a = shard('shard_2', ['id', 'c'], [['2', '10']]);
  const op: Op = {
    k: 'alter',
    table: { db: 'd', name: 'shard_2' },
    clauses: [{ k: 'rename-column', from: 'a', to: 'c' }],
  };
  m.applyDdl(op, new Map([['d.shard_2', s2]]), new Map([['d.shard_2', a]]));
  const t = m.tables.get('d.merged')!;
  // the dropped shard's column and row stay; the rename renames
  assert.deepEqual(
    t.columns.map((c) => c.name),
    ['id', 'x', 'c'],
  );
  assert.deepEqual(
    [...t.keyed.values()].map((r) => Object.fromEntries(r)),
    [
      { id: '1', x: '5', c: null },
      { id: '2', x: null, c: '10' },
    ],
  );
});

test('a lossy change before an expected CONFIG_INVALID may stop the run first, with a clear error (seed 2447)', () => {
  const u = (cells: Cell[][], type: TypeSpec): SourceTable => ({
    ...table(['id', 'c'], ['id'], cells, { c: type }),
    name: 'u',
  });
  const t0 = table(['id', 'v', 'w'], ['id'], [['1', '1', '5']]);
  const u0 = u([['1', 'a']], TEXT);
  const u1 = u([['1', '0']], { f: 'double' });
  const m = SinkModel.fromSnapshot(
    'lenient',
    new Map([
      ['d.t', t0],
      ['d.u', u0],
    ]),
    { transforms: [rule], merge: undefined },
  );
  const both = (t: SourceTable, x: SourceTable) =>
    new Map([
      ['d.t', t],
      ['d.u', x],
    ]);
  const modify: Op = {
    k: 'alter',
    table: { db: 'd', name: 'u' },
    clauses: [{ k: 'modify', col: { name: 'c', type: { f: 'double' }, notNull: false }, ifExists: false }],
  };
  m.applyDdl(modify, both(t0, u0), both(t0, u1));
  const t1 = table(['id', 'w'], ['id'], [['1', '5']]);
  const drop: Op = {
    k: 'alter',
    table: { db: 'd', name: 't' },
    clauses: [{ k: 'drop', name: 'v', ifExists: false }],
  };
  m.applyDdl(drop, both(t0, u1), both(t1, u1));
  assert.equal(m.frozen?.code, 'CONFIG_INVALID');
  assert.equal(
    m.lossyTableIn('error [SINK_SCHEMA]: duckdb sink: cannot change column c of d.u exactly'),
    'd.u',
  );
  assert.equal(m.lossyTableIn('error [CONFIG_INVALID]: transform rule of d.t names v'), undefined);
  assert.equal(m.lossyTableIn('error [SINK_SCHEMA]: cannot change column v of d.t exactly'), undefined);
});

test('merge: shard columns of different kinds take the wider type, each value converted into it', () => {
  const merge = { db: 'd', prefix: 'shard_', sink: 'merged', shardColumns: false };
  const typed = (name: string, types: Record<string, TypeSpec>, rows: Cell[][]): SourceTable => ({
    ...table(['id', 'n', 'u', 'd'], ['id'], rows, types),
    name,
  });
  const s1 = typed('shard_1', { u: { f: 'int', bytes: 8, unsigned: true }, d: { f: 'date' } }, [
    ['1', '7', '18446744073709551615', '2024-01-31'],
  ]);
  const s2 = typed(
    'shard_2',
    { n: TEXT, u: { f: 'int', bytes: 8, unsigned: false }, d: { f: 'datetime', fsp: 3 } },
    [['2', 'x', '-5', '2024-02-01 10:00:00.123000']],
  );
  const both = new Map([
    ['d.shard_1', s1],
    ['d.shard_2', s2],
  ]);
  const m = SinkModel.fromSnapshot('evolve', both, { transforms: [], merge });
  const t = m.tables.get('d.merged')!;
  assert.deepEqual(
    t.columns.map((c) => [c.name, c.type.f]),
    [
      ['id', 'int'],
      ['n', 'text'],
      ['u', 'decimal'],
      ['d', 'datetime'],
    ],
  );
  assert.deepEqual(
    [...t.keyed.values()].map((r) => Object.fromEntries(r)),
    [
      { id: '1', n: '7', u: '18446744073709551615', d: '2024-01-31 00:00:00.000000' },
      { id: '2', n: 'x', u: '-5', d: '2024-02-01 10:00:00.123000' },
    ],
  );
  // a row written later is converted from its own table's type too
  m.applyRows(s1, { ...s1, rows: [...s1.rows, ['3', '8', '1', '2024-03-01']] });
  assert.deepEqual(Object.fromEntries(t.keyed.get(JSON.stringify(['3']))!), {
    id: '3',
    n: '8',
    u: '1',
    d: '2024-03-01 00:00:00.000000',
  });
});

test('merge: a later shard widens the sink column (its rows converted); one no type holds stops with SCHEMA_MERGE', () => {
  const merge = { db: 'd', prefix: 'shard_', sink: 'merged', shardColumns: false };
  const dec: TypeSpec = { f: 'decimal', p: 6, s: 2, unsigned: false };
  const s1: SourceTable = { ...table(['id', 'v'], ['id'], [['1', '1.50']], { v: dec }), name: 'shard_1' };
  const one = new Map([['d.shard_1', s1]]);
  const m = SinkModel.fromSnapshot('lenient', one, { transforms: [], merge });
  const create = (name: string): Op => ({
    k: 'create',
    table: { db: 'd', name },
    columns: [],
    key: ['id'],
    ifNotExists: false,
  });
  const s2: SourceTable = { ...table(['id', 'v'], ['id'], [], { v: TEXT }), name: 'shard_2' };
  const two = new Map([...one, ['d.shard_2', s2]]);
  m.applyDdl(create('shard_2'), one, two);
  const t = m.tables.get('d.merged')!;
  assert.equal(t.columns[1]!.type.f, 'text');
  assert.equal(t.keyed.get(JSON.stringify(['1']))!.get('v'), '1.50');
  const s3: SourceTable = {
    ...table(['id', 'v'], ['id'], [], { v: { f: 'blob', size: 'text' } }),
    name: 'shard_3',
  };
  m.applyDdl(create('shard_3'), two, new Map([...two, ['d.shard_3', s3]]));
  assert.equal(m.frozen?.code, 'SCHEMA_MERGE');
  assert.equal(m.frozen?.table, 'd.merged');
  // a new pipeline over such shards stops at once
  const again = SinkModel.fromSnapshot('lenient', new Map([...two, ['d.shard_3', s3]]), {
    transforms: [],
    merge,
  });
  assert.equal(again.frozen?.code, 'SCHEMA_MERGE');
});
