import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { applySchemaChange } from '../../event/schema-change.js';
import type { SchemaChange } from '../../event/change-event.js';
import type { ColumnType, Value } from '../../event/column-type.js';
import { tableId } from '../../event/table-schema.js';
import type { TableSchema } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import type { DuckDbSink } from './duckdb-sink.js';
import { openDuckDb } from './duckdb-open.js';
import { queryDuckDb } from './duckdb-query.js';
import {
  BIGINT,
  INT,
  VARCHAR,
  checkpoint,
  col,
  createTable,
  dec,
  del,
  ins,
  openSink,
  readRows,
  tempDb,
  upd,
} from './duckdb-test-support.js';

const orders = tableId('app_db', 'orders');
const ordersSchema: TableSchema = {
  columns: [col('id', INT, false), col('price', dec(10, 2), false)],
  primaryKeys: ['id'],
};

/** Applies a change to the sink with the schema it results in, like the runner does. */
async function change(
  sink: DuckDbSink,
  id: typeof orders,
  before: TableSchema,
  ch: SchemaChange,
): Promise<TableSchema> {
  const after = applySchemaChange(before, ch)!;
  await sink.applySchemaChange(id, ch, after);
  return after;
}

test('seed 000: orders inserts, add column appended last, update, delete', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    await createTable(sink, orders, ordersSchema);
    await sink.write([ins(orders, [1, '4.00']), ins(orders, [2, '100.00'])]);
    await sink.flush(checkpoint(1));
    await sink.write([ins(orders, [3, '100.00'])]);
    await sink.flush(checkpoint(2));
    const s2 = await change(sink, orders, ordersSchema, {
      type: 'add-column',
      columns: [{ column: col('amount', { kind: 'string', length: 100 }), position: { kind: 'last' } }],
    });
    await sink.write([upd(orders, [1, '4.00', null], [1, '100.00', '100.00'])]);
    await sink.write([del(orders, [2, '100.00', null])]);
    await sink.flush(checkpoint(3));
    assert.deepEqual(
      s2.columns.map((c) => c.name),
      ['id', 'price', 'amount'],
    );
    await sink.close();
    const out = await queryDuckDb(t.file, 'SELECT * FROM app_db.orders ORDER BY id', 'table');
    assert.equal(
      out,
      [
        '+----+--------+--------+',
        '| id | price  | amount |',
        '+----+--------+--------+',
        '|  1 | 100.00 | 100.00 |',
        '|  3 | 100.00 | NULL   |',
        '+----+--------+--------+',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  } finally {
    t.cleanup();
  }
});

test('upsert table: last change per key wins within a batch, key changes, batches in one transaction', async () => {
  for (const batchSize of [10_000, 2, 1]) {
    const t = tempDb();
    try {
      const { sink } = await openSink(t.file, { 'batch.size': batchSize });
      const s: TableSchema = {
        columns: [col('id', INT, false), col('v', VARCHAR)],
        primaryKeys: ['id'],
      };
      await createTable(sink, orders, s);
      await sink.write([
        ins(orders, [1, 'a']),
        ins(orders, [2, 'b']),
        upd(orders, [1, 'a'], [1, 'a2']),
        upd(orders, [1, 'a2'], [1, 'a3']),
        ins(orders, [3, 'c']),
        del(orders, [2, 'b']),
        ins(orders, [2, 'b2']), // re-insert after delete
        upd(orders, [3, 'c'], [30, 'c']), // key change: delete 3, upsert 30
        ins(orders, [4, 'd']),
        del(orders, [4, 'd']), // inserted and deleted in the same batch
        ins(orders, [3, 'new3']), // the old key comes back
      ]);
      await sink.write([upd(orders, [30, 'c'], [31, 'c31']), upd(orders, [1, 'a3'], [1, 'a4'])]);
      await sink.flush(checkpoint(1));
      await sink.close();
      const rows = await readRows(t.file, 'SELECT id, v FROM app_db.orders ORDER BY id');
      assert.deepEqual(
        rows,
        [
          ['1', 'a4'],
          ['2', 'b2'],
          ['3', 'new3'],
          ['31', 'c31'],
        ],
        `batch.size ${batchSize}`,
      );
    } finally {
      t.cleanup();
    }
  }
});

test('append table: DELETE ignored, UPDATE appended as INSERT of the after image', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const logs = tableId('app_db', 'logs');
    const s: TableSchema = { columns: [col('id', INT), col('msg', VARCHAR)], primaryKeys: [] };
    await createTable(sink, logs, s);
    await sink.write([
      ins(logs, [1, 'a']),
      ins(logs, [1, 'a']),
      upd(logs, [1, 'a'], [1, 'b']),
      del(logs, [1, 'a']),
      ins(logs, [2, null]),
    ]);
    await sink.flush(checkpoint(1));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT id, msg FROM app_db.logs ORDER BY id, msg NULLS LAST'), [
      ['1', 'a'],
      ['1', 'a'],
      ['1', 'b'],
      ['2', null],
    ]);
    const pk = await readRows(
      t.file,
      "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'logs' AND constraint_type = 'PRIMARY KEY'",
    );
    assert.deepEqual(pk, [['0']]);
  } finally {
    t.cleanup();
  }
});

test('checkpoint is committed atomically with the rows', async () => {
  const t = tempDb();
  try {
    let { sink } = await openSink(t.file);
    assert.equal(await sink.committedCheckpoint(), undefined);
    await createTable(sink, orders, ordersSchema);
    await sink.write([ins(orders, [1, '4.00'])]);
    const cp1 = checkpoint(7, 'mysql-bin.000003:4711');
    await sink.flush(cp1);
    await sink.close();

    ({ sink } = await openSink(t.file));
    assert.deepEqual(await sink.committedCheckpoint(), cp1);
    // Another pipeline in the same file has its own row.
    const other = await openSink(t.file, {}, 'other');
    await other.sink.close();
    await createTable(sink, orders, ordersSchema);
    await sink.write([ins(orders, [2, '5.00']), upd(orders, [1, '4.00'], [1, '9.99'])]);
    await sink.close(); // no flush: rolled back
    ({ sink } = await openSink(t.file, { 'batch.size': 1 }));
    assert.deepEqual(await sink.committedCheckpoint(), cp1);
    // Rows written ahead into the transaction (batch.size 1) are rolled back too.
    await createTable(sink, orders, ordersSchema);
    await sink.write([ins(orders, [3, '1.00']), ins(orders, [4, '1.00'])]);
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT id, price FROM app_db.orders'), [['1', '4.00']]);
    const cp = await readRows(
      t.file,
      "SELECT seq, json_extract_string(checkpoint, '$.source.position'), committed_at IS NOT NULL FROM _tidemark.checkpoints",
    );
    assert.deepEqual(cp, [['7', 'mysql-bin.000003:4711', 'true']]);
  } finally {
    t.cleanup();
  }
});

