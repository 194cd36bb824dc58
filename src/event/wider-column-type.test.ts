import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatColumnType, sameColumnType, type ColumnType } from './column-type.js';
import { WIDENING_EXAMPLES } from './type-widening-markdown.js';
import { valueCoercion } from './value-coercion.js';
import { widerColumnType } from './wider-column-type.js';

const int = (bytes: 1 | 2 | 3 | 4 | 8, unsigned = false): ColumnType => ({
  kind: 'integer',
  bytes,
  unsigned,
});

/** One or more types of every kind, with the parameters that change widening. */
const TYPES: readonly ColumnType[] = [
  int(1),
  int(1, true),
  int(2),
  int(2, true),
  int(3),
  int(3, true),
  int(4),
  int(4, true),
  int(8),
  int(8, true),
  { kind: 'year' },
  { kind: 'decimal', precision: 10, scale: 2 },
  { kind: 'decimal', precision: 10, scale: 2, unsigned: true },
  { kind: 'decimal', precision: 20, scale: 0 },
  { kind: 'decimal', precision: 65, scale: 30 },
  { kind: 'decimal', precision: 65, scale: 0 },
  { kind: 'float' },
  { kind: 'double' },
  { kind: 'boolean' },
  { kind: 'bit', length: 1 },
  { kind: 'bit', length: 12 },
  { kind: 'string', length: 5, fixed: true },
  { kind: 'string', length: 10 },
  { kind: 'string', length: 10, charset: 'latin1' },
  { kind: 'string', length: 300 },
  { kind: 'string', text: 'tiny' },
  { kind: 'string', text: 'text' },
  { kind: 'string', text: 'long' },
  { kind: 'string', format: 'uuid' },
  { kind: 'enum', values: ['a', 'bb'] },
  { kind: 'set', values: ['x', 'y'] },
  { kind: 'json' },
  { kind: 'binary', length: 4, fixed: true },
  { kind: 'binary', length: 10 },
  { kind: 'binary', blob: 'blob' },
  { kind: 'date' },
  { kind: 'timestamp', precision: 0 },
  { kind: 'timestamp', precision: 3 },
  { kind: 'timestamp_ltz', precision: 0 },
  { kind: 'timestamp_ltz', precision: 6 },
  { kind: 'time', precision: 0 },
  { kind: 'time', precision: 3 },
  { kind: 'geometry' },
  { kind: 'geometry', geometryType: 'point' },
];

const show = (w: ReturnType<typeof widerColumnType>): string =>
  'type' in w ? formatColumnType(w.type) : `error: ${w.reason}`;

test('every pair: symmetric, and the wider type holds both types exactly', () => {
  for (const a of TYPES) {
    assert.ok(sameColumnType((widerColumnType(a, a) as { type: ColumnType }).type, a), formatColumnType(a));
    for (const b of TYPES) {
      const pair = `${formatColumnType(a)} + ${formatColumnType(b)}`;
      const w = widerColumnType(a, b);
      const back = widerColumnType(b, a);
      assert.equal(
        'type' in w ? show(w) : 'error',
        'type' in back ? show(back) : 'error',
        `${pair} is symmetric`,
      );
      if (!('type' in w)) continue;
      for (const x of [a, b]) {
        const again = widerColumnType(x, w.type);
        assert.ok(
          'type' in again && sameColumnType(again.type, w.type),
          `${pair}: ${show(w)} holds ${formatColumnType(x)}`,
        );
        assert.equal(
          valueCoercion(x, w.type).exact,
          true,
          `${pair}: ${formatColumnType(x)} converts exactly`,
        );
      }
    }
  }
});

