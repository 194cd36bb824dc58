/**
 * Canonical text of column values, per MySQL/MariaDB type, for the table oracle (table-oracle.ts).
 *
 * Each source column gets a render kind from information_schema (DATA_TYPE, COLUMN_TYPE, and the
 * `json_valid` CHECK that marks a MariaDB JSON column). MariaDB renders the value with a SQL
 * expression that yields text (so the client driver's conversions play no part); DuckDB values are
 * read as the node API returns them (exact: micros, days, scaled integers, bytes) and rendered in
 * JS into the same canonical text:
 *
 * | kind      | canonical text                                    | MariaDB expression            |
 * |-----------|---------------------------------------------------|-------------------------------|
 * | integer   | decimal digits (`-128`, `18446744073709551615`)   | CAST(c AS CHAR), zerofill cut |
 * | decimal   | digits, exactly `scale` fraction digits (`4.50`)  | CAST(c AS CHAR), zerofill cut |
 * | float     | the stored float32, widened to double, in JS's shortest form (`1.100000023841858`): MariaDB prints FLOAT with 6 digits (16777216 as `16777200`), so it is read through CAST(c AS DOUBLE) |
 * | double    | JS's shortest round-trip form (`0.30000000000000004`), `-0` kept | CAST(c AS DOUBLE)  |
 * | bit       | hex of ceil(n/8) big-endian bytes (`03ff`); a BOOLEAN sink is `01`/`00` | CAST(c AS UNSIGNED) |
 * | bytes     | lowercase hex (BINARY padding kept)               | HEX(c)                        |
 * | geometry  | lowercase hex of the internal form (SRID + WKB)   | HEX(c)                        |
 * | text      | the Unicode text (CHAR, VARCHAR, TEXT, ENUM, SET, any charset) | CONVERT(c USING utf8mb4) |
 * | identity  | MariaDB UUID / INET4 / INET6 text                 | CAST(c AS CHAR)               |
 * | date      | `YYYY-MM-DD`                                      | CAST(c AS CHAR)               |
 * | datetime  | `YYYY-MM-DD HH:MM:SS.ffffff` (wall clock)         | DATE_FORMAT(c, … %f)          |
 * | timestamp | `YYYY-MM-DD HH:MM:SS.ffffffZ` (the UTC instant, whatever the session zone) | UNIX_TIMESTAMP(c) |
 * | time      | `[-]HH:MM:SS.ffffff` (hours may exceed 24)        | CAST(c AS CHAR)               |
 * | year      | the number (`0` for the zero year)                | CAST(c AS CHAR)               |
 * | json      | canonical-json.ts (key order and spacing ignored, numbers exact) | CONVERT(c USING utf8mb4) |
 *
 * Zero dates (a DATE/DATETIME with month or day 0, `0000-00-00`, and the zero TIMESTAMP) follow
 * ZeroDateRule: `sink-null` (the DuckDB sink's documented behaviour: written as NULL) renders
 * them as NULL; `exact` keeps their text, so a NULL in the sink is a difference.
 */
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBTimeValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBUUIDValue,
} from '@duckdb/node-api';
import { canonicalJson } from './canonical-json.js';

export type RenderKind =
  | 'integer'
  | 'decimal'
  | 'float'
  | 'double'
  | 'bit'
  | 'bytes'
  | 'geometry'
  | 'text'
  | 'identity'
  | 'date'
  | 'datetime'
  | 'timestamp'
  | 'time'
  | 'year'
  | 'json';

/** How a zero date of the source is expected in the sink (see the module comment). */
export type ZeroDateRule = 'sink-null' | 'exact';

export interface SourceColumn {
  readonly name: string;
  /** information_schema.COLUMNS.COLUMN_TYPE, e.g. `decimal(8,4) unsigned zerofill`. */
  readonly columnType: string;
  readonly kind: RenderKind;
  /** BIT(n): n. */
  readonly bits?: number;
}

const KIND_OF_DATA_TYPE: Record<string, RenderKind> = {
  tinyint: 'integer',
  smallint: 'integer',
  mediumint: 'integer',
  int: 'integer',
  bigint: 'integer',
  decimal: 'decimal',
  float: 'float',
  double: 'double',
  bit: 'bit',
  binary: 'bytes',
  varbinary: 'bytes',
  tinyblob: 'bytes',
  blob: 'bytes',
  mediumblob: 'bytes',
  longblob: 'bytes',
  char: 'text',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  enum: 'text',
  set: 'text',
  uuid: 'identity',
  inet4: 'identity',
  inet6: 'identity',
  date: 'date',
  datetime: 'datetime',
  timestamp: 'timestamp',
  time: 'time',
  year: 'year',
  json: 'json',
  geometry: 'geometry',
  point: 'geometry',
  linestring: 'geometry',
  polygon: 'geometry',
  multipoint: 'geometry',
  multilinestring: 'geometry',
  multipolygon: 'geometry',
  geometrycollection: 'geometry',
};