test('a DuckDB error rolls back and throws SINK_WRITE naming the table', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    await createTable(sink, orders, ordersSchema);
    await sink.write([ins(orders, [1, '4.00'])]);
    await sink.flush(checkpoint(1));
    await sink.write([ins(orders, [2, '5.00'])]);
    await assert.rejects(
      sink.write([ins(orders, [3, 'not a number'])]).then(() => sink.flush(checkpoint(2))),
      (e: unknown) =>
        e instanceof TidemarkError &&
        e.code === 'SINK_WRITE' &&
        !e.retryable &&
        e.message.includes('app_db.orders'),
    );
    await assert.rejects(sink.flush(checkpoint(3)), /unusable/);
    await sink.close();
    const { sink: s2 } = await openSink(t.file);
    assert.equal((await s2.committedCheckpoint())?.seq, 1);
    await s2.close();
    assert.deepEqual(await readRows(t.file, 'SELECT id FROM app_db.orders'), [['1']]);
  } finally {
    t.cleanup();
  }
});

test("schema changes: add with the existing rows' value, simultaneous renames, drop, type, truncate, drop table", async () => {
  const t = tempDb();
  try {
    let { sink } = await openSink(t.file);
    let s: TableSchema = {
      columns: [col('id', INT, false), col('a', INT), col('b', VARCHAR)],
      primaryKeys: ['id'],
    };
    await createTable(sink, orders, s);
    await createTable(sink, orders, s); // replay
    await sink.write([ins(orders, [1, 10, 'x'])]);
    await sink.flush(checkpoint(1));
    const add: SchemaChange = {
      type: 'add-column',
      columns: [
        { column: col('n', INT, false), position: { kind: 'first' }, existingValue: 0 },
        { column: col('note', VARCHAR), position: { kind: 'last' } },
      ],
    };
    s = await change(sink, orders, s, add);
    await sink.applySchemaChange(orders, add, s); // replayed DDL: the columns exist
    s = await change(sink, orders, s, {
      type: 'rename-column',
      renames: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
    });
    await sink.write([ins(orders, [7, 2, 20, 'y', 'n2'])]);
    await sink.flush(checkpoint(2));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT id, a, b, n, note FROM app_db.orders ORDER BY id'), [
      ['1', 'x', '10', '0', null],
      ['2', 'y', '20', '7', 'n2'],
    ]);

    ({ sink } = await openSink(t.file));
    await createTable(sink, orders, s); // a restart replays create-table with the schema of the checkpoint
    s = await change(sink, orders, s, { type: 'drop-column', columns: ['note'] });
    s = await change(sink, orders, s, {
      type: 'alter-column-type',
      changes: [{ column: 'b', type: BIGINT, nullable: true }],
    });
    await sink.write([ins(orders, [1, 3, 9007199254740993n, 'z'])]);
    await sink.flush(checkpoint(3));
    await sink.close();
    assert.deepEqual(
      await readRows(
        t.file,
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'orders' ORDER BY column_index",
      ),
      [
        ['id', 'INTEGER'],
        ['b', 'BIGINT'],
        ['a', 'VARCHAR'],
        ['n', 'INTEGER'],
      ],
    );
    assert.deepEqual(await readRows(t.file, 'SELECT id, a, b, n FROM app_db.orders ORDER BY id'), [
      ['1', 'x', '10', '0'],
      ['2', 'y', '20', '7'],
      ['3', 'z', '9007199254740993', '1'],
    ]);

    ({ sink } = await openSink(t.file));
    await createTable(sink, orders, s);
    await sink.applySchemaChange(orders, { type: 'truncate-table' }, s);
    await sink.write([ins(orders, [0, 9, null, 'q'])]);
    await sink.applySchemaChange(orders, { type: 'drop-table' }, undefined);
    await assert.rejects(sink.write([ins(orders, [0, 10, null, 'r'])]), /create-table missing/);
    await sink.close();
    assert.equal((await readRows(t.file, 'SELECT count(*) FROM app_db.orders'))[0]![0], '3', 'rolled back');
    ({ sink } = await openSink(t.file));
    await createTable(sink, orders, s);
    await sink.applySchemaChange(orders, { type: 'drop-table' }, undefined);
    await sink.flush(checkpoint(4));
    await sink.close();
    assert.deepEqual(
      await readRows(t.file, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'orders'"),
      [['0']],
    );
  } finally {
    t.cleanup();
  }
});

test('a failed schema change rolls the transaction back: SINK_SCHEMA naming table and column', async () => {
  const t = tempDb();
  try {
    const { sink, logs } = await openSink(t.file);
    const s: TableSchema = { columns: [col('id', INT, false), col('v', VARCHAR)], primaryKeys: ['id'] };
    await createTable(sink, orders, s);
    await sink.write([ins(orders, [1, 'abc'])]);
    await sink.flush(checkpoint(1));
    await sink.write([ins(orders, [2, 'def'])]);
    // Rows changed in the open transaction: DuckDB cannot commit a type change as well.
    await assert.rejects(
      change(sink, orders, s, {
        type: 'alter-column-type',
        changes: [{ column: 'v', type: INT, nullable: true }],
      }),
      /must flush before applySchemaChange/,
    );
    await sink.close();
    const again = await openSink(t.file);
    await createTable(again.sink, orders, s);
    await assert.rejects(
      change(again.sink, orders, s, {
        type: 'alter-column-type',
        changes: [{ column: 'v', type: INT, nullable: true }],
      }),
      (e: unknown) =>
        e instanceof TidemarkError &&
        e.code === 'SINK_SCHEMA' &&
        e.message.includes('column v of app_db.orders') &&
        e.details?.column === 'v',
    );
    await again.sink.close();
    assert.ok(logs.some((l) => l.level === 'error') || again.logs.some((l) => l.level === 'error'));
    assert.deepEqual(await readRows(t.file, 'SELECT * FROM app_db.orders ORDER BY id'), [['1', 'abc']]);
  } finally {
    t.cleanup();
  }
});

