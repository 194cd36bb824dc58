import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnType, Value } from '../../event/column-type.js';
import {
  CHUNK_ROWS,
  StagingChunkWriter,
  parseDateDays,
  parseTimestampMicros,
  scaledDecimal,
} from './duckdb-chunk-writer.js';
import { KeyRanges } from './duckdb-sink.js';

/**
 * Appends `values` of one column type through the chunk writer (more than one chunk, with NULLs)
 * and returns DuckDB's text of each, next to DuckDB's own cast of the text value: the two must agree.
 */
async function roundTrip(type: ColumnType, duckType: string, values: readonly Value[]): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const writer = new StagingChunkWriter([type]);
    const [stagingType] = writer.stagingTypes;
    await conn.run(`CREATE TABLE s (v ${stagingType}, op UINTEGER, seq UINTEGER)`);
    const appender = await conn.createAppender('s');
    // repeat the values past a chunk boundary, with a NULL between them
    const rows: Value[] = [];
    while (rows.length < CHUNK_ROWS + 10) rows.push(...values, null);
    rows.forEach((v, i) => writer.add([v], 0, i, () => undefined));
    writer.append(appender, writer.take());
    appender.closeSync();
    const got = (await conn.runAndReadAll('SELECT CAST(v AS VARCHAR) FROM s ORDER BY seq')).getRows();
    assert.equal(got.length, rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]!;
      if (v === null) {
        assert.equal(got[i]![0], null, `row ${i}`);
        continue;
      }
      const text = typeof v === 'string' ? v : String(v);
      const want = (
        await conn.runAndReadAll(`SELECT CAST(CAST($1 AS ${duckType}) AS VARCHAR)`, [text])
      ).getRows()[0]![0];
      assert.equal(got[i]![0], want, `${duckType} ${text}`);
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

test('DECIMAL of every storage width matches DuckDB', async () => {
  await roundTrip({ kind: 'decimal', precision: 4, scale: 1 }, 'DECIMAL(4,1)', ['-999.9', '0.0', '12.5']);
  await roundTrip({ kind: 'decimal', precision: 9, scale: 0 }, 'DECIMAL(9,0)', ['-999999999', '7']);
  await roundTrip({ kind: 'decimal', precision: 14, scale: 2 }, 'DECIMAL(14,2)', [
    '-999999999999.99',
    '0.01',
    '-0.00',
    '123.40',
  ]);
  await roundTrip({ kind: 'decimal', precision: 18, scale: 4 }, 'DECIMAL(18,4)', [
    '-99999999999999.9999',
    '12345678901234.5678',
  ]);
  await roundTrip({ kind: 'decimal', precision: 38, scale: 10 }, 'DECIMAL(38,10)', [
    '-9999999999999999999999999999.9999999999',
    '9999999999999999999999999999.9999999999',
    '-0.0000000001',
    '-12345.6789000000',
  ]);
  // hugeint written from a double (≤ 15 digits) or a bigint (more), both signs
  await roundTrip({ kind: 'decimal', precision: 20, scale: 2 }, 'DECIMAL(20,2)', [
    '0.00',
    '-0.00',
    '-0.01',
    '49.50',
    '-4294967296.00',
    '9999999999999.99',
    '-9999999999999.99',
    '90071992547409.93',
    '-999999999999999999.99',
  ]);
});

test('DATE, DATETIME and TIMESTAMP match DuckDB, before and after the epoch', async () => {
  await roundTrip({ kind: 'date' }, 'DATE', ['1000-01-01', '1969-12-31', '2024-02-29', '9999-12-31']);
  const ts = [
    '1000-01-01 00:00:00',
    '1969-12-31 23:59:59.999999',
    '1970-01-01 00:00:00.000001',
    '2024-02-29 12:34:56.5',
    '2255-06-01 00:00:00.123',
    '9999-12-31 23:59:59.999999',
  ];
  await roundTrip({ kind: 'timestamp', precision: 6 }, 'TIMESTAMP', ts);
  const tz = ts.map((t) => `${t}+00`);
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  for (const [i, t] of ts.entries()) {
    const want = (await conn.runAndReadAll(`SELECT epoch_us(CAST($1 AS TIMESTAMPTZ))`, [tz[i]!])).getRows();
    assert.equal(parseTimestampMicros(t), want[0]![0], t);
  }
  conn.closeSync();
  db.closeSync();
});

test('text, bytes and integers keep every value (NUL characters, limits)', async () => {
  await roundTrip({ kind: 'string' }, 'VARCHAR', ['a\u0000b', '😀 ñ', '']);
  await roundTrip({ kind: 'integer', bytes: 8, unsigned: true }, 'UBIGINT', [0n, 18446744073709551615n]);
  await roundTrip({ kind: 'integer', bytes: 8, unsigned: false }, 'BIGINT', [
    -9223372036854775808n,
    9223372036854775807n,
  ]);
  await roundTrip({ kind: 'integer', bytes: 4, unsigned: true }, 'UINTEGER', [0, 4294967295]);
  await roundTrip({ kind: 'integer', bytes: 1, unsigned: false }, 'TINYINT', [-128, 127]);
});

test('impossible values are errors, not other values', () => {
  assert.throws(() => parseDateDays('2023-02-29'), /invalid date/);
  assert.throws(() => parseDateDays('2024-0a-01'), /invalid DATE value/);
  assert.equal(parseDateDays('1970-01-01'), 0);
  assert.equal(parseDateDays('2024-02-29'), 19782);
  assert.equal(parseDateDays('2024-02-29'), 19782, 'the cached day');
  assert.equal(parseDateDays('0001-01-01'), -719162);
  assert.throws(() => parseTimestampMicros('2023-04-31 00:00:00'), /invalid date/);
  assert.throws(() => parseTimestampMicros('2023-04-30 24:00:00'), /invalid time/);
  assert.throws(() => scaledDecimal('1000.00', 5, 2), /does not fit/);
  // more fraction digits than the column: refused unless they are zeros (DuckDB's cast would round)
  assert.throws(() => scaledDecimal('1.005', 5, 2), /1\.005 does not fit DECIMAL\(5,2\)/);
  assert.throws(() => scaledDecimal('-1.001', 5, 2), /does not fit/);
  assert.equal(scaledDecimal('-1.0100', 5, 2), -101n);
  assert.equal(scaledDecimal('7', 5, 2), 700n);
});

test('KeyRanges merges adjacent ranges and answers overlaps', () => {
  const r = new KeyRanges();
  assert.equal(r.overlaps(1n, 10n), false);
  r.add(1n, 10n);
  r.add(21n, 30n);
  assert.equal(r.overlaps(11n, 20n), false);
  assert.equal(r.overlaps(10n, 10n), true);
  assert.equal(r.overlaps(0n, 1n), true);
  r.add(11n, 20n); // fills the gap: one range
  assert.equal(r.overlaps(31n, 40n), false);
  assert.equal(r.overlaps(-5n, 0n), false);
  assert.equal(r.overlaps(15n, 15n), true);
});