test('the documented examples (README): tidemark results', () => {
  const expected = [
    'SMALLINT',
    'INT',
    'BIGINT',
    'SMALLINT',
    'BIGINT',
    'DECIMAL(20,0)',
    'MEDIUMINT',
    'SMALLINT',
    'DECIMAL(12,2)',
    'DECIMAL(21,2)',
    'DECIMAL(12,4)',
    'error: DECIMAL(65,30) and DECIMAL(65,0) need DECIMAL(95,30), more than 65 digits',
    'FLOAT',
    'DOUBLE',
    'DOUBLE',
    'error: BIGINT values do not all fit a DOUBLE exactly (Flink CDC would widen BIGINT and DOUBLE to DOUBLE)',
    'DOUBLE',
    'LONGTEXT',
    'VARCHAR(255)',
    'CHAR(8)',
    'TEXT',
    'VARCHAR(4)',
    'LONGTEXT',
    'LONGTEXT',
    'LONGTEXT',
    'DATETIME(3)',
    'TIMESTAMP(6)',
    'TIME(3)',
    'LONGTEXT',
    'VARBINARY(16)',
    'BLOB',
    'BOOLEAN',
    'BIT(12)',
    'error: no type holds every value of BLOB and VARCHAR(10) exactly',
  ];
  assert.deepEqual(
    WIDENING_EXAMPLES.map(({ a, b }) => show(widerColumnType(a, b))),
    expected,
  );
});

test('more pairs: signedness, MEDIUMINT, unsigned DECIMAL, text levels, charsets', () => {
  const cases: [ColumnType, ColumnType, string][] = [
    [int(2, true), int(2), 'INT'],
    [int(2, true), int(4), 'INT'],
    [int(3, true), int(3), 'INT'],
    [int(3), int(2, true), 'MEDIUMINT'],
    [int(4, true), int(2, true), 'INT UNSIGNED'],
    [int(8, true), int(1), 'DECIMAL(20,0)'],
    [int(8, true), { kind: 'decimal', precision: 10, scale: 2 }, 'DECIMAL(22,2)'],
    [int(4, true), { kind: 'decimal', precision: 5, scale: 2, unsigned: true }, 'DECIMAL(12,2) UNSIGNED'],
    [int(4), { kind: 'decimal', precision: 5, scale: 2, unsigned: true }, 'DECIMAL(12,2)'],
    [{ kind: 'year' }, { kind: 'decimal', precision: 3, scale: 1 }, 'DECIMAL(6,1)'],
    [
      int(8),
      { kind: 'float' },
      'error: BIGINT values do not all fit a DOUBLE exactly (Flink CDC would widen BIGINT and FLOAT to DOUBLE)',
    ],
    [int(3), { kind: 'float' }, 'DOUBLE'],
    [{ kind: 'string', length: 20000 }, { kind: 'string', text: 'tiny' }, 'MEDIUMTEXT'],
    [{ kind: 'string', format: 'uuid' }, { kind: 'string', length: 5, fixed: true }, 'VARCHAR(36)'],
    [{ kind: 'set', values: ['x', 'yy'] }, { kind: 'string', length: 1 }, 'VARCHAR(4)'],
    [{ kind: 'enum', values: ['a'] }, { kind: 'enum', values: ['a', 'bcd'] }, 'VARCHAR(3)'],
    [{ kind: 'bit', length: 12 }, { kind: 'boolean' }, 'BIT(12)'],
    [{ kind: 'geometry', geometryType: 'point' }, { kind: 'geometry', geometryType: 'polygon' }, 'GEOMETRY'],
    [
      { kind: 'geometry' },
      { kind: 'string', length: 1 },
      'error: no type holds every value of GEOMETRY and VARCHAR(1) exactly',
    ],
    [{ kind: 'bit', length: 3 }, int(1), 'error: no type holds every value of BIT(3) and TINYINT exactly'],
    [{ kind: 'timestamp_ltz', precision: 3 }, { kind: 'date' }, 'TIMESTAMP(3)'],
  ];
  for (const [a, b, expected] of cases) {
    assert.equal(show(widerColumnType(a, b)), expected, `${formatColumnType(a)} + ${formatColumnType(b)}`);
  }
  const latin = widerColumnType(
    { kind: 'string', length: 3, charset: 'latin1' },
    { kind: 'string', length: 9, charset: 'latin1' },
  );
  assert.deepEqual(latin, { type: { kind: 'string', length: 9, charset: 'latin1' } });
  const mixed = widerColumnType(
    { kind: 'string', length: 3, charset: 'latin1' },
    { kind: 'string', length: 9 },
  );
  assert.deepEqual(mixed, { type: { kind: 'string', length: 9 } });
});