test('primary-key changes rebuild the table: new key, key column dropped, key column type changed', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    let s: TableSchema = {
      columns: [col('id', INT, false), col('v', INT, false), col('w', VARCHAR)],
      primaryKeys: ['id'],
    };
    await createTable(sink, orders, s);
    await sink.write([ins(orders, [1, 1, 'a']), ins(orders, [2, 1, 'b'])]);
    await sink.flush(checkpoint(1));
    s = await change(sink, orders, s, { type: 'alter-primary-key', primaryKeys: ['id', 'v'] });
    await sink.write([ins(orders, [1, 2, 'c'])]);
    await sink.flush(checkpoint(2));
    s = await change(sink, orders, s, {
      type: 'alter-column-type',
      changes: [{ column: 'v', type: BIGINT, nullable: false }],
    });
    await assert.rejects(
      change(sink, orders, s, { type: 'drop-column', columns: ['id'] }),
      /cannot copy the rows of app_db\.orders.*duplicate key/,
      'v alone is not unique here',
    );
    await sink.close();
    const again = await openSink(t.file);
    await createTable(again.sink, orders, {
      columns: [col('id', INT, false), col('v', INT, false), col('w', VARCHAR)],
      primaryKeys: ['id', 'v'],
    });
    await again.sink.write([del(orders, [1, 1, 'a']), del(orders, [2, 1, 'b'])]);
    await again.sink.flush(checkpoint(3));
    let s2: TableSchema = {
      columns: [col('id', INT, false), col('v', INT, false), col('w', VARCHAR)],
      primaryKeys: ['id', 'v'],
    };
    s2 = await change(again.sink, orders, s2, { type: 'drop-column', columns: ['id'] });
    await again.sink.write([upd(orders, [2, 'c'], [2, 'd'])]);
    await again.sink.flush(checkpoint(4));
    await again.sink.close();
    assert.deepEqual(s2.primaryKeys, ['v']);
    assert.deepEqual(await readRows(t.file, 'SELECT * FROM app_db.orders'), [['2', 'd']]);
    assert.deepEqual(
      await readRows(
        t.file,
        "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 'orders' AND constraint_type = 'PRIMARY KEY'",
      ),
      [["['v']"]],
    );
  } finally {
    t.cleanup();
  }
});

test('rename-table keeps the rows: same schema, another schema, into an existing table (merge)', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const s: TableSchema = { columns: [col('id', INT, false), col('v', VARCHAR)], primaryKeys: ['id'] };
    const a = tableId('db1', 'a');
    const b = tableId('db1', 'b');
    const c = tableId('db2', 'c');
    await createTable(sink, a, s);
    await sink.write([ins(a, [1, 'x']), ins(a, [2, 'y'])]);
    await sink.flush(checkpoint(1));
    await sink.applySchemaChange(a, { type: 'rename-table', to: b }, s);
    await sink.write([ins(b, [3, 'z'])]);
    await sink.applySchemaChange(b, { type: 'rename-table', to: c }, s);
    await sink.flush(checkpoint(2));
    const wide: TableSchema = { ...s, columns: [...s.columns, col('extra', INT)] };
    await createTable(sink, a, wide);
    await sink.write([ins(a, [1, 'old', 5]), ins(a, [9, 'nine', 6])]);
    await sink.flush(checkpoint(3));
    await sink.applySchemaChange(c, { type: 'rename-table', to: a }, wide);
    await sink.write([ins(a, [10, 'ten', 7])]);
    await sink.flush(checkpoint(4));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT id, v, extra FROM db1.a ORDER BY id'), [
      ['1', 'x', null],
      ['2', 'y', null],
      ['3', 'z', null],
      ['9', 'nine', '6'],
      ['10', 'ten', '7'],
    ]);
    assert.deepEqual(
      await readRows(
        t.file,
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name LIKE 'db%' ORDER BY 1, 2",
      ),
      [['db1', 'a']],
    );
  } finally {
    t.cleanup();
  }
});

test('add-column: existing rows get the source value of every type kind; unknown values need an empty table', async () => {
  const t = tempDb();
  try {
    const { sink, logs } = await openSink(t.file);
    const id = tableId('types', 'added');
    let s: TableSchema = { columns: [col('id', INT, false)], primaryKeys: ['id'] };
    await createTable(sink, id, s);
    await sink.write([ins(id, [1])]);
    await sink.flush(checkpoint(1));
    for (const r of [0, 1]) {
      s = await change(sink, id, s, {
        type: 'add-column',
        columns: EXACT.map((c) => ({
          column: col(`${c.name}_${r}`, c.type),
          position: { kind: 'last' },
          existingValue: c.values[r]!,
        })),
      });
    }
    await sink.flush(checkpoint(2));
    const empty = tableId('types', 'empty');
    const unknown = (name: string): SchemaChange => ({
      type: 'add-column',
      columns: [
        {
          column: col(name, INT),
          position: { kind: 'last' },
          existingUnknown: 'an AUTO_INCREMENT column (DDL: …)',
        },
      ],
    });
    await createTable(sink, empty, { columns: [col('id', INT, false)], primaryKeys: ['id'] });
    await sink.applySchemaChange(empty, unknown('auto'), undefined);
    await sink.flush(checkpoint(3));
    await assert.rejects(
      sink.applySchemaChange(id, unknown('auto'), undefined),
      (e: unknown) =>
        e instanceof TidemarkError &&
        e.code === 'SINK_SCHEMA' &&
        /auto to types\.added exactly: an AUTO_INCREMENT/.test(e.message),
    );
    await sink.close();
    const select = [0, 1].flatMap((r) =>
      EXACT.map((c) => `CAST(${JSON.stringify(`${c.name}_${r}`)} AS VARCHAR)`),
    );
    const [got] = await readRows(t.file, `SELECT ${select.join(', ')} FROM types.added`);
    [0, 1].forEach((r) =>
      EXACT.forEach((c, i) => assert.equal(got![r * EXACT.length + i], c.expect[r], `${c.name} row ${r}`)),
    );
    assert.ok(logs.some((l) => l.level === 'warn' && String(l.msg).includes('zero')));
  } finally {
    t.cleanup();
  }
});

