import { assertNever, type ColumnType, type Value } from '../../event/column-type.js';
import { geometryToJson, WKB_GEOMETRY_TYPES } from '../../event/geometry-json.js';
import type { Row } from '../../event/change-event.js';
import type { TableSchema } from '../../event/table-schema.js';
import { JsonBytes, utf8 } from './json-bytes.js';
import { JsonNumberText, stringifyJsonExact, type ExactJson } from './parse-json-exact.js';

/**
 * How a column value is written into the JSON formats (debezium-json, canal-json, json, and the
 * keys): exact, and readable back exactly when the column type is known (see jsonToValue).
 *
 * | column type                        | JSON                                                        |
 * |------------------------------------|-------------------------------------------------------------|
 * | BOOLEAN, BIT(1)                    | `true` / `false`                                            |
 * | TINYINT … BIGINT (UNSIGNED too)    | number, every digit (a BIGINT beyond 2^53 too: the text is exact) |
 * | DECIMAL(p,s)                       | string with exactly s fraction digits: `"4.00"`            |
 * | FLOAT, DOUBLE                      | number, the shortest text that reads back to the same double |
 * | CHAR, VARCHAR, TEXT, ENUM, SET     | string (SET: members joined by `,`)                         |
 * | UUID, INET4, INET6 (MariaDB)       | string, the server's text                                   |
 * | BINARY, VARBINARY, BLOB, BIT(n>1)  | string, base64 of the bytes                                 |
 * | DATE                               | `"2024-01-31"`                                              |
 * | TIME(p)                            | `"-838:59:59.000000"`: hours beyond 24 and the sign kept, p fraction digits |
 * | DATETIME(p)                        | `"2024-01-31 23:59:59.123456"`: wall clock, p fraction digits |
 * | TIMESTAMP(p)                       | `"2024-01-31 23:59:59.123456Z"`: the instant in UTC         |
 * | YEAR                               | number                                                      |
 * | JSON                               | string holding the JSON text as the server shows it         |
 * | GEOMETRY…                          | object `{"type":"Point","coordinates":[1,2],"srid":0}`      |
 */
export type JsonValueEncoder = (v: Value, out: JsonBytes) => void;

/** Writes the JSON of values of type `t` into `out` (SQL NULL: `null`). */
export function jsonValueEncoder(t: ColumnType): JsonValueEncoder {
  const write = nonNullEncoder(t);
  return (v, out) => (v === null ? out.bytes(NULL) : write(v, out));
}

/** The JSON text of values of type `t`, as jsonValueEncoder writes it (for keys in CSV, the docs). */
export function jsonValueWriter(t: ColumnType): (v: Value) => string {
  const encode = jsonValueEncoder(t);
  const out = new JsonBytes();
  return (v) => {
    out.reset();
    encode(v, out);
    return out.toString();
  };
}

const NULL = utf8('null');

function nonNullEncoder(t: ColumnType): JsonValueEncoder {
  switch (t.kind) {
    case 'boolean':
    case 'integer':
    case 'year':
      return (v, out) => out.ascii(String(v));
    case 'float':
    case 'double':
      return (v, out) => out.ascii(floatText(v));
    case 'decimal':
    case 'string':
    case 'enum':
    case 'set':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'json':
      return stringValue;
    case 'timestamp_ltz':
      return (v, out) => out.string(`${v as string}Z`);
    case 'binary':
      return base64;
    case 'bit':
      return t.length === 1 ? (v, out) => out.ascii(String(v)) : base64;
    case 'geometry':
      return (v, out) => out.text(JSON.stringify(geometryToJson(v as Uint8Array)));
    default:
      return assertNever(t);
  }
}

/** A string value; a value of another JavaScript type (never expected) as JSON.stringify writes it. */
function stringValue(v: Value, out: JsonBytes): void {
  if (typeof v === 'string') out.string(v);
  else out.text(JSON.stringify(v));
}

