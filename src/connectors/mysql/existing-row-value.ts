import type { ColumnType, FixedBinaryFormat, Value } from '../../event/column-type.js';
import type { Column } from '../../event/table-schema.js';
import { stringDecoderFor } from './binlog/charset.js';
import { FIXED_BINARY_BYTES, fixedBinaryBytes, fixedBinaryText } from './fixed-binary-text.js';
import { instantOfWallClock, utcText, wallClockText, type MysqlTimeZone } from './mysql-time-zone.js';

/** When and in which session time zone a DDL ran, from its QUERY event. */
export interface DdlClock {
  /** The statement's start, seconds since the epoch (the event header's timestamp). */
  readonly seconds: number;
  /** Its microseconds, when the server logged them (MySQL Q_MICROSECONDS, MariaDB Q_HRNOW). */
  readonly micros?: number;
  /** The session time zone (Q_TIME_ZONE_CODE, else the server's), when known. */
  readonly zone?: MysqlTimeZone;
}

/**
 * The value rows already in a table get in a column ALTER TABLE adds (the server fills them; the
 * binlog has no row events for that), in the Value form of the column type, or why it cannot be
 * known here.
 */
export type ExistingRowValue = { readonly value: Value } | { readonly unknown: string };

export interface AddedColumnInfo {
  readonly column: Column;
  /** The server computes each row's value: AUTO_INCREMENT, or a generated column. */
  readonly computed?: 'auto-increment' | 'generated';
}

const NOW_RE = /^(?:current_timestamp|now|localtimestamp|localtime)\s*(?:\(\s*(\d*)\s*\))?$/i;

/**
 * MySQL's rules: an explicit DEFAULT (a literal converted to the column type, CURRENT_TIMESTAMP at
 * the statement's start), NULL for a nullable column without one, and the implicit default of a
 * NOT NULL column without one (0, '', the first ENUM member, zero dates…). AUTO_INCREMENT,
 * generated columns and expression defaults are computed row by row by the server: unknown here.
 */
export function existingRowValue(added: AddedColumnInfo, clock: DdlClock): ExistingRowValue {
  const { column } = added;
  if (added.computed === 'auto-increment') {
    return { unknown: `${column.name} is AUTO_INCREMENT: the server numbered the existing rows` };
  }
  if (added.computed === 'generated') {
    return { unknown: `${column.name} is a generated column: the server computed it for each existing row` };
  }
  const d = column.defaultValue;
  if (d === null) return { value: null };
  if (d === undefined) {
    return column.nullable ? { value: null } : implicitDefault(column.type, column.name);
  }
  const text = d.trim();
  const now = NOW_RE.exec(text);
  if (now) return currentTimestamp(column, now[1] ? Number(now[1]) : undefined, clock);
  const lit = parseLiteral(text);
  if (lit === undefined) {
    return {
      unknown: `the default of ${column.name} (${text}) is an expression the server evaluated for each existing row`,
    };
  }
  const v = literalValue(column.type, lit, clock);
  return v === undefined
    ? { unknown: `the default ${text} of ${column.name} cannot be converted to ${column.type.kind} here` }
    : { value: v };
}

/** A DEFAULT literal: a string, a number, bytes (X'..', 0x.., B'..', 0b..) or a boolean word. */
type Literal =
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly bits?: string };

function parseLiteral(text: string): Literal | undefined {
  if (/^'(?:[^'\\]|''|\\.)*'$/s.test(text)) return { kind: 'string', text: unquote(text.slice(1, -1)) };
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return { kind: 'number', text };
  if (/^true$/i.test(text)) return { kind: 'number', text: '1' };
  if (/^false$/i.test(text)) return { kind: 'number', text: '0' };
  const hex = /^(?:x'([0-9a-f]*)'|0x([0-9a-f]+))$/i.exec(text);
  if (hex) {
    let h = hex[1] ?? hex[2]!;
    if (h.length % 2) h = '0' + h;
    return { kind: 'bytes', bytes: new Uint8Array(Buffer.from(h, 'hex')) };
  }
  const bin = /^(?:b'([01]*)'|0b([01]+))$/i.exec(text);
  if (bin) {
    const bits = bin[1] ?? bin[2]!;
    return { kind: 'bytes', bytes: bitsToBytes(bits), bits };
  }
  return undefined;
}