test('identifiers with quotes, spaces, uppercase; table without schema name goes to main', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const id = tableId('My "DB" x', 'Or"ders Tbl');
    const s: TableSchema = {
      columns: [col('Key "A"', VARCHAR, false), col('Value B', INT), col('select', VARCHAR)],
      primaryKeys: ['Key "A"'],
    };
    await createTable(sink, id, s);
    await createTable(sink, id, s);
    await sink.write([ins(id, ['k', 1, 'x']), upd(id, ['k', 1, 'x'], ['k', 2, 'y']), ins(id, ['K', 3, 'z'])]);
    const bare = tableId(undefined, 'Plain');
    await createTable(sink, bare, { columns: [col('a', INT)], primaryKeys: [] });
    await sink.write([ins(bare, [5])]);
    await sink.flush(checkpoint(1));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT * FROM "My ""DB"" x"."Or""ders Tbl" ORDER BY 1'), [
      ['K', '3', 'z'],
      ['k', '2', 'y'],
    ]);
    assert.deepEqual(await readRows(t.file, 'SELECT * FROM main."Plain"'), [['5']]);
  } finally {
    t.cleanup();
  }
});

test('partial row images (binlog_row_image MINIMAL) update only the present columns', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const s: TableSchema = {
      columns: [col('id', INT, false), col('a', VARCHAR), col('b', VARCHAR)],
      primaryKeys: ['id'],
    };
    await createTable(sink, orders, s);
    await sink.write([ins(orders, [1, 'a1', 'b1']), ins(orders, [2, 'a2', 'b2'])]);
    await sink.flush(checkpoint(1));
    await sink.write([
      upd(orders, [1, undefined, undefined], [undefined, 'A1', undefined]),
      upd(orders, [2, undefined, undefined], [undefined, undefined, null]),
      ins(orders, [3, 'a3', 'b3']),
      upd(orders, [3, undefined, undefined], [undefined, undefined, 'B3']), // merged in the batch
    ]);
    await sink.flush(checkpoint(2));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT * FROM app_db.orders ORDER BY id'), [
      ['1', 'A1', 'b1'],
      ['2', 'a2', null],
      ['3', 'a3', 'B3'],
    ]);
  } finally {
    t.cleanup();
  }
});

test('one batch with every change of a key staged in order: the last per key is written', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const s: TableSchema = {
      columns: [col('id', BIGINT, false), col('a', VARCHAR), col('b', VARCHAR)],
      primaryKeys: ['id'],
    };
    await createTable(sink, orders, s);
    await sink.write([ins(orders, [8n, 'a8', 'b8']), ins(orders, [9n, 'a9', 'b9'])]);
    await sink.flush(checkpoint(1));
    await sink.write([
      ins(orders, [5n, 'x', 'x']),
      del(orders, [5n, 'x', 'x']),
      ins(orders, [5n, 'a5', 'b5']), // deleted, then inserted again
      ins(orders, [6n, 'a6', 'b6']),
      upd(orders, [6n, 'a6', 'b6'], [7n, 'a7', 'b7']), // the key moves
      ins(orders, [6n, 'a6bis', null]), // and the old key is used again
      del(orders, [8n, 'a8', 'b8']),
      ins(orders, [8n, 'A8', 'B8']), // an existing key deleted and inserted
      del(orders, [9n, undefined, undefined]),
      upd(orders, [9n, undefined, undefined], [undefined, 'A9', undefined]), // partial after a delete
    ]);
    await sink.flush(checkpoint(2));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT * FROM app_db.orders ORDER BY id'), [
      ['5', 'a5', 'b5'],
      ['6', 'a6bis', null],
      ['7', 'a7', 'b7'],
      ['8', 'A8', 'B8'],
      ['9', 'A9', null],
    ]);
  } finally {
    t.cleanup();
  }
});