/** The shortest text that reads back to the same double; `-0` keeps its sign (String(-0) is "0"). */
function floatText(v: Value): string {
  return v === 0 && Object.is(v, -0) ? '-0' : String(v);
}

function base64(v: Value, out: JsonBytes): void {
  const b = v as Uint8Array;
  out.string(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'));
}

/** Writes one row (or a row image) into `out`. */
export type JsonRowEncoder = (row: Row, out: JsonBytes) => void;

/**
 * `{"col":value,…}` for rows of `schema`, every column in schema order (a column absent from a
 * row image is left out). Compiled once per schema: the hot path of every JSON format.
 */
export function jsonRowEncoder(schema: TableSchema, only?: readonly number[]): JsonRowEncoder {
  const indexes = only ?? schema.columns.map((_, i) => i);
  const first = indexes.map((i) => utf8(`{${JSON.stringify(schema.columns[i]!.name)}:`));
  const next = indexes.map((i) => utf8(`,${JSON.stringify(schema.columns[i]!.name)}:`));
  const encoders = indexes.map((i) => jsonValueEncoder(schema.columns[i]!.type));
  return (row, out) => {
    let written = false;
    for (let k = 0; k < indexes.length; k++) {
      const v = row[indexes[k]!];
      if (v === undefined) continue;
      out.bytes(written ? next[k]! : first[k]!);
      written = true;
      encoders[k]!(v, out);
    }
    out.bytes(written ? CLOSE : EMPTY);
  };
}

const CLOSE = utf8('}');
const EMPTY = utf8('{}');

/** Reads a JSON value (parsed by parseJsonExact) as a value of one column type; throws ValueTypeError. */
export type JsonValueReader = (v: ExactJson | undefined) => Value;

/** A JSON value that cannot be a value of the column's type: the message says what was expected. */
export class ValueTypeError extends Error {}

/**
 * The inverse of jsonValueWriter, exact: what the writer wrote reads back to the same Value, and
 * so does what Flink CDC and Debezium write for the type (DECIMAL as a JSON number, a DATETIME
 * with `T`, FLOAT as its shortest text, a DATE as days since 1970 — Debezium's io.debezium.time.Date).
 * A JSON null (or an absent field) is SQL NULL.
 */
export function jsonValueReader(t: ColumnType): JsonValueReader {
  const read = nonNullReader(t);
  return (v) => (v === null || v === undefined ? null : read(v));
}

type NonNullReader = (v: Exclude<ExactJson, null>) => Value;

function nonNullReader(t: ColumnType): NonNullReader {
  switch (t.kind) {
    case 'boolean':
      return readBoolean;
    case 'integer':
      return integerReader(t.bytes, t.unsigned);
    case 'decimal':
      return (v) => decimalText(numberText(v, 'a DECIMAL'), t.precision, t.scale, t.unsigned === true);
    case 'float':
      return (v) => Math.fround(readDouble(v));
    case 'double':
      return readDouble;
    case 'string':
      return readString;
    case 'enum':
      return memberReader(t.values, false);
    case 'set':
      return memberReader(t.values, true);
    case 'json':
      return (v) => (typeof v === 'string' ? v : stringifyJsonExact(v));
    case 'binary':
      return readBase64;
    case 'bit':
      return t.length === 1 ? readBoolean : bitsReader(Math.ceil(t.length / 8));
    case 'date':
      return readDate;
    case 'time':
      return (v) => temporalText(v, TIME, t.precision, 'a TIME');
    case 'timestamp':
      return (v) => temporalText(v, DATETIME, t.precision, 'a DATETIME').replace('T', ' ');
    case 'timestamp_ltz':
      return (v) =>
        temporalText(v, INSTANT, t.precision, 'a TIMESTAMP (in UTC, ending in Z)').replace('T', ' ');
    case 'year':
      return (v) => Number(integerText(v, 'a YEAR', 0n, 2155n));
    case 'geometry':
      return readGeometry;
    default:
      return assertNever(t);
  }
}

function expected(what: string, v: ExactJson): ValueTypeError {
  const text = stringifyJsonExact(v);
  return new ValueTypeError(`expected ${what}, got ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`);
}

function readBoolean(v: ExactJson): boolean {
  if (typeof v !== 'boolean') throw expected('true or false', v);
  return v;
}

function readString(v: ExactJson): string {
  if (typeof v !== 'string') throw expected('a string', v);
  return v;
}

/** The text of a JSON number (or of a numeric string, as Debezium's `decimal.handling.mode=string`). */
function numberText(v: ExactJson, what: string): string {
  if (v instanceof JsonNumberText) return v.text;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string' && NUMERIC.test(v)) return v;
  throw expected(what, v);
}

const NUMERIC = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function readDouble(v: ExactJson): number {
  if (typeof v === 'number') return v;
  if (v instanceof JsonNumberText) return Number(v.text);
  throw expected('a number', v);
}

const INTEGER_RANGE: Record<1 | 2 | 3 | 4 | 8, number> = { 1: 8, 2: 16, 3: 24, 4: 32, 8: 64 };

function integerReader(bytes: 1 | 2 | 3 | 4 | 8, unsigned: boolean): NonNullReader {
  const bits = BigInt(INTEGER_RANGE[bytes]);
  const min = unsigned ? 0n : -(1n << (bits - 1n));
  const max = unsigned ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
  const what = `an integer in ${min}…${max}`;
  // a JSON number that is a safe integer needs no text round trip (the common case); `+ 0` turns -0 into 0
  if (bytes === 8)
    return (v) =>
      typeof v === 'number' && Number.isSafeInteger(v) && (v >= 0 || !unsigned)
        ? BigInt(v)
        : integerText(v, what, min, max);
  const lo = Number(min);
  const hi = Number(max);
  return (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi
      ? v + 0
      : Number(integerText(v, what, min, max));
}

function integerText(v: ExactJson, what: string, min: bigint, max: bigint): bigint {
  const text =
    v instanceof JsonNumberText ? v.text : typeof v === 'number' && Number.isInteger(v) ? String(v) : '';
  if (!/^-?\d+$/.test(text)) throw expected(what, v);
  const n = BigInt(text);
  if (n < min || n > max) throw expected(what, v);
  return n;
}

/** DECIMAL text with exactly `scale` fraction digits from any decimal number text (exponents too). */
export function decimalText(text: string, precision: number, scale: number, unsigned: boolean): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  const what = `a DECIMAL(${precision},${scale})${unsigned ? ' UNSIGNED' : ''}`;
  if (!m) throw new ValueTypeError(`expected ${what}, got ${text}`);
  const digits = m[2]! + (m[3] ?? '');
  const point = m[2]!.length + Number(m[4] ?? 0); // digits before the decimal point
  const whole = point <= 0 ? '0' : digits.slice(0, point).padEnd(point, '0');
  const frac =
    point >= digits.length ? '' : digits.slice(Math.max(point, 0)).padStart(digits.length - point, '0');
  if (/[1-9]/.test(frac.slice(scale)))
    throw new ValueTypeError(`expected ${what}, got ${text}: too many fraction digits`);
  const intPart = whole.replace(/^0+(?=\d)/, '');
  const fracPart = frac.slice(0, scale).padEnd(scale, '0');
  const zero = /^0*$/.test(intPart + fracPart);
  if (intPart !== '0' && intPart.length > precision - scale)
    throw new ValueTypeError(`expected ${what}, got ${text}: too many integer digits`);
  if (m[1] && !zero && unsigned) throw new ValueTypeError(`expected ${what}, got ${text}: negative`);
  return `${m[1] && !zero ? '-' : ''}${intPart}${scale > 0 ? `.${fracPart}` : ''}`;
}

function memberReader(values: readonly string[], set: boolean): NonNullReader {
  const members = new Set(values);
  return (v) => {
    const s = readString(v);
    const parts = set ? (s === '' ? [] : s.split(',')) : [s];
    if (parts.some((p) => p !== '' && !members.has(p)))
      throw expected(`${set ? 'members' : 'a member'} of ${values.join(',')}`, v);
    return s;
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function readBase64(v: ExactJson): Uint8Array {
  if (typeof v !== 'string' || !BASE64.test(v)) throw expected('base64 bytes', v);
  const b = Buffer.from(v, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function bitsReader(bytes: number): NonNullReader {
  return (v) => {
    const b = readBase64(v);
    if (b.length !== bytes) throw expected(`${bytes} bytes of base64`, v);
    return b;
  };
}

const DAY_MS = 86_400_000;

function readDate(v: ExactJson): string {
  if (typeof v === 'number' && Number.isInteger(v)) return new Date(v * DAY_MS).toISOString().slice(0, 10);
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw expected('a DATE (YYYY-MM-DD)', v);
  return v;
}

const TIME = /^(-?\d{2,3}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/;
const INSTANT = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|\+00:00)$/;

/** The text with exactly `precision` fraction digits (dropped digits must be zeros). */
function temporalText(v: ExactJson, re: RegExp, precision: number, what: string): string {
  const m = typeof v === 'string' ? re.exec(v) : null;
  if (!m) throw expected(what, v);
  const frac = m[2] ?? '';
  if (/[1-9]/.test(frac.slice(precision))) throw expected(`${what} with ${precision} fraction digits`, v);
  return precision > 0 ? `${m[1]}.${frac.slice(0, precision).padEnd(precision, '0')}` : m[1]!;
}

/** GEOMETRY from its JSON form (geometryToJson): MySQL's internal form, SRID + little-endian WKB. */
function readGeometry(v: ExactJson): Uint8Array {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof JsonNumberText)
    throw expected('a geometry object', v);
  const srid = v.srid ?? 0;
  if (typeof srid !== 'number') throw expected('a geometry object with a numeric srid', v);
  const parts: Buffer[] = [Buffer.alloc(4)];
  parts[0]!.writeUInt32LE(srid);
  writeWkb(v, parts, 0);
  const b = Buffer.concat(parts);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function writeWkb(g: ExactJson, out: Buffer[], depth: number): void {
  const obj = g as Record<string, ExactJson>;
  const code = typeof obj.type === 'string' ? WKB_GEOMETRY_TYPES.indexOf(obj.type) : -1;
  if (code <= 0 || depth > 32) throw expected('a geometry type', g);
  out.push(u32(code, 1));
  if (code === 7) {
    const list = arrayOf(obj.geometries);
    out.push(u32(list.length));
    for (const x of list) writeWkb(x, out, depth + 1);
    return;
  }
  writeCoordinates(code, obj.coordinates ?? null, out, depth);
}

function writeCoordinates(code: number, c: ExactJson, out: Buffer[], depth: number): void {
  if (code === 1) {
    const [x, y] = arrayOf(c).map(readDouble);
    const b = Buffer.alloc(16);
    b.writeDoubleLE(x ?? NaN);
    b.writeDoubleLE(y ?? NaN, 8);
    out.push(b);
    return;
  }
  const list = arrayOf(c);
  out.push(u32(list.length));
  // a LineString's points and a Polygon's rings carry no header; Multi* parts are geometries
  if (code === 2 || code === 3) for (const x of list) writeCoordinates(code - 1, x, out, depth);
  else
    for (const x of list) writeWkb({ type: WKB_GEOMETRY_TYPES[code - 3]!, coordinates: x }, out, depth + 1);
}

function arrayOf(v: ExactJson | undefined): ExactJson[] {
  if (!Array.isArray(v)) throw expected('an array of coordinates', v ?? null);
  return v;
}

/** A little-endian u32, after a byte-order byte when `order` is given. */
function u32(n: number, order?: 1): Buffer {
  const b = Buffer.alloc(order ? 5 : 4);
  if (order) b[0] = 1;
  b.writeUInt32LE(n, order ? 1 : 0);
  return b;
}
