import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TableSchema } from '../../event/table-schema.js';
import { MysqlType, type TableMapColumn } from './binlog/column-value.js';
import { tableMapDifferences } from './table-map-check.js';

const tracked: TableSchema = {
  columns: [
    { name: 'id', type: { kind: 'integer', bytes: 4, unsigned: false }, nullable: false },
    { name: 'price', type: { kind: 'decimal', precision: 10, scale: 2 }, nullable: true },
    { name: 'name', type: { kind: 'string', length: 20, charset: 'utf8mb4' }, nullable: true },
    { name: 'at', type: { kind: 'timestamp', precision: 6 }, nullable: true },
    { name: 'j', type: { kind: 'json' }, nullable: true },
    { name: 'u', type: { kind: 'string', length: 36, fixed: true, format: 'uuid' }, nullable: true },
  ],
  primaryKeys: ['id'],
};

const col = (c: Partial<TableMapColumn> & { realType: number; meta?: number }): TableMapColumn => ({
  typeCode: c.realType,
  meta: 0,
  nullable: true,
  ...c,
});

const binlog: TableMapColumn[] = [
  col({ realType: MysqlType.LONG, name: 'id', unsigned: false }),
  col({ realType: MysqlType.NEWDECIMAL, meta: (10 << 8) | 2, name: 'price' }),
  col({ realType: MysqlType.VARCHAR, meta: 80, name: 'NAME', collationId: 45 }),
  col({ realType: MysqlType.DATETIME2, meta: 6, name: 'at' }),
  col({ realType: MysqlType.BLOB, meta: 4, name: 'j', collationId: 46 }), // MariaDB JSON: LONGTEXT
  col({ realType: MysqlType.STRING, meta: (MysqlType.STRING << 8) | 16, name: 'u', collationId: 63 }),
];

test('a TABLE_MAP that agrees with the tracked schema (names compared case-insensitively)', () => {
  assert.deepEqual(tableMapDifferences(tracked, binlog), []);
  const withoutMetadata = binlog.map(({ name: _n, collationId: _c, ...rest }) => rest);
  assert.deepEqual(tableMapDifferences(tracked, withoutMetadata), []);
});

test('what the check finds: count, order, type, signedness, precision, fsp, charset', () => {
  assert.deepEqual(tableMapDifferences(tracked, binlog.slice(1)), ['5 columns in the binlog, 6 tracked']);
  const swapped = [binlog[0]!, binlog[2]!, binlog[1]!, ...binlog.slice(3)];
  assert.match(tableMapDifferences(tracked, swapped)[0]!, /column #2 is NAME in the binlog, price tracked/);
  const changed = [
    col({ realType: MysqlType.LONGLONG, name: 'id' }),
    col({ realType: MysqlType.NEWDECIMAL, meta: (10 << 8) | 1, name: 'price' }),
    col({ realType: MysqlType.VARCHAR, meta: 20, name: 'name', collationId: 8 }),
    col({ realType: MysqlType.DATETIME2, meta: 3, name: 'at' }),
    binlog[4]!,
    binlog[5]!,
  ];
  assert.deepEqual(tableMapDifferences(tracked, changed), [
    'column id: type LONGLONG in the binlog, INT tracked',
    'column price: DECIMAL(10,1) in the binlog, DECIMAL(10,2) tracked',
    'column name: charset latin1 in the binlog, VARCHAR(20) tracked',
    'column at: fractional seconds 3 in the binlog, DATETIME(6) tracked',
  ]);
  const unsigned = [col({ realType: MysqlType.LONG, name: 'id', unsigned: true }), ...binlog.slice(1)];
  assert.deepEqual(tableMapDifferences(tracked, unsigned), [
    'column id: unsigned in the binlog, INT tracked',
  ]);
});
