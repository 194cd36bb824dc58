import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColumnType } from '../../event/column-type.js';
import type { Column } from '../../event/table-schema.js';
import { existingRowValue, roundDecimal, type ExistingRowValue } from './existing-row-value.js';
import { instantOfWallClock, parseMysqlTimeZone, wallClockText } from './mysql-time-zone.js';

// 2026-12-03 07:48:23 UTC
const seconds = Date.UTC(2026, 11, 3, 7, 48, 23) / 1000;
const kolkata = parseMysqlTimeZone('+05:30')!;
const clock = { seconds, micros: 920838, zone: kolkata };

const col = (type: ColumnType, defaultValue: string | null | undefined, nullable = true): Column => ({
  name: 'c',
  type,
  nullable,
  ...(defaultValue === undefined ? {} : { defaultValue }),
});
const value = (r: ExistingRowValue): unknown => ('value' in r ? r.value : `unknown: ${r.unknown}`);
const of = (type: ColumnType, d: string | null | undefined, nullable = true): unknown =>
  value(existingRowValue({ column: col(type, d, nullable) }, clock));

test('time zones: offsets, UTC and IANA names (with daylight saving), SYSTEM unknown', () => {
  assert.equal(wallClockText(kolkata, seconds, 0, 0), '2026-12-03 13:18:23');
  assert.equal(
    wallClockText(parseMysqlTimeZone('-03:00')!, seconds, 920838, 6),
    '2026-12-03 04:48:23.920838',
  );
  const berlin = parseMysqlTimeZone('Europe/Berlin')!;
  assert.equal(wallClockText(berlin, seconds, 0, 0), '2026-12-03 08:48:23'); // CET
  assert.equal(wallClockText(berlin, Date.UTC(2026, 6, 1, 12) / 1000, 0, 0), '2026-07-01 14:00:00'); // CEST
  assert.deepEqual(instantOfWallClock(berlin, '2026-07-01 14:00:00.5'), {
    seconds: Date.UTC(2026, 6, 1, 12) / 1000,
    micros: 500000,
  });
  assert.equal(parseMysqlTimeZone('UTC')!.offsetMinutesAt(0), 0);
  assert.equal(parseMysqlTimeZone('SYSTEM'), undefined);
  assert.equal(parseMysqlTimeZone('No/Such_Zone'), undefined);
});

test('CURRENT_TIMESTAMP at the ALTER, TIMESTAMP literals to UTC, zero dates kept as zero', () => {
  assert.equal(of({ kind: 'timestamp', precision: 6 }, 'current_timestamp(6)'), '2026-12-03 13:18:23.920838');
  // CURRENT_TIMESTAMP(3) into DATETIME(6): three digits kept
  assert.equal(of({ kind: 'timestamp', precision: 6 }, 'current_timestamp(3)'), '2026-12-03 13:18:23.920000');
  assert.equal(of({ kind: 'timestamp_ltz', precision: 0 }, 'current_timestamp()'), '2026-12-03 07:48:23');
  // MariaDB reads CURRENT_TIMESTAMP(0) on a TIMESTAMP(1) as current_timestamp(1)
  assert.equal(of({ kind: 'timestamp_ltz', precision: 1 }, 'current_timestamp(0)'), '2026-12-03 07:48:23.9');
  assert.equal(
    of({ kind: 'timestamp_ltz', precision: 3 }, 'current_timestamp(1)'),
    '2026-12-03 07:48:23.900',
  );
  assert.equal(of({ kind: 'timestamp_ltz', precision: 0 }, "'2020-01-01 10:00:00'"), '2020-01-01 04:30:00');
  assert.equal(of({ kind: 'timestamp', precision: 0 }, "'0000-00-00 00:00:00'"), '0000-00-00 00:00:00');
  // DATETIME literals are wall-clock: unchanged, with the column's fraction digits
  assert.equal(of({ kind: 'timestamp', precision: 2 }, "'2020-1-2 3:04:05.678'"), '2020-01-02 03:04:05.67');
  assert.equal(of({ kind: 'date' }, "'2020-01-02'"), '2020-01-02');
  assert.equal(of({ kind: 'time', precision: 1 }, "'-1 02:03:04.56'"), '-26:03:04.5');
});

test('implicit defaults of NOT NULL columns without DEFAULT', () => {
  assert.equal(of({ kind: 'integer', bytes: 4, unsigned: false }, undefined, false), 0);
  assert.equal(of({ kind: 'integer', bytes: 8, unsigned: true }, undefined, false), 0n);
  assert.equal(of({ kind: 'decimal', precision: 5, scale: 2 }, undefined, false), '0.00');
  assert.equal(of({ kind: 'string', length: 5 }, undefined, false), '');
  assert.equal(of({ kind: 'enum', values: ['p', 'q'] }, undefined, false), 'p');
  assert.equal(of({ kind: 'set', values: ['p', 'q'] }, undefined, false), '');
  assert.deepEqual(of({ kind: 'binary', length: 3, fixed: true }, undefined, false), new Uint8Array(3));
  assert.deepEqual(of({ kind: 'bit', length: 3 }, undefined, false), new Uint8Array(1));
  assert.equal(of({ kind: 'date' }, undefined, false), '0000-00-00');
  assert.equal(of({ kind: 'timestamp', precision: 3 }, undefined, false), '0000-00-00 00:00:00.000');
  assert.equal(of({ kind: 'string', length: 5 }, undefined, true), null);
});

