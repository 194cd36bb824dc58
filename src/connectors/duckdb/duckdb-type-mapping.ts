/**
 * ColumnType → DuckDB type, and Value → the input the sink stages for DuckDB.
 *
 * Decisions (all exact; nothing passes through a JS double that was not a double at the source):
 * - DECIMAL(p,s) with p ≤ 38 → DECIMAL(p,s), staged as its scaled integer (computed exactly from
 *   the decimal text). p > 38 (MySQL allows 65) → VARCHAR holding the exact decimal text.
 * - TIME → INTERVAL: MySQL TIME is a duration from -838:59:59 to 838:59:59, which a DuckDB TIME
 *   (00:00:00–24:00:00) cannot hold. The INTERVAL holds the exact microseconds; DuckDB renders it
 *   as `[-]HH:MM:SS[.ffffff]` (trailing zero fraction digits are not shown: `01:00:00.500000`
 *   reads back as `01:00:00.5`).
 * - DATE / DATETIME / TIMESTAMP zero values (`0000-00-00`, or a zero month or day) have no DuckDB
 *   equivalent: they are written as NULL, and the sink logs a warning once per table and column
 *   (what Debezium does).
 * - TIMESTAMP (MySQL, an instant) → TIMESTAMPTZ, from the UTC text; DATETIME → TIMESTAMP
 *   (wall clock, microseconds kept).
 * - ENUM and SET → VARCHAR (a DuckDB ENUM would need a type change for every new member);
 *   JSON → DuckDB JSON (built-in extension); BIT(1) → BOOLEAN, BIT(n>1) → BLOB (big-endian
 *   bytes); GEOMETRY → BLOB (MySQL internal form: 4-byte SRID + WKB); YEAR → SMALLINT (0 kept).
 * - MEDIUMINT (3 bytes) → INTEGER / UINTEGER; BIGINT UNSIGNED → UBIGINT (up to
 *   18446744073709551615).
 */
import { DuckDBIntervalValue } from '@duckdb/node-api';
import { assertNever } from '../../event/column-type.js';
import type { ColumnType, ColumnKind, Value } from '../../event/column-type.js';

/** Largest DECIMAL precision DuckDB supports. */
export const DUCKDB_MAX_DECIMAL_PRECISION = 38;

/** The DuckDB column type (SQL text) a column of this type is created with. */
export function duckDbType(t: ColumnType): string {
  switch (t.kind) {
    case 'boolean':
      return 'BOOLEAN';
    case 'integer':
      switch (t.bytes) {
        case 1:
          return t.unsigned ? 'UTINYINT' : 'TINYINT';
        case 2:
          return t.unsigned ? 'USMALLINT' : 'SMALLINT';
        case 3:
        case 4:
          return t.unsigned ? 'UINTEGER' : 'INTEGER';
        case 8:
          return t.unsigned ? 'UBIGINT' : 'BIGINT';
        default:
          return assertNever(t.bytes, 'integer width');
      }
    case 'decimal':
      return t.precision <= DUCKDB_MAX_DECIMAL_PRECISION ? `DECIMAL(${t.precision},${t.scale})` : 'VARCHAR';
    case 'float':
      return 'FLOAT';
    case 'double':
      return 'DOUBLE';
    case 'string':
      return 'VARCHAR';
    case 'binary':
      return 'BLOB';
    case 'date':
      return 'DATE';
    case 'time':
      return 'INTERVAL';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'timestamp_ltz':
      return 'TIMESTAMPTZ';
    case 'year':
      return 'SMALLINT';
    case 'bit':
      return t.length === 1 ? 'BOOLEAN' : 'BLOB';
    case 'enum':
    case 'set':
      return 'VARCHAR';
    case 'json':
      return 'JSON';
    case 'geometry':
      return 'BLOB';
    default:
      return assertNever(t, 'column type');
  }
}

export interface DuckDbTypeMappingRow {
  readonly kind: ColumnKind;
  /** The source type(s), as MySQL spells them. */
  readonly source: string;
  readonly duckdb: string;
  readonly note: string;
}

