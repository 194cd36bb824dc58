import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnType } from '../../event/column-type.js';
import { conversionLoss, strictMode } from './type-conversion.js';

const INT: ColumnType = { kind: 'integer', bytes: 4, unsigned: false };
const BIGINT: ColumnType = { kind: 'integer', bytes: 8, unsigned: false };
const TINY: ColumnType = { kind: 'integer', bytes: 1, unsigned: false };
const dec = (precision: number, scale: number): ColumnType => ({ kind: 'decimal', precision, scale });
const vc = (length: number): ColumnType => ({ kind: 'string', length });
const loses = (a: ColumnType, b: ColumnType, strict: boolean, nullable = { from: true, to: true }): boolean =>
  conversionLoss(a, b, nullable, strict) !== undefined;

test('strict sql_mode bits', () => {
  assert.equal(strictMode(1411383296n), true, "MariaDB's default sql_mode as a QUERY event logs it");
  assert.equal(strictMode(1n << 22n), true);
  assert.equal(strictMode(1n << 26n), false);
  assert.equal(strictMode(0n), false);
  assert.equal(strictMode(undefined), false);
});

test('conversions that keep every value, and the ones the server rounds, pads or reformats', () => {
  assert.equal(loses(INT, BIGINT, false), false);
  assert.equal(loses(BIGINT, INT, false), true, 'clipped outside a strict mode');
  assert.equal(loses(BIGINT, INT, true), false, 'refused by a strict mode instead');
  assert.equal(loses(BIGINT, { kind: 'double' }, true), true, 'beyond 2^53');
  assert.equal(loses(INT, { kind: 'double' }, false), false);
  assert.equal(loses(dec(10, 2), dec(12, 4), false), false);
  assert.equal(loses(dec(10, 2), dec(10, 1), true), true, 'rounded');
  assert.equal(loses(vc(10), vc(20), false), false);
  assert.equal(loses(vc(10), vc(5), true), true, 'trailing spaces are cut even in a strict mode');
  assert.equal(loses({ kind: 'json' }, vc(27), true), true, 'the same for JSON text');
  assert.equal(loses({ kind: 'json' }, { kind: 'string', text: 'long' }, false), false);
  assert.equal(loses(vc(10), vc(5), false), true, 'truncated');
  assert.equal(loses(vc(10), { kind: 'string', length: 10, fixed: true }, true), true, 'trailing spaces');
  assert.equal(loses({ kind: 'double' }, { kind: 'float' }, true), true);
  assert.equal(loses({ kind: 'date' }, { kind: 'timestamp', precision: 0 }, true), false);
  assert.equal(loses({ kind: 'timestamp', precision: 6 }, { kind: 'timestamp', precision: 3 }, true), true);
  assert.equal(
    loses({ kind: 'timestamp', precision: 0 }, { kind: 'timestamp_ltz', precision: 0 }, true),
    true,
  );
  assert.equal(loses({ kind: 'enum', values: ['a'] }, vc(5), false), false);
  assert.equal(loses({ kind: 'enum', values: ['green'] }, vc(2), false), true, 'truncated');
  assert.equal(loses({ kind: 'set', values: ['ab', 'cd'] }, vc(5), false), false);
  assert.equal(loses({ kind: 'set', values: ['ab', 'cd'] }, vc(4), false), true, 'truncated');
  const en = (...values: string[]) => ({ kind: 'enum', values }) as const;
  assert.equal(loses(en('green', 'a'), en('green', 'a', 'v17'), false), false, 'a member added');
  assert.equal(loses(en('green', 'a'), en('a', 'green'), false), false, 'reordered');
  assert.equal(loses(en('green', 'a'), en('green'), false), true, "'a' became ''");
  assert.equal(loses(en('green', 'a'), en('green'), true), false, 'strict: refused unless unused');
  assert.equal(loses(en('green', 'a'), en('green', 'A'), true), true, "'a' matches 'A' by collation");
  assert.equal(loses(en('a', 'b'), { kind: 'set', values: ['b', 'a'] }, false), false);
  const set = (...values: string[]) => ({ kind: 'set', values }) as const;
  assert.equal(loses(set('ab', 'cd'), set('x', 'ab', 'y', 'cd'), false), false);
  assert.equal(loses(set('ab', 'cd'), set('cd', 'ab'), true), true, "'ab,cd' becomes 'cd,ab'");
  assert.equal(loses(en('a,b'), { kind: 'set', values: ['a', 'b', 'a,b'] }, true), true);
  assert.equal(loses({ kind: 'set', values: ['a'] }, en('a'), false), true);
  assert.equal(loses({ kind: 'bit', length: 3 }, { kind: 'bit', length: 12 }, true), true, 'more bytes');
  assert.equal(loses(TINY, INT, false, { from: true, to: false }), true, 'NULL became 0');
  assert.equal(loses(TINY, INT, true, { from: true, to: false }), false);
});

test('the same type, only NULL-ness changed: values are kept (BIT(1) too)', () => {
  const bit1 = { kind: 'bit', length: 1 } as const;
  assert.equal(conversionLoss(bit1, bit1, { from: false, to: true }, false), undefined);
  assert.equal(conversionLoss(bit1, bit1, { from: false, to: true }, true), undefined);
});
