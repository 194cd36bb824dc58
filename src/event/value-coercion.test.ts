import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatColumnType, type ColumnType, type Value } from './column-type.js';
import { valueCoercion, withFraction } from './value-coercion.js';

const int = (bytes: 1 | 2 | 3 | 4 | 8, unsigned = false): ColumnType => ({
  kind: 'integer',
  bytes,
  unsigned,
});
const LONGTEXT: ColumnType = { kind: 'string', text: 'long' };

function coerce(from: ColumnType, to: ColumnType, v: NonNullable<Value>): Value {
  const c = valueCoercion(from, to);
  assert.ok(c.exact, `${formatColumnType(from)} → ${formatColumnType(to)} is exact`);
  return c.convert ? c.convert(v) : v;
}

test('values are converted exactly into the wider type', () => {
  const cases: [ColumnType, ColumnType, NonNullable<Value>, Value][] = [
    [int(4), int(8), 2147483647, 2147483647n],
    [int(4, true), int(8), 4294967295, 4294967295n],
    [int(1), int(4), -128, -128],
    [int(8), int(8), 9223372036854775807n, 9223372036854775807n],
    [
      int(8, true),
      { kind: 'decimal', precision: 20, scale: 0 },
      18446744073709551615n,
      '18446744073709551615',
    ],
    [int(8), { kind: 'decimal', precision: 20, scale: 0 }, -9223372036854775808n, '-9223372036854775808'],
    [int(4), { kind: 'decimal', precision: 12, scale: 2 }, -2147483648, '-2147483648.00'],
    [{ kind: 'year' }, { kind: 'decimal', precision: 6, scale: 1 }, 2024, '2024.0'],
    [
      { kind: 'decimal', precision: 10, scale: 2 },
      { kind: 'decimal', precision: 12, scale: 4 },
      '-0.50',
      '-0.5000',
    ],
    [
      { kind: 'decimal', precision: 10, scale: 0 },
      { kind: 'decimal', precision: 12, scale: 2 },
      '12',
      '12.00',
    ],
    [int(2), { kind: 'float' }, -32768, -32768],
    [{ kind: 'float' }, { kind: 'double' }, 1.100000023841858, 1.100000023841858],
    [int(8), LONGTEXT, 9223372036854775807n, '9223372036854775807'],
    [int(4), LONGTEXT, -5, '-5'],
    [{ kind: 'double' }, LONGTEXT, 0.1, '0.1'],
    [{ kind: 'decimal', precision: 10, scale: 2 }, LONGTEXT, '1.10', '1.10'],
    [{ kind: 'year' }, LONGTEXT, 0, '0000'],
    [{ kind: 'boolean' }, LONGTEXT, true, 'true'],
    [{ kind: 'bit', length: 1 }, LONGTEXT, false, 'false'],
    [{ kind: 'date' }, LONGTEXT, '2024-02-29', '2024-02-29'],
    [{ kind: 'date' }, { kind: 'timestamp', precision: 3 }, '2024-02-29', '2024-02-29 00:00:00.000'],
    [{ kind: 'date' }, { kind: 'timestamp', precision: 0 }, '0000-00-00', '0000-00-00 00:00:00'],
    [
      { kind: 'timestamp', precision: 0 },
      { kind: 'timestamp', precision: 6 },
      '2024-01-01 10:00:00',
      '2024-01-01 10:00:00.000000',
    ],
    [
      { kind: 'timestamp', precision: 2 },
      { kind: 'timestamp_ltz', precision: 3 },
      '2024-01-01 10:00:00.12',
      '2024-01-01 10:00:00.120',
    ],
    [{ kind: 'time', precision: 0 }, { kind: 'time', precision: 3 }, '-838:59:59', '-838:59:59.000'],
    [{ kind: 'enum', values: ['a', 'bb'] }, { kind: 'string', length: 2 }, 'bb', 'bb'],
    [{ kind: 'boolean' }, { kind: 'bit', length: 12 }, true, Uint8Array.of(0, 1)],
    [{ kind: 'bit', length: 4 }, { kind: 'bit', length: 12 }, Uint8Array.of(9), Uint8Array.of(0, 9)],
    [
      { kind: 'binary', length: 4, fixed: true },
      { kind: 'binary', length: 16 },
      Uint8Array.of(1, 0, 0, 0),
      Uint8Array.of(1, 0, 0, 0),
    ],
  ];
  for (const [from, to, v, expected] of cases) {
    assert.deepEqual(
      coerce(from, to, v),
      expected,
      `${formatColumnType(from)} → ${formatColumnType(to)}: ${String(v)}`,
    );
  }
});

test('a type the target does not hold is not exact', () => {
  assert.equal(valueCoercion(int(8), int(4)).exact, false);
  assert.equal(valueCoercion(int(8), { kind: 'double' }).exact, false);
  assert.equal(valueCoercion(int(8, true), int(8)).exact, false);
  assert.equal(
    valueCoercion({ kind: 'decimal', precision: 10, scale: 4 }, { kind: 'decimal', precision: 10, scale: 2 })
      .exact,
    false,
  );
  assert.equal(valueCoercion({ kind: 'string', length: 20 }, { kind: 'string', length: 10 }).exact, false);
  assert.equal(valueCoercion({ kind: 'binary', blob: 'blob' }, LONGTEXT).exact, false);
  assert.equal(
    valueCoercion({ kind: 'timestamp_ltz', precision: 0 }, { kind: 'timestamp', precision: 0 }).exact,
    false,
  );
  assert.deepEqual(valueCoercion(int(4), int(4)), { exact: true });
});

test('withFraction pads, never cuts', () => {
  assert.equal(withFraction('1', 2), '1.00');
  assert.equal(withFraction('1.5', 3), '1.500');
  assert.equal(withFraction('1.55', 1), '1.55');
  assert.equal(withFraction('10:00:00', 0), '10:00:00');
});