interface ExactCase {
  readonly name: string;
  readonly type: ColumnType;
  readonly values: readonly Value[];
  /** DuckDB's text of each value (CAST AS VARCHAR), null for NULL. */
  readonly expect: readonly (string | null)[];
  readonly duckType: string;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

const EXACT: readonly ExactCase[] = [
  {
    name: 'b',
    type: { kind: 'boolean' },
    values: [true, false],
    expect: ['true', 'false'],
    duckType: 'BOOLEAN',
  },
  {
    name: 'i1',
    type: { kind: 'integer', bytes: 1, unsigned: false },
    values: [-128, 127],
    expect: ['-128', '127'],
    duckType: 'TINYINT',
  },
  {
    name: 'u1',
    type: { kind: 'integer', bytes: 1, unsigned: true },
    values: [0, 255],
    expect: ['0', '255'],
    duckType: 'UTINYINT',
  },
  {
    name: 'i2',
    type: { kind: 'integer', bytes: 2, unsigned: false },
    values: [-32768, 32767],
    expect: ['-32768', '32767'],
    duckType: 'SMALLINT',
  },
  {
    name: 'u2',
    type: { kind: 'integer', bytes: 2, unsigned: true },
    values: [0, 65535],
    expect: ['0', '65535'],
    duckType: 'USMALLINT',
  },
  {
    name: 'i3',
    type: { kind: 'integer', bytes: 3, unsigned: false },
    values: [-8388608, 8388607],
    expect: ['-8388608', '8388607'],
    duckType: 'INTEGER',
  },
  {
    name: 'u3',
    type: { kind: 'integer', bytes: 3, unsigned: true },
    values: [0, 16777215],
    expect: ['0', '16777215'],
    duckType: 'UINTEGER',
  },
  {
    name: 'i4',
    type: { kind: 'integer', bytes: 4, unsigned: false },
    values: [-2147483648, 2147483647],
    expect: ['-2147483648', '2147483647'],
    duckType: 'INTEGER',
  },
  {
    name: 'u4',
    type: { kind: 'integer', bytes: 4, unsigned: true },
    values: [0, 4294967295],
    expect: ['0', '4294967295'],
    duckType: 'UINTEGER',
  },
  {
    name: 'i8',
    type: { kind: 'integer', bytes: 8, unsigned: false },
    values: [-9223372036854775808n, 9223372036854775807n],
    expect: ['-9223372036854775808', '9223372036854775807'],
    duckType: 'BIGINT',
  },
  {
    name: 'u8',
    type: { kind: 'integer', bytes: 8, unsigned: true },
    values: [0n, 18446744073709551615n],
    expect: ['0', '18446744073709551615'],
    duckType: 'UBIGINT',
  },
  {
    name: 'd10',
    type: { kind: 'decimal', precision: 10, scale: 2 },
    values: ['4.00', '-99999999.99'],
    expect: ['4.00', '-99999999.99'],
    duckType: 'DECIMAL(10,2)',
  },
  {
    name: 'd38',
    type: { kind: 'decimal', precision: 38, scale: 10 },
    values: ['9999999999999999999999999999.9999999999', '0.0000000001'],
    expect: ['9999999999999999999999999999.9999999999', '0.0000000001'],
    duckType: 'DECIMAL(38,10)',
  },
  {
    name: 'd65',
    type: { kind: 'decimal', precision: 65, scale: 30 },
    values: [
      '12345678901234567890123456789012345.123456789012345678901234567890',
      '-0.000000000000000000000000000001',
    ],
    expect: [
      '12345678901234567890123456789012345.123456789012345678901234567890',
      '-0.000000000000000000000000000001',
    ],
    duckType: 'VARCHAR',
  },
  {
    name: 'f',
    type: { kind: 'float' },
    values: [Math.fround(3.14), -0.5],
    expect: ['3.14', '-0.5'],
    duckType: 'FLOAT',
  },
  {
    name: 'dbl',
    type: { kind: 'double' },
    values: [0.1 + 0.2, 1e308],
    expect: ['0.30000000000000004', '1e+308'],
    duckType: 'DOUBLE',
  },
  {
    name: 's',
    type: { kind: 'string', length: 20 },
    values: ['😀 utf8mb4 ñ', ''],
    expect: ['😀 utf8mb4 ñ', ''],
    duckType: 'VARCHAR',
  },
  {
    name: 'bin',
    type: { kind: 'binary', length: 4, fixed: true },
    values: [new Uint8Array([0, 1, 255, 0]), new Uint8Array([])],
    expect: ['\\x00\\x01\\xFF\\x00', ''],
    duckType: 'BLOB',
  },
  {
    name: 'dt',
    type: { kind: 'date' },
    values: ['2024-02-29', '0000-00-00'],
    expect: ['2024-02-29', null],
    duckType: 'DATE',
  },
  {
    name: 'tm',
    type: { kind: 'time', precision: 6 },
    values: ['-838:59:59.000000', '12:34:56.000001'],
    expect: ['-838:59:59', '12:34:56.000001'],
    duckType: 'INTERVAL',
  },
  {
    name: 'ts',
    type: { kind: 'timestamp', precision: 6 },
    values: ['9999-12-31 23:59:59.999999', '1000-01-01 00:00:00.000001'],
    expect: ['9999-12-31 23:59:59.999999', '1000-01-01 00:00:00.000001'],
    duckType: 'TIMESTAMP',
  },
  {
    name: 'tz',
    type: { kind: 'timestamp_ltz', precision: 6 },
    values: ['2038-01-19 03:14:07.999999', '0000-00-00 00:00:00'],
    expect: ['2038-01-19 03:14:07.999999+00', null],
    duckType: 'TIMESTAMP WITH TIME ZONE',
  },
  { name: 'y', type: { kind: 'year' }, values: [2155, 0], expect: ['2155', '0'], duckType: 'SMALLINT' },
  {
    name: 'bit1',
    type: { kind: 'bit', length: 1 },
    values: [true, false],
    expect: ['true', 'false'],
    duckType: 'BOOLEAN',
  },
  {
    name: 'bit12',
    type: { kind: 'bit', length: 12 },
    values: [new Uint8Array([0x0f, 0xff]), new Uint8Array([0, 0])],
    expect: ['\\x0F\\xFF', '\\x00\\x00'],
    duckType: 'BLOB',
  },
  {
    name: 'e',
    type: { kind: 'enum', values: ['x', 'y'] },
    values: ['y', ''],
    expect: ['y', ''],
    duckType: 'VARCHAR',
  },
  {
    name: 'st',
    type: { kind: 'set', values: ['a', 'b'] },
    values: ['a,b', ''],
    expect: ['a,b', ''],
    duckType: 'VARCHAR',
  },
  {
    name: 'j',
    type: { kind: 'json' },
    values: ['{"a": [1, 2.50, "😀"]}', 'null'],
    expect: ['{"a": [1, 2.50, "😀"]}', 'null'],
    duckType: 'JSON',
  },
  {
    name: 'g',
    type: { kind: 'geometry' },
    values: [utf8('\0\0\0\0\x01'), new Uint8Array([0xe6, 0x10, 0, 0])],
    expect: ['\\x00\\x00\\x00\\x00\\x01', '\\xE6\\x10\\x00\\x00'],
    duckType: 'BLOB',
  },
];

test('exact values round trip for every column type kind', async () => {
  const t = tempDb();
  try {
    const { sink, logs } = await openSink(t.file);
    const id = tableId('types', 'all');
    const schema: TableSchema = {
      columns: [col('id', INT, false), ...EXACT.map((c) => col(c.name, c.type))],
      primaryKeys: ['id'],
    };
    await createTable(sink, id, schema);
    const rows = [0, 1].map((r) => [r, ...EXACT.map((c) => c.values[r]!)]);
    const nulls = [2, ...EXACT.map(() => null)];
    await sink.write([...rows.map((r) => ins(id, r)), ins(id, nulls)]);
    await sink.flush(checkpoint(1));
    // The same rows through the upsert path (INSERT OR REPLACE) must give the same values.
    await sink.write(rows.map((r) => upd(id, r, r)));
    await sink.flush(checkpoint(2));
    await sink.close();
    const zeroWarnings = logs.filter((l) => l.level === 'warn' && String(l.msg).includes('zero'));
    assert.deepEqual(zeroWarnings.map((l) => l.column).sort(), ['dt', 'tz']);

    const types = await readRows(
      t.file,
      "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'all' ORDER BY column_index",
    );
    assert.deepEqual(
      types.slice(1),
      EXACT.map((c) => [c.name, c.duckType]),
    );
    const select = EXACT.map((c) => `CAST(${JSON.stringify(c.name)} AS VARCHAR)`).join(', ');
    const got = await readRows(t.file, `SELECT ${select} FROM types."all" ORDER BY id`);
    for (let r = 0; r < 2; r++) {
      EXACT.forEach((c, i) => {
        assert.equal(got[r]![i], c.expect[r], `${c.name} row ${r}`);
      });
    }
    assert.deepEqual(
      got[2],
      EXACT.map(() => null),
    );
    // Values that are not text in DuckDB, compared by value as well.
    const checks = await readRows(
      t.file,
      'SELECT (SELECT u8 FROM types."all" WHERE id = 1) = 18446744073709551615::UBIGINT, ' +
        'd38 = 9999999999999999999999999999.9999999999::DECIMAL(38,10), ' +
        "epoch_us(tz) = 2147483647999999, epoch_us(ts) = epoch_us('9999-12-31 23:59:59.999999'::TIMESTAMP), " +
        "to_microseconds(0) + tm = INTERVAL '-838 hours -59 minutes -59 seconds', octet_length(bin), s = '', json_valid(j) " +
        'FROM types."all" WHERE id = 0',
    );
    assert.deepEqual(checks, [['true', 'true', 'true', 'true', 'true', '4', 'false', 'true']]);
  } finally {
    t.cleanup();
  }
});

test('open creates the parent directory; open fails with SINK_OPEN on a bad path', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    await sink.close();
    assert.ok(existsSync(t.file));
    await assert.rejects(
      openSink(t.file + '/sub/x.duckdb'),
      (e: unknown) => e instanceof TidemarkError && e.code === 'SINK_OPEN',
    );
  } finally {
    t.cleanup();
  }
});

