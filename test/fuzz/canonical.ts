/**
 * Canonical text of a value, the same whether read from MariaDB (by the column's MySQL type) or
 * from the DuckDB sink (by the DuckDB type the README maps it to):
 * - integers, YEAR: decimal digits ("0" for the zero year);
 * - DECIMAL: the exact text with all scale digits ("1.50");
 * - FLOAT: the float32 value, shortest JS text; DOUBLE: shortest JS text;
 * - text types, ENUM, SET, UUID, INET4/6, JSON: the string itself (JSON text unchanged);
 * - BINARY/BLOB/GEOMETRY/BIT(n>1): upper-case hex (BIT: ceil(n/8) bytes); BIT(1): "0"/"1";
 * - DATE: "YYYY-MM-DD"; DATETIME: "YYYY-MM-DD HH:MM:SS.ffffff" (always 6 digits);
 * - TIMESTAMP: the instant as microseconds since the epoch; TIME: signed microseconds;
 * - zero dates (a zero year-month-day, month or day) are NULL: the DuckDB sink stores them so.
 * `null` is SQL NULL.
 */
import type { DuckDBIntervalValue } from '@duckdb/node-api';
import { qi, type TypeSpec } from './type-spec.js';

export type Cell = string | null;

/** A cell whose value the pipeline cannot know (an expression default the server evaluated). */
export const ANY = '\u0000<any>';

/** The SELECT expression that reads a source column for canonicalSource(). */
export function sourceSelectExpr(name: string, t: TypeSpec): string {
  const c = qi(name);
  switch (t.f) {
    case 'float':
      return `CAST(${c} AS DOUBLE)`;
    case 'binary':
    case 'blob':
    case 'geometry':
      return `HEX(${c})`;
    case 'bit':
      return t.len === 1 ? `CAST(${c} AS UNSIGNED)` : `LPAD(HEX(${c}), ${2 * Math.ceil(t.len / 8)}, '0')`;
    case 'timestamp':
      return `UNIX_TIMESTAMP(${c})`;
    case 'char':
    case 'text':
    case 'enum':
    case 'set':
    case 'double':
      return c;
    case 'json':
      return `CAST(${c} AS CHAR)`; // mysql2 would parse a JSON-typed column
    case 'int':
    case 'decimal':
    case 'date':
    case 'time':
    case 'datetime':
    case 'year':
    case 'uuid':
    case 'inet4':
    case 'inet6':
      return `CAST(${c} AS CHAR)`;
  }
}

/** The canonical text of a value read with sourceSelectExpr. */
export function canonicalSource(t: TypeSpec, raw: unknown): Cell {
  if (raw === null || raw === undefined) return null;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : (raw as string).toString();
  switch (t.f) {
    case 'int':
    case 'year':
      return BigInt(text).toString();
    case 'float':
      return String(Math.fround(Number(text)));
    case 'double':
      return String(Number(text));
    case 'binary':
    case 'blob':
    case 'geometry':
      return text.toUpperCase();
    case 'bit':
      return t.len === 1 ? (BigInt(text) === 0n ? '0' : '1') : text.toUpperCase();
    case 'date':
      return isZeroDate(text) ? null : text;
    case 'datetime':
      return isZeroDate(text) ? null : padFraction(text);
    case 'timestamp':
      return timestampMicros(text);
    case 'time':
      return String(timeMicros(text));
    case 'decimal':
    case 'char':
    case 'text':
    case 'enum':
    case 'set':
    case 'json':
    case 'uuid':
    case 'inet4':
    case 'inet6':
      return text;
  }
}

export function isZeroDate(text: string): boolean {
  return text.startsWith('0000-00-00') || text.slice(5, 7) === '00' || text.slice(8, 10) === '00';
}

function padFraction(text: string): string {
  const [whole, frac = ''] = text.split('.');
  return `${whole}.${frac.padEnd(6, '0')}`;
}

/** UNIX_TIMESTAMP text ("1577817000.123") → epoch microseconds; 0 (the zero TIMESTAMP) → NULL. */
function timestampMicros(text: string): Cell {
  const [s, frac = ''] = text.split('.');
  const micros = BigInt(s!) * 1_000_000n + BigInt(frac.padEnd(6, '0').slice(0, 6));
  return micros === 0n ? null : micros.toString();
}

/** "[-]H:MM:SS[.f]" → signed microseconds. */
export function timeMicros(text: string): bigint {
  const m = /^(-)?(\d+):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`fuzzer: bad TIME text ${text}`);
  const v =
    ((BigInt(m[2]!) * 60n + BigInt(m[3]!)) * 60n + BigInt(m[4]!)) * 1_000_000n +
    BigInt((m[5] ?? '').padEnd(6, '0').slice(0, 6));
  return m[1] ? -v : v;
}

/** The SELECT expression that reads a DuckDB column of this DuckDB type for canonicalDuck(). */
export function duckSelectExpr(name: string, duckType: string): string {
  const c = `"${name.replace(/"/g, '""')}"`;
  const t = duckType.toUpperCase();
  if (t === 'FLOAT') return `CAST(${c} AS DOUBLE)`;
  if (t === 'DOUBLE' || t === 'INTERVAL') return c;
  if (t === 'BLOB') return `hex(${c})`;
  if (t === 'BOOLEAN') return `CAST(${c} AS INTEGER)`;
  if (t === 'TIMESTAMP') return `strftime(${c}, '%Y-%m-%d %H:%M:%S.%f')`;
  // DuckDB writes year 0 as "0001-01-01 (BC)"; strftime writes the year number as MySQL does
  if (t === 'DATE') return `strftime(${c}, '%Y-%m-%d')`;
  if (t === 'TIMESTAMP WITH TIME ZONE') return `epoch_us(${c})`;
  return `CAST(${c} AS VARCHAR)`;
}

/** The canonical text of a DuckDB value read with duckSelectExpr. */
export function canonicalDuck(duckType: string, v: unknown): Cell {
  if (v === null || v === undefined) return null;
  const t = duckType.toUpperCase();
  if (t === 'FLOAT') return String(Math.fround(Number(v)));
  if (t === 'DOUBLE') return String(Number(v));
  if (t === 'INTERVAL') {
    const iv = v as DuckDBIntervalValue;
    const day = 86_400_000_000n;
    return (BigInt(iv.micros) + BigInt(iv.days) * day + BigInt(iv.months) * 30n * day).toString();
  }
  return (v as string).toString();
}

/** A value shortened for messages. */
export function showCell(v: Cell | undefined): string {
  if (v === undefined) return '(absent)';
  if (v === null) return 'NULL';
  if (v === ANY) return '(any)';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 60)}…(${v.length} chars)` : s;
}