/** MySQL string-literal escapes: '' and backslash sequences. */
function unquote(s: string): string {
  const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', Z: '\x1a' };
  return s.replace(/''|\\(.)/gs, (m, c: string | undefined) => (c === undefined ? "'" : (esc[c] ?? c)));
}

function bitsToBytes(bits: string): Uint8Array {
  const n = Math.max(1, Math.ceil(bits.length / 8));
  const out = new Uint8Array(n);
  let v = bits.length ? BigInt('0b' + bits) : 0n;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function implicitDefault(t: ColumnType, name: string): ExistingRowValue {
  switch (t.kind) {
    case 'boolean':
      return { value: false };
    case 'integer':
      return { value: t.bytes === 8 ? 0n : 0 };
    case 'decimal':
      return { value: t.scale > 0 ? `0.${'0'.repeat(t.scale)}` : '0' };
    case 'float':
    case 'double':
    case 'year':
      return { value: 0 };
    case 'string':
      // UUID, INET4, INET6: all zero bytes, as the server shows them
      return {
        value: t.format ? fixedBinaryText(t.format, new Uint8Array(FIXED_BINARY_BYTES[t.format])) : '',
      };
    case 'set':
    case 'json':
      return { value: '' };
    case 'enum':
      return { value: t.values[0] ?? '' };
    case 'binary':
      return { value: new Uint8Array(t.fixed ? (t.length ?? 0) : 0) };
    case 'bit':
      return { value: t.length === 1 ? false : new Uint8Array(Math.ceil(t.length / 8)) };
    case 'date':
      return { value: '0000-00-00' };
    case 'time':
      return { value: withFraction('00:00:00', '', t.precision) };
    case 'timestamp':
    case 'timestamp_ltz':
      return { value: withFraction('0000-00-00 00:00:00', '', t.precision) };
    case 'geometry':
      return { unknown: `${name} is a NOT NULL geometry without a default` };
    default:
      return t satisfies never;
  }
}

/**
 * `digits`: CURRENT_TIMESTAMP(n)'s n. Without one, or with (0), MariaDB gives the column's own
 * precision (a TIMESTAMP(1) DEFAULT CURRENT_TIMESTAMP(0) gets tenths: SHOW CREATE TABLE says
 * current_timestamp(1)); MySQL refuses such a default.
 */
function currentTimestamp(column: Column, digits: number | undefined, clock: DdlClock): ExistingRowValue {
  const t = column.type;
  if (t.kind !== 'timestamp' && t.kind !== 'timestamp_ltz' && t.kind !== 'date') {
    return { unknown: `CURRENT_TIMESTAMP default of the ${t.kind} column ${column.name}` };
  }
  const fsp = t.kind === 'date' ? 0 : t.precision;
  const kept = Math.min(fsp, digits || fsp);
  if (kept > 0 && clock.micros === undefined) {
    // MariaDB logs the fraction (Q_HRNOW) only sometimes, while the rows still get it
    return {
      unknown: `existing rows got the ALTER's start time in ${column.name} to a fraction of a second the server did not log`,
    };
  }
  // CURRENT_TIMESTAMP(n) keeps n digits; the column shows fsp digits (the rest are zero).
  const frac = kept > 0 ? Math.trunc(clock.micros! / 10 ** (6 - kept)) * 10 ** (6 - kept) : 0;
  if (t.kind === 'timestamp_ltz') return { value: utcText(clock.seconds, frac, fsp) };
  if (!clock.zone) {
    return { unknown: `the session time zone of the ALTER is unknown (set server-time-zone)` };
  }
  const wall = wallClockText(clock.zone, clock.seconds, frac, fsp);
  return { value: t.kind === 'date' ? wall.slice(0, 10) : wall };
}

/** A literal converted to the Value of the column type as MySQL stores it; undefined when unsure. */
function literalValue(t: ColumnType, lit: Literal, clock: DdlClock): Value | undefined {
  switch (t.kind) {
    case 'boolean':
    case 'integer':
    case 'year':
    case 'decimal':
    case 'float':
    case 'double':
      return numericValue(t, lit);
    case 'bit': {
      const bytes = lit.kind === 'bytes' ? lit.bytes : lit.kind === 'number' ? intBytes(lit.text) : undefined;
      if (!bytes) return undefined;
      const n = Math.ceil(t.length / 8);
      const out = new Uint8Array(n);
      out.set(bytes.subarray(Math.max(0, bytes.length - n)), Math.max(0, n - bytes.length));
      return t.length === 1 ? out[0] !== 0 : out;
    }
    case 'string':
    case 'json': {
      const s = textOf(lit, t.kind === 'string' ? t.charset : undefined);
      if (s === undefined) return undefined;
      if (t.kind === 'string' && t.format) return serverText(t.format, s);
      return t.kind === 'string' && t.fixed ? s.replace(/ +$/, '') : s;
    }
    case 'binary': {
      const b = lit.kind === 'bytes' ? lit.bytes : new Uint8Array(Buffer.from(lit.text, 'utf8'));
      if (!t.fixed || t.length === undefined || b.length >= t.length) return b;
      const out = new Uint8Array(t.length);
      out.set(b);
      return out;
    }
    case 'enum':
      return enumValue(t.values, lit);
    case 'set':
      return setValue(t.values, lit);
    case 'date':
    case 'timestamp':
    case 'timestamp_ltz':
    case 'time':
      return lit.kind === 'bytes' ? undefined : temporalValue(t, lit.text, clock);
    case 'geometry':
      return undefined;
    default:
      return t satisfies never;
  }
}

/** A UUID/INET4/INET6 literal as the server shows the value (lower case, shortest INET6). */
function serverText(format: FixedBinaryFormat, text: string): string | undefined {
  try {
    return fixedBinaryText(format, fixedBinaryBytes(format, text));
  } catch {
    return undefined; // not a value of the type: unknown here (the server refused it anyway)
  }
}

/** Bytes per character at least, for the charsets whose hex literals the server pads on the left. */
const MIN_CHAR_BYTES: Readonly<Record<string, number>> = { ucs2: 2, utf16: 2, utf16le: 2, utf32: 4 };

/**
 * A string literal as text in the column's charset; a hex literal is that charset's bytes (the
 * server pads one of ucs2/utf16/utf32 on the left with zero bytes to whole characters), or
 * undefined when they are no text in it.
 */
function textOf(lit: Literal, charset: string | undefined): string | undefined {
  if (lit.kind !== 'bytes') return lit.text;
  const cs = charset ?? 'utf8mb4';
  const decode = stringDecoderFor(cs);
  if (!decode) return undefined;
  const unit = MIN_CHAR_BYTES[cs] ?? 1;
  const pad = (unit - (lit.bytes.length % unit)) % unit;
  const bytes = Buffer.concat([Buffer.alloc(pad), lit.bytes]);
  try {
    return decode(bytes, 0, bytes.length);
  } catch {
    return undefined;
  }
}

function intBytes(text: string): Uint8Array | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const hex = BigInt(text).toString(16);
  return new Uint8Array(Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex'));
}

/** Numeric types: the number MySQL stores (rounded half away from zero to the column's scale). */
function numericValue(t: ColumnType, lit: Literal): Value | undefined {
  let text: string;
  if (lit.kind === 'bytes') text = BigInt('0x' + (Buffer.from(lit.bytes).toString('hex') || '0')).toString();
  else text = lit.text.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return undefined;
  switch (t.kind) {
    case 'float':
      return Math.fround(Number(text));
    case 'double':
      return Number(text);
    case 'decimal':
      return roundDecimal(text, t.scale);
    case 'boolean':
      return Number(roundDecimal(text, 0)) !== 0;
    case 'year': {
      const n = Number(roundDecimal(text, 0));
      if (lit.kind === 'string' && n === 0 && /^0{1,2}$/.test(text)) return 2000;
      if (n >= 1 && n <= 69) return 2000 + n;
      if (n >= 70 && n <= 99) return 1900 + n;
      return n;
    }
    case 'integer': {
      const v = BigInt(roundDecimal(text, 0));
      return t.bytes === 8 ? v : Number(v);
    }
    default:
      return undefined;
  }
}

/** Exact decimal rounding (half away from zero) of a number's text to `scale` fraction digits. */
export function roundDecimal(text: string, scale: number): string {
  const m = /^([-+]?)(\d*)\.?(\d*)(?:e([-+]?\d+))?$/i.exec(text.trim());
  if (!m) throw new Error(`not a number: ${text}`);
  const neg = m[1] === '-';
  let digits = (m[2] ?? '') + (m[3] ?? '');
  let point = (m[2] ?? '').length + Number(m[4] ?? 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point + scale + 1, '0');
  const keep = digits.slice(0, point + scale);
  let n = BigInt(keep || '0');
  if (Number(digits[point + scale]) >= 5) n += 1n;
  let s = n.toString().padStart(scale + 1, '0');
  if (scale > 0) s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return neg && /[1-9]/.test(s) ? `-${s}` : s;
}

function enumValue(values: readonly string[], lit: Literal): Value | undefined {
  if (lit.kind === 'number' && /^\d+$/.test(lit.text)) {
    const i = Number(lit.text);
    return i === 0 ? '' : values[i - 1];
  }
  if (lit.kind !== 'string') return undefined;
  const s = lit.text.replace(/ +$/, '').toLowerCase();
  return values.find((v) => v.replace(/ +$/, '').toLowerCase() === s);
}

function setValue(values: readonly string[], lit: Literal): Value | undefined {
  if (lit.kind === 'number' && /^\d+$/.test(lit.text)) {
    const mask = BigInt(lit.text);
    return values.filter((_, i) => (mask >> BigInt(i)) & 1n).join(',');
  }
  if (lit.kind !== 'string') return undefined;
  if (lit.text === '') return '';
  const wanted = lit.text.split(',').map((p) => p.replace(/ +$/, '').toLowerCase());
  if (wanted.some((w) => !values.some((v) => v.toLowerCase() === w))) return undefined;
  return values.filter((v) => wanted.includes(v.toLowerCase())).join(',');
}

const DATE_RE =
  /^(\d{4})[-/.:](\d{1,2})[-/.:](\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?$/;
const TIME_RE = /^(-)?(?:(\d+) )?(\d{1,3}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?$/;

function temporalValue(t: ColumnType, text: string, clock: DdlClock): Value | undefined {
  const pad = (v: string | undefined, w = 2): string => (v ?? '0').padStart(w, '0');
  if (t.kind === 'time') {
    const m = TIME_RE.exec(text.trim());
    if (!m) return undefined;
    const hours = Number(m[2] ?? 0) * 24 + Number(m[3]);
    return withFraction(
      `${m[1] ?? ''}${pad(String(hours))}:${pad(m[4])}:${pad(m[5])}`,
      m[6] ?? '',
      t.precision,
    );
  }
  const m = DATE_RE.exec(text.trim());
  if (!m) return undefined;
  const date = `${m[1]}-${pad(m[2])}-${pad(m[3])}`;
  if (t.kind === 'date') return date;
  if (t.kind !== 'timestamp' && t.kind !== 'timestamp_ltz') return undefined;
  const wall = withFraction(`${date} ${pad(m[4])}:${pad(m[5])}:${pad(m[6])}`, m[7] ?? '', t.precision);
  if (t.kind === 'timestamp' || wall.startsWith('0000-00-00')) return wall;
  if (!clock.zone) return undefined;
  const at = instantOfWallClock(clock.zone, wall);
  return utcText(at.seconds, at.micros, t.precision);
}

/** `base` with `fsp` fraction digits (truncated, as MariaDB stores them). */
function withFraction(base: string, frac: string, fsp: number): string {
  return fsp > 0 ? `${base}.${frac.padEnd(6, '0').slice(0, fsp)}` : base;
}