test('micro-benchmark: upsert 100k rows (prints rows/s)', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const id = tableId('bench', 't');
    const s: TableSchema = {
      columns: [
        col('id', BIGINT, false),
        col('price', dec(12, 2)),
        col('name', VARCHAR),
        col('ts', { kind: 'timestamp', precision: 6 }),
      ],
      primaryKeys: ['id'],
    };
    await createTable(sink, id, s);
    const N = 100_000;
    const mk = (i: number, round: number) =>
      [
        BigInt(i),
        `${i}.${String(round).padStart(2, '0')}`,
        `name ${i}`,
        '2024-05-06 07:08:09.123456',
      ] as const;
    const events = Array.from({ length: N }, (_, i) => ins(id, mk(i, 0)));
    let t0 = performance.now();
    for (let i = 0; i < N; i += 5000) await sink.write(events.slice(i, i + 5000));
    await sink.flush(checkpoint(1));
    const insertMs = performance.now() - t0;
    const updates = Array.from({ length: N }, (_, i) => upd(id, mk(i, 0), mk(i, 1)));
    t0 = performance.now();
    for (let i = 0; i < N; i += 5000) await sink.write(updates.slice(i, i + 5000));
    await sink.flush(checkpoint(2));
    const updateMs = performance.now() - t0;
    await sink.close();
    console.log(
      `duckdb sink: insert ${Math.round((N / insertMs) * 1000)} rows/s, ` +
        `upsert (update existing keys) ${Math.round((N / updateMs) * 1000)} rows/s`,
    );
    assert.deepEqual(await readRows(t.file, 'SELECT count(*), sum(price) FROM bench.t'), [
      ['100000', '4999951000.00'],
    ]);
  } finally {
    t.cleanup();
  }
});

test('temporal primary keys: a TIME fsp change keeps row identity, a kind change is refused', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const id = tableId('app_db', 'shifts');
    const s0: TableSchema = {
      columns: [col('id', INT, false), col('tv', { kind: 'time', precision: 0 }, false), col('v', VARCHAR)],
      primaryKeys: ['id', 'tv'],
    };
    await createTable(sink, id, s0);
    await sink.write([ins(id, [1, '10:00:00', 'a']), ins(id, [1, '-838:59:59', 'b'])]);
    await sink.flush(checkpoint(1));
    const s1 = await change(sink, id, s0, {
      type: 'alter-column-type',
      changes: [{ column: 'tv', type: { kind: 'time', precision: 6 }, nullable: false }],
    });
    // the binlog now gives six fraction digits: the same key
    await sink.write([upd(id, [1, '10:00:00.000000', 'a'], [1, '10:00:00.000000', 'a2'])]);
    await sink.flush(checkpoint(2));
    await assert.rejects(
      change(sink, id, s1, {
        type: 'alter-column-type',
        changes: [{ column: 'tv', type: { kind: 'timestamp', precision: 0 }, nullable: false }],
      }),
      (e: unknown) =>
        e instanceof TidemarkError &&
        e.code === 'SINK_SCHEMA' &&
        /primary key column tv of app_db\.shifts/.test(e.message),
    );
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT tv, v FROM app_db.shifts ORDER BY v'), [
      ['10:00:00', 'a2'],
      ['-838:59:59', 'b'],
    ]);
  } finally {
    t.cleanup();
  }
});

