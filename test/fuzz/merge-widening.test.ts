import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../support/prng.js';
import { intDigits, mergedCell, STRING_SPEC, widerType } from './merge-widening.js';
import { conflictingType, MIXED_KIND_GROUPS, mixedKindType } from './mixed-kinds.js';
import { expectedDuckType, typeSql, type TypeSpec } from './type-spec.js';

const int = (bytes: 1 | 2 | 3 | 4 | 8, unsigned = false): TypeSpec => ({ f: 'int', bytes, unsigned });
const dec = (p: number, s: number): TypeSpec => ({ f: 'decimal', p, s, unsigned: false });
const varchar = (len: number): TypeSpec => ({
  f: 'char',
  fixed: false,
  len,
  charset: 'utf8mb4',
  collation: 'utf8mb4_unicode_ci',
});
const wider = (a: TypeSpec, b: TypeSpec): string => {
  const w = widerType(a, b);
  return 'reason' in w ? `error: ${w.reason}` : typeSql(w.type).replace(/ CHARACTER SET .*/, '');
};

test('widerType follows the README widening table for the pairs the generator draws', () => {
  assert.equal(wider(int(4, true), int(4)), 'BIGINT');
  assert.equal(wider(int(8, true), int(8)), 'DECIMAL(20,0)');
  assert.equal(wider(int(1, true), int(1)), 'SMALLINT');
  assert.equal(wider(int(3), int(1)), 'MEDIUMINT');
  assert.equal(wider({ f: 'year' }, int(1)), 'SMALLINT');
  assert.equal(wider(int(4), dec(10, 2)), 'DECIMAL(12,2)');
  assert.equal(wider(int(8), dec(10, 2)), 'DECIMAL(21,2)');
  assert.equal(wider(dec(10, 2), dec(12, 4)), 'DECIMAL(12,4)');
  assert.match(wider(dec(65, 30), dec(65, 0)), /^error: needs DECIMAL\(95,30\)/);
  assert.equal(wider(int(4), { f: 'double' }), 'DOUBLE');
  assert.match(wider(int(8), { f: 'double' }), /^error: BIGINT/);
  assert.equal(wider(dec(10, 2), { f: 'double' }), 'LONGTEXT');
  assert.equal(wider(int(4), varchar(10)), 'LONGTEXT');
  assert.equal(wider(varchar(10), varchar(255)), 'VARCHAR(255)');
  assert.equal(wider({ f: 'date' }, { f: 'datetime', fsp: 3 }), 'DATETIME(3)');
  assert.equal(wider({ f: 'datetime', fsp: 6 }, { f: 'timestamp', fsp: 0 }), 'TIMESTAMP(6)');
  assert.equal(wider({ f: 'time', fsp: 0 }, { f: 'time', fsp: 3 }), 'TIME(3)');
  assert.equal(wider({ f: 'date' }, { f: 'time', fsp: 0 }), 'LONGTEXT');
  assert.equal(wider({ f: 'datetime', fsp: 2 }, varchar(10)), 'LONGTEXT');
  assert.match(wider({ f: 'blob', size: 'text' }, varchar(10)), /^error: no type holds/);
  const text: TypeSpec = { f: 'text', size: 'text', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' };
  assert.deepEqual(widerType(varchar(10), text), { type: STRING_SPEC });
  assert.deepEqual(
    [
      int(1),
      int(2),
      int(4),
      int(8),
      int(1, true),
      int(2, true),
      int(3, true),
      int(4, true),
      int(8, true),
    ].map((t) => (t.f === 'int' ? intDigits(t) : 0)),
    [3, 5, 10, 19, 3, 5, 8, 10, 20],
  );
});

test('mergedCell: values converted exactly into the wider type', () => {
  assert.equal(mergedCell('7', int(4), dec(12, 2)), '7.00');
  assert.equal(mergedCell('-1.5', dec(10, 1), dec(12, 3)), '-1.500');
  assert.equal(mergedCell('1.50', dec(10, 2), STRING_SPEC), '1.50');
  assert.equal(mergedCell('-12', int(1), { f: 'double' }), '-12');
  assert.equal(
    mergedCell('2024-01-31', { f: 'date' }, { f: 'datetime', fsp: 3 }),
    '2024-01-31 00:00:00.000000',
  );
  assert.equal(
    mergedCell('2024-01-31', { f: 'date' }, { f: 'timestamp', fsp: 0 }),
    '2024-01-31 00:00:00.000000Z',
  );
  assert.equal(
    mergedCell('2024-01-31 10:00:00.500000', { f: 'datetime', fsp: 1 }, { f: 'timestamp', fsp: 1 }),
    '2024-01-31 10:00:00.500000Z',
  );
  assert.equal(mergedCell(null, int(4), STRING_SPEC), null);
  // dates and times in a text column: tidemark's value text (fsp fraction digits, UTC, no zone mark)
  assert.equal(mergedCell('2024-01-31', { f: 'date' }, STRING_SPEC), '2024-01-31');
  assert.equal(
    mergedCell('2024-01-31 10:00:00.250000', { f: 'datetime', fsp: 2 }, STRING_SPEC),
    '2024-01-31 10:00:00.25',
  );
  assert.equal(
    mergedCell('2024-01-31 10:00:00.000000Z', { f: 'timestamp', fsp: 0 }, STRING_SPEC),
    '2024-01-31 10:00:00',
  );
  assert.equal(mergedCell('-838:59:59.000000', { f: 'time', fsp: 1 }, STRING_SPEC), '-838:59:59.0');
});

test('every pair of a mixed-kind group merges; the conflicting type merges with none', () => {
  const r = new Prng('mixed-kinds-test');
  for (const group of MIXED_KIND_GROUPS) {
    const types = Array.from({ length: 40 }, () => mixedKindType(r, group));
    let sink = types[0]!;
    for (const t of types) {
      const w = widerType(sink, t);
      assert.ok(
        'type' in w,
        `${group}: ${typeSql(sink)} and ${typeSql(t)}: ${'reason' in w ? w.reason : ''}`,
      );
      sink = w.type;
      assert.ok(expectedDuckType(sink).length > 0);
      assert.ok('reason' in widerType(sink, conflictingType(sink)), `${group}: ${typeSql(sink)} conflicts`);
    }
  }
});