/** The mapping as a table, for generated docs. */
export const DUCKDB_TYPE_MAPPING: readonly DuckDbTypeMappingRow[] = [
  { kind: 'boolean', source: 'BOOLEAN', duckdb: 'BOOLEAN', note: '' },
  { kind: 'integer', source: 'TINYINT', duckdb: 'TINYINT', note: 'UNSIGNED → UTINYINT' },
  { kind: 'integer', source: 'SMALLINT', duckdb: 'SMALLINT', note: 'UNSIGNED → USMALLINT' },
  { kind: 'integer', source: 'MEDIUMINT', duckdb: 'INTEGER', note: 'UNSIGNED → UINTEGER' },
  { kind: 'integer', source: 'INT', duckdb: 'INTEGER', note: 'UNSIGNED → UINTEGER' },
  {
    kind: 'integer',
    source: 'BIGINT',
    duckdb: 'BIGINT',
    note: 'UNSIGNED → UBIGINT (up to 18446744073709551615)',
  },
  {
    kind: 'decimal',
    source: 'DECIMAL(p,s)',
    duckdb: 'DECIMAL(p,s)',
    note: 'exact; p > 38 → VARCHAR holding the exact decimal text',
  },
  { kind: 'float', source: 'FLOAT', duckdb: 'FLOAT', note: '' },
  { kind: 'double', source: 'DOUBLE', duckdb: 'DOUBLE', note: '' },
  {
    kind: 'string',
    source: 'CHAR, VARCHAR, TEXT types',
    duckdb: 'VARCHAR',
    note: 'UTF-8; length not enforced',
  },
  {
    kind: 'string',
    source: 'UUID, INET4, INET6 (MariaDB)',
    duckdb: 'VARCHAR',
    note: 'the text the server shows (the binlog carries bytes)',
  },
  { kind: 'binary', source: 'BINARY, VARBINARY, BLOB types', duckdb: 'BLOB', note: '' },
  { kind: 'date', source: 'DATE', duckdb: 'DATE', note: 'zero date 0000-00-00 → NULL (warning)' },
  {
    kind: 'time',
    source: 'TIME(fsp)',
    duckdb: 'INTERVAL',
    note: 'exact microseconds; negative and > 24 h values kept',
  },
  {
    kind: 'timestamp',
    source: 'DATETIME(fsp)',
    duckdb: 'TIMESTAMP',
    note: 'wall clock, microseconds; zero value → NULL (warning)',
  },
  {
    kind: 'timestamp_ltz',
    source: 'TIMESTAMP(fsp)',
    duckdb: 'TIMESTAMPTZ',
    note: 'the instant, microseconds; zero value → NULL (warning)',
  },
  { kind: 'year', source: 'YEAR', duckdb: 'SMALLINT', note: 'zero year stays 0' },
  { kind: 'bit', source: 'BIT(1)', duckdb: 'BOOLEAN', note: '' },
  { kind: 'bit', source: 'BIT(n), n > 1', duckdb: 'BLOB', note: 'ceil(n/8) bytes, big-endian' },
  { kind: 'enum', source: 'ENUM', duckdb: 'VARCHAR', note: 'the member text' },
  { kind: 'set', source: 'SET', duckdb: 'VARCHAR', note: 'members joined by ","' },
  { kind: 'json', source: 'JSON', duckdb: 'JSON', note: 'JSON text' },
  {
    kind: 'geometry',
    source: 'GEOMETRY types',
    duckdb: 'BLOB',
    note: 'MySQL internal form: 4-byte little-endian SRID + WKB',
  },
];

/**
 * One value checked against its column type, before the chunk writer (duckdb-chunk-writer.ts)
 * stages it: text for DECIMAL, DATE, TIMESTAMP, TIMESTAMPTZ (with an explicit `+00`), which the
 * writer converts exactly, numbers/bigints for integers and floats, bytes for BLOB, an interval for TIME.
 */
export type DuckDbInput = null | boolean | number | bigint | string | Uint8Array | DuckDBIntervalValue;

/**
 * Converts a Value to the staged input for a column of type `t`. Returns null for NULL and for
 * values DuckDB cannot represent (zero dates: see `isZeroDateText`). Throws on a value whose JS
 * type does not fit the column type.
 */