test('a zero date in a key column DuckDB holds as TIMESTAMP (an older table) is a clear error', async () => {
  const t = tempDb();
  try {
    const old = await openSink(t.file);
    await old.sink.close();
    const raw = await openDuckDb(t.file);
    await raw.connection.run(
      'CREATE SCHEMA app_db; CREATE TABLE app_db.ev (d TIMESTAMP PRIMARY KEY, v VARCHAR)',
    );
    raw.connection.closeSync();
    raw.instance.closeSync();
    const { sink } = await openSink(t.file);
    const id = tableId('app_db', 'ev');
    await createTable(sink, id, {
      columns: [col('d', { kind: 'timestamp', precision: 0 }, false), col('v', VARCHAR)],
      primaryKeys: ['d'],
    });
    // refused where the row is staged (the write) or at the latest when it is written (the flush)
    await assert.rejects(
      (async () => {
        await sink.write([ins(id, ['2024-01-01 00:00:00', 'ok']), ins(id, ['0000-00-00 00:00:00', 'zero'])]);
        await sink.flush(checkpoint(1));
      })(),
      (e: unknown) =>
        e instanceof TidemarkError &&
        e.code === 'SINK_WRITE' &&
        /zero date 0000-00-00 00:00:00 in primary key column d of app_db\.ev/.test(e.message),
    );
    await sink.close();
  } finally {
    t.cleanup();
  }
});

test('rows with large values (DELETE + INSERT): the same key in several batches of one transaction', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file, { 'batch.size': 2 });
    const id = tableId('app_db', 'docs');
    await createTable(sink, id, {
      columns: [col('id', INT, false), col('body', VARCHAR)],
      primaryKeys: ['id'],
    });
    const body = (k: number, v: number): string => `${k}/${v}:`.padEnd(300, 'x');
    await sink.write([1, 2, 3].map((k) => ins(id, [k, body(k, 0)])));
    await sink.flush(checkpoint(1));
    // one transaction, batches of two rows: key 1 updated three times, key 2 deleted and inserted
    // again, key 3 updated then deleted, key 4 inserted then updated
    await sink.write([upd(id, [1, body(1, 0)], [1, body(1, 1)]), del(id, [2, body(2, 0)])]);
    await sink.write([upd(id, [1, body(1, 1)], [1, body(1, 2)]), ins(id, [2, body(2, 1)])]);
    await sink.write([upd(id, [3, body(3, 0)], [3, body(3, 1)]), ins(id, [4, body(4, 0)])]);
    await sink.write([upd(id, [1, body(1, 2)], [1, body(1, 3)]), del(id, [3, body(3, 1)])]);
    await sink.write([upd(id, [4, body(4, 0)], [4, body(4, 1)])]);
    await sink.flush(checkpoint(2));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT id, body FROM app_db.docs ORDER BY id'), [
      ['1', body(1, 3)],
      ['2', body(2, 1)],
      ['4', body(4, 1)],
    ]);
  } finally {
    t.cleanup();
  }
});

test('a type change without a DuckDB cast on a table whose rows were all deleted: applied, as after a restart', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    let s: TableSchema = {
      columns: [col('id', INT, false), col('d', { kind: 'time', precision: 5 })],
      primaryKeys: ['id'],
    };
    await createTable(sink, orders, s);
    await sink.write([ins(orders, [1, '01:00:00.00000'])]);
    await sink.flush(checkpoint(1));
    await sink.write([del(orders, [1, '01:00:00.00000'])]);
    await sink.flush(checkpoint(2));
    // DuckDB keeps the deleted row until the file is compacted, and has no INTERVAL → DOUBLE cast
    s = await change(sink, orders, s, {
      type: 'alter-column-type',
      changes: [{ column: 'd', type: { kind: 'double' }, nullable: true }],
    });
    await sink.write([ins(orders, [2, 1.5])]);
    await sink.flush(checkpoint(3));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT id, d FROM app_db.orders'), [['2', '1.5']]);
  } finally {
    t.cleanup();
  }
});

test('a table without a key that gets one keeps, per key, the newest image it appended', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const s: TableSchema = { columns: [col('k', VARCHAR, false), col('v', INT)], primaryKeys: [] };
    await createTable(sink, orders, s);
    await sink.write([ins(orders, ['a', 1]), ins(orders, ['b', 2]), upd(orders, ['a', 1], ['a', 3])]);
    await sink.flush(checkpoint(1));
    await sink.write([upd(orders, ['a', 3], ['a', 4]), ins(orders, ['c', 5])]);
    await sink.flush(checkpoint(2));
    await change(sink, orders, s, { type: 'alter-primary-key', primaryKeys: ['k'] });
    await sink.flush(checkpoint(3));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT k, v FROM app_db.orders ORDER BY k'), [
      ['a', '4'],
      ['b', '2'],
      ['c', '5'],
    ]);
  } finally {
    t.cleanup();
  }
});

test('a DECIMAL value with more fraction digits than the sink column is refused naming table, column and source position, not rounded', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const id = tableId('app_db', 'prices');
    await createTable(sink, id, {
      columns: [col('id', INT, false), col('price', dec(10, 2))],
      primaryKeys: ['id'],
    });
    // e.g. MODIFY price DECIMAL(10,4) under schema.change.behavior: ignore, the sink column kept
    await assert.rejects(
      (async () => {
        const located = { tsMs: 0, location: 'mysql-bin.000007:4711' };
        await sink.write([ins(id, [1, '1.2000']), { ...ins(id, [2, '1.2345']), meta: located }]);
        await sink.flush(checkpoint(1));
      })(),
      (e: unknown) =>
        e instanceof TidemarkError &&
        e.code === 'SINK_WRITE' &&
        /app_db\.prices \(the change read at mysql-bin\.000007:4711\).*column price: DECIMAL value 1\.2345 does not fit DECIMAL\(10,2\)/.test(
          e.message,
        ),
    );
    await sink.close();
  } finally {
    t.cleanup();
  }
});