/** The render kind of a column; throws for a type the oracle does not know (never skipped). */
export function sourceColumn(
  name: string,
  dataType: string,
  columnType: string,
  isJson: boolean,
): SourceColumn {
  const kind = isJson ? 'json' : KIND_OF_DATA_TYPE[dataType.toLowerCase()];
  if (kind === undefined) {
    throw new Error(`table oracle: column ${name} has type ${columnType}, which the oracle cannot render`);
  }
  if (kind !== 'bit') return { name, columnType, kind };
  const bits = Number(/\((\d+)\)/.exec(columnType)?.[1] ?? '1');
  return { name, columnType, kind, bits };
}

export function quoteMaria(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A MariaDB expression giving the column's value as text (NULL stays NULL). */
export function mariaExpression(c: SourceColumn): string {
  const q = quoteMaria(c.name);
  switch (c.kind) {
    case 'integer':
    case 'decimal':
    case 'identity':
    case 'date':
    case 'time':
    case 'year':
      return `CAST(${q} AS CHAR)`;
    case 'float':
    case 'double':
      return `CAST(CAST(${q} AS DOUBLE) AS CHAR)`;
    case 'bit':
      return `CAST(CAST(${q} AS UNSIGNED) AS CHAR)`;
    case 'bytes':
    case 'geometry':
      return `HEX(${q})`;
    case 'text':
    case 'json':
      return `CONVERT(${q} USING utf8mb4)`;
    case 'datetime':
      return `DATE_FORMAT(${q}, '%Y-%m-%d %H:%i:%s.%f')`;
    case 'timestamp':
      return `CAST(UNIX_TIMESTAMP(${q}) AS CHAR)`;
    default:
      return unknownKind(c.kind);
  }
}

function unknownKind(k: never): never {
  throw new Error(`unknown render kind ${String(k)}`);
}

/** Canonical text of a MariaDB value (the text `mariaExpression` gave). */
export function canonicalSource(
  c: SourceColumn,
  text: string | null,
  zeroDates: ZeroDateRule,
): string | null {
  if (text === null) return null;
  switch (c.kind) {
    case 'integer':
      return BigInt(text).toString();
    case 'decimal':
      return normalizeDecimalText(text);
    case 'float':
    case 'double':
      return doubleText(Number(text));
    case 'bit':
      return BigInt(text)
        .toString(16)
        .padStart(Math.ceil((c.bits ?? 1) / 8) * 2, '0');
    case 'bytes':
    case 'geometry':
      return text.toLowerCase();
    case 'text':
    case 'identity':
      return text;
    case 'date':
      return zeroDates === 'sink-null' && isZeroInDate(text) ? null : text;
    case 'datetime':
      return zeroDates === 'sink-null' && isZeroInDate(text) ? null : text;
    case 'timestamp':
      return sourceInstant(text, zeroDates);
    case 'time':
      return formatTime(parseTimeMicros(text));
    case 'year':
      return String(Number(text));
    case 'json':
      return jsonText(text);
    default:
      return unknownKind(c.kind);
  }
}

/** A date with a zero month or day (0000-00-00 included): DuckDB has no such date. */
export function isZeroInDate(text: string): boolean {
  return text.slice(5, 7) === '00' || text.slice(8, 10) === '00';
}

function sourceInstant(unixText: string, zeroDates: ZeroDateRule): string | null {
  const micros = decimalToMicros(unixText);
  if (micros === 0n) return zeroDates === 'sink-null' ? null : '0000-00-00 00:00:00.000000';
  return `${formatMicros(micros)}Z`;
}

function jsonText(text: string): string {
  return canonicalJson(text) ?? `invalid JSON: ${text}`;
}

/** `-0012.50` → `-12.50`: leading zeros (ZEROFILL) cut, fraction digits kept as they are. */
export function normalizeDecimalText(text: string): string {
  const m = /^([-+]?)0*(\d*)((?:\.\d*)?)$/.exec(text.trim());
  if (!m) return `not a decimal: ${text}`;
  const int = m[2] === '' ? '0' : m[2]!;
  const neg = m[1] === '-' && /[1-9]/.test(int + m[3]!) ? '-' : '';
  return `${neg}${int}${m[3]!}`;
}

export function doubleText(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/** "[-]H+:MM:SS[.f+]" → signed microseconds. */
export function parseTimeMicros(text: string): bigint {
  const m = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new Error(`table oracle: not a TIME value ${JSON.stringify(text)}`);
  const [, neg, h, mi, s, frac] = m;
  const micros =
    ((BigInt(h!) * 60n + BigInt(mi!)) * 60n + BigInt(s!)) * 1_000_000n + BigInt((frac ?? '').padEnd(6, '0'));
  return neg ? -micros : micros;
}

export function formatTime(micros: bigint): string {
  const neg = micros < 0n;
  const abs = neg ? -micros : micros;
  const secs = abs / 1_000_000n;
  const frac = String(abs % 1_000_000n).padStart(6, '0');
  const h = String(secs / 3600n).padStart(2, '0');
  const mi = String((secs / 60n) % 60n).padStart(2, '0');
  const s = String(secs % 60n).padStart(2, '0');
  return `${neg ? '-' : ''}${h}:${mi}:${s}.${frac}`;
}

/** "1700000000.25" (seconds, up to 6 decimals) → microseconds. */
function decimalToMicros(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new Error(`table oracle: not a unix timestamp ${JSON.stringify(text)}`);
  const micros = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -micros : micros;
}

const DAY_MICROS = 86_400_000_000n;

/** Days since 1970-01-01 → `YYYY-MM-DD`, proleptic Gregorian, year 0 = 1 BC (as DuckDB counts). */
export function formatDays(days: number): string {
  // Howard Hinnant's civil_from_days.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const yy = y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
  return `${yy}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Microseconds since the epoch → `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function formatMicros(micros: bigint): string {
  let days = micros / DAY_MICROS;
  let rest = micros % DAY_MICROS;
  if (rest < 0n) {
    rest += DAY_MICROS;
    days -= 1n;
  }
  return `${formatDays(Number(days))} ${formatTime(rest)}`;
}

/** Temporal kinds whose primary-key columns the sink stores as key text (VARCHAR). */
const KEY_TEXT_KINDS: ReadonlySet<RenderKind> = new Set(['date', 'datetime', 'time', 'timestamp']);

/**
 * Whether a sink column holds the sink's key text of a temporal source column (`YYYY-MM-DD`,
 * `… HH:MM:SS[.f]`, TIME text, `…+00` for TIMESTAMP): zero dates are kept there, so the source
 * side compares them exactly.
 */
export function isKeyText(c: SourceColumn, sinkType: string): boolean {
  return KEY_TEXT_KINDS.has(c.kind) && /^VARCHAR/i.test(sinkType);
}

/** Key text → the canonical text `canonicalSource` gives with zero dates `exact`. */
function keyTextCanonical(c: SourceColumn, text: string): string {
  const fraction6 = (t: string): string => {
    const [whole, frac = ''] = t.split('.');
    return `${whole}.${frac.padEnd(6, '0')}`;
  };
  switch (c.kind) {
    case 'time':
      return formatTime(parseTimeMicros(text));
    case 'datetime':
      return fraction6(text);
    case 'timestamp': {
      const t = fraction6(text.replace(/\+00$/, ''));
      return t === '0000-00-00 00:00:00.000000' ? t : `${t}Z`;
    }
    default:
      return text;
  }
}

/** Canonical text of a DuckDB value (as the node API returns it) for a source column of kind `c.kind`. */
export function canonicalSink(c: SourceColumn, v: unknown, sinkType = ''): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' && isKeyText(c, sinkType)) return keyTextCanonical(c, v);
  switch (c.kind) {
    case 'integer':
    case 'year':
      return typeof v === 'number' || typeof v === 'bigint' ? String(v) : genericText(v);
    case 'decimal':
      return typeof v === 'string' ? normalizeDecimalText(v) : genericText(v);
    case 'float':
    case 'double':
      return typeof v === 'number' ? doubleText(v) : genericText(v);
    case 'bit':
      if (typeof v === 'boolean') return v ? '01' : '00';
      return genericText(v);
    case 'json':
      return typeof v === 'string' ? jsonText(v) : genericText(v);
    case 'timestamp':
      if (v instanceof DuckDBTimestampTZValue) return `${formatMicros(v.micros)}Z`;
      return genericText(v);
    case 'bytes':
    case 'geometry':
    case 'text':
    case 'identity':
    case 'date':
    case 'datetime':
    case 'time':
      return genericText(v);
    default:
      return unknownKind(c.kind);
  }
}

/**
 * Any DuckDB value as exact text in the canonical spelling of its own type: a sink type the mapping
 * does not expect still compares by value, and a value of another kind simply differs.
 */
function genericText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return doubleText(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes).toString('hex');
  if (v instanceof DuckDBDecimalValue) return decimalValueText(v.value, v.scale);
  if (v instanceof DuckDBDateValue) return formatDays(v.days);
  if (v instanceof DuckDBTimestampValue) return formatMicros(v.micros);
  if (v instanceof DuckDBTimestampTZValue) return `${formatMicros(v.micros)}Z`;
  if (v instanceof DuckDBTimeValue) return formatTime(v.micros);
  if (v instanceof DuckDBIntervalValue) {
    if (v.months === 0 && v.days === 0) return formatTime(v.micros);
    return `INTERVAL ${v.months} months ${v.days} days ${v.micros} us`;
  }
  if (v instanceof DuckDBUUIDValue) return v.toString();
  return `${(v as object).constructor?.name ?? typeof v}: ${String(v)}`;
}

function decimalValueText(value: bigint, scale: number): string {
  const neg = value < 0n;
  const digits = (neg ? -value : value).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${neg ? '-' : ''}${int}${frac}`;
}