test('literals converted as the server stores them', () => {
  assert.deepEqual(of({ kind: 'bit', length: 3 }, "b'101'"), new Uint8Array([5]));
  assert.deepEqual(of({ kind: 'bit', length: 16 }, '258'), new Uint8Array([1, 2]));
  assert.equal(of({ kind: 'bit', length: 1 }, "b'1'"), true);
  assert.deepEqual(of({ kind: 'binary', length: 4 }, "x'4142'"), new Uint8Array([0x41, 0x42]));
  assert.deepEqual(
    of({ kind: 'binary', length: 4, fixed: true }, "'AB'"),
    new Uint8Array([0x41, 0x42, 0, 0]),
  );
  assert.equal(of({ kind: 'string', length: 4, charset: 'utf8mb4' }, '0x4142'), 'AB');
  // UUID/INET4/INET6: zero bytes when NOT NULL without a default; a literal as the server shows it
  assert.equal(of({ kind: 'string', length: 15, format: 'inet4' }, undefined, false), '0.0.0.0');
  assert.equal(of({ kind: 'string', length: 39, format: 'inet6' }, undefined, false), '::');
  assert.equal(
    of({ kind: 'string', length: 36, fixed: true, format: 'uuid' }, "'123E4567E89B12D3A456426614174000'"),
    '123e4567-e89b-12d3-a456-426614174000',
  );
  // ucs2/utf16/utf32 hex literals are padded on the left to whole characters
  assert.equal(of({ kind: 'string', length: 4, charset: 'utf16' }, "X'43484E'"), 'C\u484e');
  assert.equal(of({ kind: 'string', length: 4, charset: 'utf32' }, "X'41'"), 'A');
  assert.equal(of({ kind: 'string', length: 4, fixed: true }, "'ab  '"), 'ab');
  assert.equal(of({ kind: 'string', length: 9 }, "'it''s \\\\ x'"), "it's \\ x");
  assert.equal(of({ kind: 'decimal', precision: 5, scale: 2 }, "'1.005'"), '1.01');
  assert.equal(of({ kind: 'decimal', precision: 5, scale: 1 }, '-2.25'), '-2.3');
  assert.equal(of({ kind: 'integer', bytes: 4, unsigned: false }, "'7'"), 7);
  assert.equal(of({ kind: 'float' }, '1.1'), Math.fround(1.1));
  assert.equal(of({ kind: 'year' }, '24'), 2024);
  assert.equal(of({ kind: 'year' }, "'0'"), 2000);
  assert.equal(of({ kind: 'year' }, '0'), 0);
  assert.equal(of({ kind: 'enum', values: ['new', 'Paid'] }, "'paid'"), 'Paid');
  assert.equal(of({ kind: 'set', values: ['a', 'b', 'c'] }, "'c,a'"), 'a,c');
  assert.equal(of({ kind: 'set', values: ['a', 'b', 'c'] }, '5'), 'a,c');
  assert.equal(of({ kind: 'boolean' }, 'TRUE'), true);
});

test('what the server computed row by row is unknown, not guessed', () => {
  const expr = existingRowValue({ column: col({ kind: 'string', length: 36 }, '(uuid())') }, clock);
  assert.match(value(expr) as string, /unknown: .*expression the server evaluated/);
  const auto = existingRowValue(
    {
      column: col({ kind: 'integer', bytes: 4, unsigned: false }, undefined, false),
      computed: 'auto-increment',
    },
    clock,
  );
  assert.match(value(auto) as string, /AUTO_INCREMENT/);
  const gen = existingRowValue({ column: col({ kind: 'double' }, null), computed: 'generated' }, clock);
  assert.match(value(gen) as string, /generated column/);
  const noZone = existingRowValue(
    { column: col({ kind: 'timestamp', precision: 0 }, 'current_timestamp()') },
    { seconds },
  );
  assert.match(value(noZone) as string, /time zone of the ALTER is unknown/);
  const noMicros = existingRowValue(
    { column: col({ kind: 'timestamp', precision: 6 }, 'current_timestamp(6)') },
    { seconds, zone: kolkata },
  );
  assert.match(value(noMicros) as string, /fraction of a second the server did not log/);
  // without (n), MariaDB keeps the column's precision
  const tenths = existingRowValue(
    { column: col({ kind: 'timestamp', precision: 1 }, 'current_timestamp()') },
    { seconds, micros: 123456, zone: kolkata },
  );
  assert.equal(value(tenths), '2026-12-03 13:18:23.1');
});

test('roundDecimal: half away from zero, exponents, scale 0', () => {
  assert.equal(roundDecimal('1.5', 0), '2');
  assert.equal(roundDecimal('-1.5', 0), '-2');
  assert.equal(roundDecimal('1.2345e2', 1), '123.5');
  assert.equal(roundDecimal('0.004', 2), '0.00');
  assert.equal(roundDecimal('-0.004', 2), '0.00');
  assert.equal(roundDecimal('99.995', 2), '100.00');
});
