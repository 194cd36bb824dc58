import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnType } from '../../event/column-type.js';
import {
  duckDbColumnType,
  hasKeyText,
  parseTimeMicros,
  temporalKeyText,
  temporalKeyTextSql,
} from './type-mapping.js';

const TIME = { kind: 'time', precision: 6 } as const;
const DATE = { kind: 'date' } as const;
const DATETIME = { kind: 'timestamp', precision: 6 } as const;
const TIMESTAMP = { kind: 'timestamp_ltz', precision: 3 } as const;

test('temporal key columns are VARCHAR; other key columns keep their type', () => {
  for (const t of [TIME, DATE, DATETIME, TIMESTAMP]) {
    assert.equal(duckDbColumnType(t, true), 'VARCHAR');
    assert.notEqual(duckDbColumnType(t, false), 'VARCHAR');
  }
  const int: ColumnType = { kind: 'integer', bytes: 4, unsigned: false };
  assert.equal(duckDbColumnType(int, true), 'INTEGER');
  assert.equal(hasKeyText(int), false);
});

test('temporalKeyText: one text per value whatever the fsp; zero dates kept; no invalid value', () => {
  assert.equal(temporalKeyText(TIME, '10:00:00.000000'), '10:00:00');
  assert.equal(temporalKeyText(TIME, '10:00:00'), '10:00:00');
  assert.equal(temporalKeyText(TIME, '10:00:00.000001'), '10:00:00.000001');
  assert.equal(temporalKeyText(TIME, '-838:59:59.500'), '-838:59:59.5');
  assert.equal(temporalKeyText(TIME, '-00:00:00'), '00:00:00');
  assert.equal(temporalKeyText(TIME, '-00:00:00.25'), '-00:00:00.25');
  assert.equal(temporalKeyText(DATE, '0000-00-00'), '0000-00-00');
  assert.equal(temporalKeyText(DATE, '2024-05-00'), '2024-05-00');
  assert.equal(temporalKeyText(DATETIME, '0000-00-00 00:00:00.000000'), '0000-00-00 00:00:00');
  assert.equal(temporalKeyText(DATETIME, '2024-00-10 12:00:00.120000'), '2024-00-10 12:00:00.12');
  assert.equal(temporalKeyText(TIMESTAMP, '0000-00-00 00:00:00.000'), '0000-00-00 00:00:00+00');
  assert.equal(temporalKeyText(TIMESTAMP, '2024-03-10 02:30:00.500'), '2024-03-10 02:30:00.5+00');
  for (const bad of ['2024-13-01 00:00:00', '2024-01-01 24:00:00', '2024-01-01', 'x']) {
    assert.throws(() => temporalKeyText(DATETIME, bad), /invalid/);
  }
  assert.throws(() => temporalKeyText(DATE, '2024-1-1'), /invalid/);
  assert.throws(() => temporalKeyText(TIME, '10:00'), /invalid/);
});

test('temporalKeyTextSql turns the non-key DuckDB value into the same key text', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    // the key text of a TIMESTAMP is UTC whatever the session's zone
    await conn.run("SET TimeZone = 'Asia/Kolkata'");
    const cases: [ColumnType & { kind: 'date' | 'time' | 'timestamp' | 'timestamp_ltz' }, string, string][] =
      [
        [DATE, '2024-02-29', "DATE '2024-02-29'"],
        [DATE, '0001-01-01', "DATE '0001-01-01'"],
        [DATETIME, '2024-02-29 23:59:59.123450', "TIMESTAMP '2024-02-29 23:59:59.12345'"],
        [DATETIME, '1000-01-01 00:00:00.000000', "TIMESTAMP '1000-01-01 00:00:00'"],
        [DATETIME, '0000-01-01 00:00:10', "TIMESTAMP '0001-01-01 00:00:10' - INTERVAL 1 YEAR"],
        [TIMESTAMP, '2024-03-10 02:30:00.500', "TIMESTAMPTZ '2024-03-10 02:30:00.5+00'"],
        [TIMESTAMP, '1970-01-01 00:00:01', "TIMESTAMPTZ '1970-01-01 00:00:01+00'"],
      ];
    for (const text of ['838:59:59', '-838:59:59.000001', '00:00:00', '-00:00:00.5', '100:00:00.250000']) {
      cases.push([TIME, text, `to_microseconds(${parseTimeMicros(text)})`]);
    }
    for (const [t, source, native] of cases) {
      const r = await conn.runAndReadAll(`SELECT ${temporalKeyTextSql(t, native)}`);
      assert.equal(r.getRowsJS()[0]?.[0], temporalKeyText(t, source), `${t.kind} ${source}`);
    }
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});