test('a DATETIME or DATE column widened to TIMESTAMP reads its wall clock as UTC, whatever the DuckDB time zone', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    // DuckDB's casts between TIMESTAMP and TIMESTAMPTZ use the session's zone (the machine's by default)
    const conn = (sink as unknown as { conn: { run(sql: string): Promise<unknown> } }).conn;
    await conn.run("SET TimeZone = 'America/New_York'");
    let s: TableSchema = {
      columns: [
        col('id', INT, false),
        col('at', { kind: 'timestamp', precision: 3 }),
        col('day', { kind: 'date' }),
      ],
      primaryKeys: ['id'],
    };
    await createTable(sink, orders, s);
    await sink.write([ins(orders, [1, '2024-01-31 12:00:00.250', '2024-02-01'])]);
    await sink.flush(checkpoint(1));
    s = await change(sink, orders, s, {
      type: 'alter-column-type',
      changes: [
        { column: 'at', type: { kind: 'timestamp_ltz', precision: 3 }, nullable: true },
        { column: 'day', type: { kind: 'timestamp_ltz', precision: 0 }, nullable: true },
      ],
    });
    await sink.write([ins(orders, [2, '2024-01-31 12:00:00.250', '2024-02-01 00:00:00'])]);
    await sink.flush(checkpoint(2));
    await sink.close();
    assert.deepEqual(
      await readRows(t.file, 'SELECT id, epoch_ms("at"), epoch_ms("day") FROM app_db.orders ORDER BY id'),
      [
        ['1', '1706702400250', '1706745600000'],
        ['2', '1706702400250', '1706745600000'],
      ],
    );
  } finally {
    t.cleanup();
  }
});

test('a DOUBLE or FLOAT column widened to text holds the text a new row gets (the number as JavaScript writes it)', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    let s: TableSchema = {
      columns: [col('id', INT, false), col('d', { kind: 'double' }), col('f', { kind: 'float' })],
      primaryKeys: ['id'],
    };
    await createTable(sink, orders, s);
    const values = [5, -0, 1e16, 1.5e-7, 0.1, -1.25e-5, 1.7976931348623157e308, 1.100000023841858];
    await sink.write(values.map((v, i) => ins(orders, [i, v, Math.abs(v) < 1e38 ? v : null])));
    await sink.flush(checkpoint(1));
    const text = { kind: 'string', text: 'long' } as const;
    s = await change(sink, orders, s, {
      type: 'alter-column-type',
      changes: [
        { column: 'd', type: text, nullable: true },
        { column: 'f', type: text, nullable: true },
      ],
    });
    await sink.flush(checkpoint(2));
    await sink.close();
    const rows = await readRows(t.file, 'SELECT d, f FROM app_db.orders ORDER BY id');
    // (the FLOAT column holds the float32 of each value: its text is that float's as a double)
    const float = (v: number): string | null => (Math.abs(v) < 1e38 ? String(Math.fround(v)) : null);
    assert.deepEqual(
      rows,
      values.map((v) => [String(v), float(v)]),
    );
  } finally {
    t.cleanup();
  }
});

test('a DATETIME, TIMESTAMP or TIME column widened to text holds the text a new row gets, in UTC', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    const conn = (sink as unknown as { conn: { run(sql: string): Promise<unknown> } }).conn;
    await conn.run("SET TimeZone = 'America/New_York'");
    let s: TableSchema = {
      columns: [
        col('id', INT, false),
        col('a', { kind: 'timestamp', precision: 2 }),
        col('b', { kind: 'timestamp_ltz', precision: 3 }),
        col('c', { kind: 'time', precision: 1 }),
        col('d', { kind: 'timestamp', precision: 0 }),
      ],
      primaryKeys: ['id'],
    };
    await createTable(sink, orders, s);
    // the values are the text of their type already (column-type.ts): a new text row gets them as they are
    const rows: Value[][] = [
      [1, '2024-01-31 12:00:00.25', '2024-01-31 06:30:00.500', '-838:59:59.5', '0001-02-03 04:05:06'],
      [2, '2024-02-29 23:59:59.00', '2024-06-01 00:00:00.000', '123:04:05.0', '2024-02-29 23:59:59'],
      [3, null, '1999-12-31 23:59:59.001', '00:00:00.0', null],
    ];
    await sink.write(rows.map((r) => ins(orders, r)));
    await sink.flush(checkpoint(1));
    const text = { kind: 'string', text: 'long' } as const;
    s = await change(sink, orders, s, {
      type: 'alter-column-type',
      changes: ['a', 'b', 'c', 'd'].map((column) => ({ column, type: text, nullable: true })),
    });
    await sink.flush(checkpoint(2));
    await sink.close();
    assert.deepEqual(
      await readRows(t.file, 'SELECT id, a, b, c, d FROM app_db.orders ORDER BY id'),
      rows.map((r) => r.map((v) => (v === null ? null : String(v)))),
    );
  } finally {
    t.cleanup();
  }
});

test('drop-column of a column before the primary key (DuckDB cannot drop it in place): the table is rebuilt', async () => {
  const t = tempDb();
  try {
    const { sink } = await openSink(t.file);
    let s: TableSchema = {
      columns: [col('note', VARCHAR), col('id', INT, false), col('v', VARCHAR)],
      primaryKeys: ['id'],
    };
    await createTable(sink, orders, s);
    await sink.write([ins(orders, ['a', 1, 'x']), ins(orders, ['b', 2, 'y'])]);
    await sink.flush(checkpoint(1));
    s = await change(sink, orders, s, { type: 'drop-column', columns: ['note'] });
    await sink.write([upd(orders, [1, 'x'], [1, 'z'])]);
    await sink.flush(checkpoint(2));
    await sink.close();
    assert.deepEqual(await readRows(t.file, 'SELECT * FROM app_db.orders ORDER BY id'), [
      ['1', 'z'],
      ['2', 'y'],
    ]);
    assert.deepEqual(
      await readRows(
        t.file,
        "SELECT constraint_column_names::VARCHAR FROM duckdb_constraints() WHERE table_name = 'orders' AND constraint_type = 'PRIMARY KEY'",
      ),
      [['[id]']],
    );
  } finally {
    t.cleanup();
  }
});