export function toDuckDbInput(t: ColumnType, v: Value): DuckDbInput {
  if (v === null) return null;
  switch (t.kind) {
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number' || typeof v === 'bigint') return v !== 0 && v !== 0n;
      return mismatch(t, v);
    case 'integer':
      if (t.bytes === 8) {
        if (typeof v === 'bigint') return v;
        if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
        if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
        return mismatch(t, v);
      }
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'bigint') return Number(v);
      return mismatch(t, v);
    case 'decimal':
      if (typeof v === 'string') return v;
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'number' && Number.isInteger(v)) return String(v);
      return mismatch(t, v);
    case 'float':
    case 'double':
    case 'year':
      if (typeof v === 'number') return v;
      return mismatch(t, v);
    case 'string':
    case 'enum':
    case 'set':
    case 'json':
      if (typeof v === 'string') return v;
      return mismatch(t, v);
    case 'binary':
    case 'geometry':
      if (v instanceof Uint8Array) return v;
      if (typeof v === 'string') return new TextEncoder().encode(v);
      return mismatch(t, v);
    case 'bit':
      if (t.length === 1) {
        if (typeof v === 'boolean') return v;
        if (v instanceof Uint8Array) return v.some((b) => b !== 0);
        if (typeof v === 'number' || typeof v === 'bigint') return v !== 0 && v !== 0n;
        return mismatch(t, v);
      }
      if (v instanceof Uint8Array) return v;
      return mismatch(t, v);
    case 'date':
    case 'timestamp':
      if (typeof v !== 'string') return mismatch(t, v);
      return isZeroDateText(v) ? null : v;
    case 'timestamp_ltz':
      if (typeof v !== 'string') return mismatch(t, v);
      return isZeroDateText(v) ? null : `${v}+00`;
    case 'time':
      if (typeof v !== 'string') return mismatch(t, v);
      return new DuckDBIntervalValue(0, 0, parseTimeMicros(v));
    default:
      return assertNever(t, 'column type');
  }
}

/** True for MySQL's zero date/datetime and dates with a zero month or day ("2024-00-10"). */
export function isZeroDateText(v: string): boolean {
  return v.startsWith('0000-00-00') || v.slice(5, 7) === '00' || v.slice(8, 10) === '00';
}

/** "[-]H+:MM:SS[.ffffff]" → signed microseconds. */
export function parseTimeMicros(text: string): bigint {
  const m = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new Error(`invalid TIME value ${JSON.stringify(text)}`);
  const [, neg, h, mi, s, frac] = m;
  const micros =
    ((BigInt(h!) * 60n + BigInt(mi!)) * 60n + BigInt(s!)) * 1_000_000n + BigInt((frac ?? '').padEnd(6, '0'));
  return neg ? -micros : micros;
}

function mismatch(t: ColumnType, v: Value): never {
  const shown = v instanceof Uint8Array ? `${v.length} bytes` : `${typeof v} ${String(v)}`;
  throw new Error(`value ${shown} does not fit a ${t.kind} column`);
}

/** The mapping as a Markdown section, for `tidemark docs`. */
export function duckDbTypeMappingMarkdown(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    '### DuckDB type mapping',
    '',
    'How the `duckdb` sink maps MySQL/MariaDB column types; every value is written exactly.',
    '',
    '| MySQL type | DuckDB type | note |',
    '|---|---|---|',
    ...DUCKDB_TYPE_MAPPING.map((r) => `| ${cell(r.source)} | ${cell(r.duckdb)} | ${cell(r.note)} |`),
  ].join('\n');
}

/**
 * A value of a column type as a DuckDB string literal that casts exactly to the column's DuckDB
 * type (floats through their shortest round-trip text, bytes as \xNN escapes, TIME as
 * microseconds). A constant string, not a CAST expression: DuckDB adds a column with a constant
 * DEFAULT without rewriting the table, which a later ALTER in the same transaction needs. `NULL`
 * for SQL NULL and for values DuckDB cannot hold (zero dates).
 */
export function duckDbLiteral(t: ColumnType, v: Value): string {
  const input = toDuckDbInput(t, v);
  if (input === null) return 'NULL';
  let text: string;
  if (input instanceof Uint8Array)
    text = [...input].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  else if (input instanceof DuckDBIntervalValue) text = `${input.micros} microseconds`;
  else text = String(input);
  return `'${text.replace(/'/g, "''")}'`;
}
