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
 * - Primary-key columns of these four types are VARCHAR holding the value's text (duckDbKeyType,
 *   temporalKeyText): DuckDB cannot index INTERVAL, and a key must keep zero dates (several zero
 *   dates are distinct keys, and NULL is no key). The text is the one DuckDB writes for the same
 *   value of the non-key type (fraction without trailing zeros; TIMESTAMP in UTC with `+00`), so
 *   that each value has exactly one text whatever the column's fsp, and temporalKeyTextSql turns a
 *   non-key column into key text (re-keying a table).
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

/** True for the kinds whose primary-key columns are stored as text (DATE, TIME, DATETIME, TIMESTAMP). */
export function hasKeyText(t: ColumnType): t is Extract<ColumnType, { kind: TemporalKind }> {
  return t.kind === 'date' || t.kind === 'time' || t.kind === 'timestamp' || t.kind === 'timestamp_ltz';
}

type TemporalKind = 'date' | 'time' | 'timestamp' | 'timestamp_ltz';

/** The DuckDB type (SQL text) of a primary-key column: VARCHAR key text for temporal types. */
export function duckDbKeyType(t: ColumnType): string {
  return hasKeyText(t) ? 'VARCHAR' : duckDbType(t);
}

/** The DuckDB type of a column, `key` when it is in the primary key. */
export function duckDbColumnType(t: ColumnType, key: boolean): string {
  return key ? duckDbKeyType(t) : duckDbType(t);
}

const DATE_KEY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_KEY = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/**
 * The key text of a temporal value (the source's text, see column-type.ts): DATE `YYYY-MM-DD`,
 * TIME `[-]HH:MM:SS[.f]`, DATETIME `YYYY-MM-DD HH:MM:SS[.f]`, TIMESTAMP the same in UTC plus `+00`;
 * the fraction without trailing zeros. Zero dates (`0000-00-00`, `2024-05-00`) are kept as such;
 * anything else that is no MySQL value of the type throws.
 */
export function temporalKeyText(t: Extract<ColumnType, { kind: TemporalKind }>, v: string): string {
  if (t.kind === 'time') return timeText(parseTimeMicros(v));
  const m = (t.kind === 'date' ? DATE_KEY : DATETIME_KEY).exec(v);
  const [, , mo, d, h, mi, sec, frac] = m ?? [];
  if (!m || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) {
    throw new Error(
      `invalid ${t.kind === 'date' ? 'DATE' : 'DATETIME/TIMESTAMP'} value ${JSON.stringify(v)}`,
    );
  }
  if (t.kind === 'date') return v;
  const text = `${v.slice(0, 10)} ${v.slice(11, 19)}${fractionText(frac ?? '')}`;
  return t.kind === 'timestamp_ltz' ? `${text}+00` : text;
}

/** Signed microseconds → `[-]HH:MM:SS[.f]`, as DuckDB writes an INTERVAL of microseconds. */
function timeText(micros: bigint): string {
  const abs = micros < 0n ? -micros : micros;
  const s = abs / 1_000_000n;
  const two = (n: bigint): string => n.toString().padStart(2, '0');
  const frac = (abs % 1_000_000n).toString().padStart(6, '0');
  return `${micros < 0n ? '-' : ''}${two(s / 3600n)}:${two((s / 60n) % 60n)}:${two(s % 60n)}${fractionText(frac)}`;
}

/** `.f` without trailing zeros, or '' for a zero fraction. */
function fractionText(digits: string): string {
  const f = digits.replace(/0+$/, '');
  return f === '' ? '' : `.${f}`;
}

/**
 * SQL that turns `expr`, a column of the non-key DuckDB type (duckDbType), into the key text
 * temporalKeyText gives for the same value: what re-keying a table runs on a column that becomes
 * part of the primary key. (A zero date written as NULL stays NULL: it cannot become a key.)
 */
export function temporalKeyTextSql(t: Extract<ColumnType, { kind: TemporalKind }>, expr: string): string {
  // strftime, not a cast: a cast writes years before 1 as `0001-01-01 (BC)`
  const trimmed = (format: string, e: string): string =>
    `rtrim(rtrim(strftime(${e}, '${format}.%f'), '0'), '.')`;
  switch (t.kind) {
    case 'date':
      return `strftime(${expr}, '%Y-%m-%d')`;
    case 'time':
      return `CAST(${expr} AS VARCHAR)`;
    case 'timestamp':
      return trimmed('%Y-%m-%d %H:%M:%S', expr);
    case 'timestamp_ltz':
      return `(${trimmed('%Y-%m-%d %H:%M:%S', `timezone('UTC', ${expr})`)} || '+00')`;
    default:
      return assertNever(t, 'temporal column type');
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
  {
    kind: 'date',
    source: 'DATE',
    duckdb: 'DATE; key: VARCHAR',
    note: 'zero date 0000-00-00 → NULL (warning); key text `YYYY-MM-DD`, zero dates kept',
  },
  {
    kind: 'time',
    source: 'TIME(fsp)',
    duckdb: 'INTERVAL; key: VARCHAR',
    note: 'exact microseconds; negative and > 24 h values kept; key text `[-]HH:MM:SS[.f]`',
  },
  {
    kind: 'timestamp',
    source: 'DATETIME(fsp)',
    duckdb: 'TIMESTAMP; key: VARCHAR',
    note: 'wall clock, microseconds; zero value → NULL (warning); key text `YYYY-MM-DD HH:MM:SS[.f]`, zero dates kept',
  },
  {
    kind: 'timestamp_ltz',
    source: 'TIMESTAMP(fsp)',
    duckdb: 'TIMESTAMPTZ; key: VARCHAR',
    note: 'the instant, microseconds; zero value → NULL (warning); key text in UTC `YYYY-MM-DD HH:MM:SS[.f]+00`, zero value kept',
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
  // the month or the day is 00 (as in 0000-00-00); no substrings: this runs for every value
  return zeroPair(v, 5) || zeroPair(v, 8);
}

const zeroPair = (v: string, i: number): boolean => v.charCodeAt(i) === 48 && v.charCodeAt(i + 1) === 48;

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
    '',
    '**Key text.** In a primary key, DATE, TIME, DATETIME and TIMESTAMP columns are VARCHAR (“key:',
    'VARCHAR” above): DuckDB cannot index INTERVAL and has no zero date, while a key must keep every',
    'value, zero dates included (`0000-00-00` and `2024-05-00` are distinct keys). The text is the',
    'one DuckDB writes for the same value of the non-key type — the fraction without trailing zeros',
    '(`10:00:00.5`), TIMESTAMP in UTC with `+00` — so each value has one text whatever the column’s',
    'fsp; DATE, DATETIME and TIMESTAMP texts sort in time order (zero dates first), and',
    '`CAST(col AS TIMESTAMP)` (`TIMESTAMPTZ` for a TIMESTAMP column) reads a non-zero one back',
    'as a DuckDB timestamp.',
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
