import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Column } from '../../event/table-schema.js';
import { addedColumnDefault } from './added-column-default.js';
import { instantOfWallClock, parseMysqlTimeZone, wallClockText } from './mysql-time-zone.js';

const col = (
  kind: 'timestamp' | 'timestamp_ltz',
  precision: number,
  defaultValue: string | null,
): Column => ({
  name: 'c',
  type: { kind, precision },
  nullable: true,
  defaultValue,
});
// 2026-12-03 07:48:23 UTC
const seconds = Date.UTC(2026, 11, 3, 7, 48, 23) / 1000;
const kolkata = parseMysqlTimeZone('+05:30')!;

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

test('added column defaults: CURRENT_TIMESTAMP at the ALTER, TIMESTAMP literals to UTC, zero dates NULL', () => {
  const clock = { seconds, micros: 920838, zone: kolkata };
  assert.equal(
    addedColumnDefault(col('timestamp', 6, 'current_timestamp(6)'), clock).column.defaultValue,
    "'2026-12-03 13:18:23.920838'",
  );
  // CURRENT_TIMESTAMP(3) into DATETIME(6): three digits kept
  assert.equal(
    addedColumnDefault(col('timestamp', 6, 'current_timestamp(3)'), clock).column.defaultValue,
    "'2026-12-03 13:18:23.920000'",
  );
  assert.equal(
    addedColumnDefault(col('timestamp_ltz', 0, 'current_timestamp()'), clock).column.defaultValue,
    "'2026-12-03 07:48:23+00'",
  );
  assert.equal(
    addedColumnDefault(col('timestamp_ltz', 0, "'2020-01-01 10:00:00'"), clock).column.defaultValue,
    "'2020-01-01 04:30:00+00'",
  );
  assert.equal(
    addedColumnDefault(col('timestamp', 0, "'0000-00-00 00:00:00'"), clock).column.defaultValue,
    null,
  );
  // DATETIME literals are wall-clock: unchanged
  assert.equal(
    addedColumnDefault(col('timestamp', 0, "'2020-01-01 10:00:00'"), clock).column.defaultValue,
    "'2020-01-01 10:00:00'",
  );
});

test('added column defaults: what cannot be known is said, not guessed', () => {
  const noMicros = addedColumnDefault(col('timestamp', 6, 'current_timestamp(6)'), {
    seconds,
    zone: kolkata,
  });
  assert.equal(noMicros.column.defaultValue, "'2026-12-03 13:18:23.000000'");
  assert.match(noMicros.warning ?? '', /did not log its fraction/);
  const noZone = addedColumnDefault(col('timestamp', 0, 'current_timestamp()'), { seconds });
  assert.equal(noZone.column.defaultValue, undefined);
  assert.match(noZone.warning ?? '', /time zone of the ALTER is unknown/);
  const expr = addedColumnDefault(
    { name: 'u', type: { kind: 'string', length: 36 }, nullable: true, defaultValue: '(uuid())' },
    { seconds },
  );
  assert.match(expr.warning ?? '', /expression the server evaluated/);
  const lit = addedColumnDefault(
    { name: 'n', type: { kind: 'integer', bytes: 4, unsigned: false }, nullable: false, defaultValue: '7' },
    { seconds },
  );
  assert.deepEqual(lit, { column: lit.column });
});
