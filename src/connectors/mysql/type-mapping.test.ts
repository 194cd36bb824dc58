import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMysqlColumnType } from './type-mapping.js';
import type { ColumnType } from '../../event/column-type.js';
import { TidemarkError } from '../../event/tidemark-error.js';

const cases: [string, ColumnType, { charset?: string; tinyInt1AsBoolean?: boolean }?][] = [
  ['int(11) unsigned', { kind: 'integer', bytes: 4, unsigned: true }],
  ['INT', { kind: 'integer', bytes: 4, unsigned: false }],
  ['integer signed', { kind: 'integer', bytes: 4, unsigned: false }],
  ['tinyint(1)', { kind: 'integer', bytes: 1, unsigned: false }],
  ['tinyint(1)', { kind: 'boolean' }, { tinyInt1AsBoolean: true }],
  ['tinyint(4)', { kind: 'integer', bytes: 1, unsigned: false }, { tinyInt1AsBoolean: true }],
  ['tinyint(1) unsigned', { kind: 'integer', bytes: 1, unsigned: true }, { tinyInt1AsBoolean: true }],
  ['bool', { kind: 'integer', bytes: 1, unsigned: false }],
  ['BOOLEAN', { kind: 'boolean' }, { tinyInt1AsBoolean: true }],
  ['smallint(6)', { kind: 'integer', bytes: 2, unsigned: false }],
  ['mediumint', { kind: 'integer', bytes: 3, unsigned: false }],
  ['mediumint(8) unsigned', { kind: 'integer', bytes: 3, unsigned: true }],
  ['bigint(20) unsigned zerofill', { kind: 'integer', bytes: 8, unsigned: true }],
  ['int zerofill', { kind: 'integer', bytes: 4, unsigned: true }],
  ['bigint', { kind: 'integer', bytes: 8, unsigned: false }],
  ['serial', { kind: 'integer', bytes: 8, unsigned: true }],
  ['decimal(10,2)', { kind: 'decimal', precision: 10, scale: 2 }],
  ['decimal(65,30) unsigned', { kind: 'decimal', precision: 65, scale: 30, unsigned: true }],
  ['decimal', { kind: 'decimal', precision: 10, scale: 0 }],
  ['numeric', { kind: 'decimal', precision: 10, scale: 0 }],
  ['dec(5)', { kind: 'decimal', precision: 5, scale: 0 }],
  ['fixed(6, 2)', { kind: 'decimal', precision: 6, scale: 2 }],
  ['float', { kind: 'float' }],
  ['float(10,3)', { kind: 'float' }],
  ['float(24)', { kind: 'float' }],
  ['float(25)', { kind: 'double' }],
  ['float unsigned', { kind: 'float', unsigned: true }],
  ['double', { kind: 'double' }],
  ['double precision', { kind: 'double' }],
  ['real', { kind: 'double' }],
  ['double(10,2) unsigned zerofill', { kind: 'double', unsigned: true }],
  ['varchar(255)', { kind: 'string', length: 255 }],
  ['varchar(255)', { kind: 'string', length: 255, charset: 'utf8mb4' }, { charset: 'utf8mb4' }],
  [
    'varchar(20) character set latin1',
    { kind: 'string', length: 20, charset: 'latin1' },
    { charset: 'utf8mb4' },
  ],
  ['varchar(20) CHARSET utf8 COLLATE utf8_bin', { kind: 'string', length: 20, charset: 'utf8mb3' }],
  ['varchar(20) COLLATE utf8mb4_bin', { kind: 'string', length: 20, charset: 'utf8mb4' }],
  ['varchar(20) binary', { kind: 'string', length: 20, charset: 'utf8mb4' }, { charset: 'utf8mb4' }],
  ['varchar(20) character set binary', { kind: 'binary', length: 20 }],
  ['char(3)', { kind: 'string', length: 3, fixed: true }],
  ['char', { kind: 'string', length: 1, fixed: true }],
  ['char(3) byte', { kind: 'binary', length: 3, fixed: true }],
  ['national varchar(10)', { kind: 'string', length: 10, charset: 'utf8mb3' }],
  ['national char(2)', { kind: 'string', length: 2, fixed: true, charset: 'utf8mb3' }],
  ['nchar(2)', { kind: 'string', length: 2, fixed: true, charset: 'utf8mb3' }],
  ['nvarchar(7)', { kind: 'string', length: 7, charset: 'utf8mb3' }],
  ['character varying(9)', { kind: 'string', length: 9 }],
  ['char(4) ascii', { kind: 'string', length: 4, fixed: true, charset: 'latin1' }],
  ['tinytext', { kind: 'string', text: 'tiny' }],
  ['text', { kind: 'string', text: 'text', charset: 'utf8mb4' }, { charset: 'utf8mb4' }],
  ['mediumtext', { kind: 'string', text: 'medium' }],
  ['longtext', { kind: 'string', text: 'long' }],
  ['long', { kind: 'string', text: 'medium' }],
  ['long varchar', { kind: 'string', text: 'medium' }],
  ['text character set binary', { kind: 'binary', blob: 'blob' }],
  ['tinyblob', { kind: 'binary', blob: 'tiny' }],
  ['blob', { kind: 'binary', blob: 'blob' }],
  ['mediumblob', { kind: 'binary', blob: 'medium' }],
  ['longblob', { kind: 'binary', blob: 'long' }],
  ['long varbinary', { kind: 'binary', blob: 'medium' }],
  ['binary(16)', { kind: 'binary', length: 16, fixed: true }],
  ['binary', { kind: 'binary', length: 1, fixed: true }],
  ['varbinary(8)', { kind: 'binary', length: 8 }],
  ['datetime(6)', { kind: 'timestamp', precision: 6 }],
  ['datetime', { kind: 'timestamp', precision: 0 }],
  ['timestamp(3)', { kind: 'timestamp_ltz', precision: 3 }],
  ['timestamp', { kind: 'timestamp_ltz', precision: 0 }],
  ['time(6)', { kind: 'time', precision: 6 }],
  ['time', { kind: 'time', precision: 0 }],
  ['date', { kind: 'date' }],
  ['year(4)', { kind: 'year' }],
  ['year', { kind: 'year' }],
  ['bit(64)', { kind: 'bit', length: 64 }],
  ['bit', { kind: 'bit', length: 1 }],
  ["enum('a','b''c')", { kind: 'enum', values: ['a', "b'c"] }],
  ["enum('a','x,y','')", { kind: 'enum', values: ['a', 'x,y', ''] }],
  ["ENUM('A', 'b\\\\c', 'd\\'e')", { kind: 'enum', values: ['A', 'b\\c', "d'e"] }],
  ["set('x','y')", { kind: 'set', values: ['x', 'y'] }],
  ["set('x','y') character set latin1", { kind: 'set', values: ['x', 'y'] }],
  ['json', { kind: 'json' }],
  ['geometry', { kind: 'geometry', geometryType: 'geometry' }],
  ['point', { kind: 'geometry', geometryType: 'point' }],
  ['multipolygon', { kind: 'geometry', geometryType: 'multipolygon' }],
  ['geomcollection', { kind: 'geometry', geometryType: 'geometrycollection' }],
  ['uuid', { kind: 'string', length: 36, fixed: true, format: 'uuid' }],
  ['inet4', { kind: 'string', length: 15, format: 'inet4' }],
  ['inet6', { kind: 'string', length: 39, format: 'inet6' }],
];

for (const [text, expected, opts] of cases) {
  test(`parseMysqlColumnType(${JSON.stringify(text)}${opts ? ' ' + JSON.stringify(opts) : ''})`, () => {
    assert.deepEqual(parseMysqlColumnType(text, opts), expected);
  });
}

test('parseMysqlColumnType rejects what is not a type', () => {
  for (const bad of ['', 'frobnicate', 'varchar', 'int(11) not null', "enum('a'", 'varchar(x)']) {
    assert.throws(
      () => parseMysqlColumnType(bad),
      (e: unknown) => e instanceof TidemarkError && e.code === 'SOURCE_SCHEMA',
      bad,
    );
  }
});
