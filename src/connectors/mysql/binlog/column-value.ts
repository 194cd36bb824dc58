/**
 * Decoding of one column value of a row image, by MySQL type code and table-map metadata, into the
 * value representation documented in src/event/column-type.ts; and the mapping of a table-map
 * column to our ColumnType.
 *
 * Hot path: `decodeColumnValue` is called once per column per row. It reads with Buffer methods,
 * allocates only the returned value (strings, bigints, byte copies), and keeps the read position in
 * a caller-owned cursor object.
 */
import type { ColumnType, FixedBinaryFormat, Value } from '../../../event/column-type.js';
import { FIXED_BINARY_BYTES, fixedBinaryText } from '../fixed-binary-text.js';
import {
  BINARY_COLLATION,
  charsetMaxBytes,
  checkUtf8,
  charsetOfCollation,
  normalizeCharset,
  stringDecoderFor,
  stringDecoderForCollation,
  type StringDecoderFn,
} from './charset.js';
import { mysqlJsonToText } from './mysql-json.js';

/** MySQL field type codes as they appear in Table_map events. */
export const MysqlType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  TYPED_ARRAY: 20,
  VECTOR: 242,
  INVALID: 243,
  BOOL: 244,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

const TYPE_NAMES: Record<number, string> = {};
for (const [k, v] of Object.entries(MysqlType)) TYPE_NAMES[v] = k;

/** "VARCHAR", "NEWDECIMAL"... or "type 123". */
export function mysqlTypeName(typeCode: number): string {
  return TYPE_NAMES[typeCode] ?? `type ${typeCode}`;
}

/** Number of metadata bytes a column of this type has in a Table_map event. */
export function tableMapMetaLength(typeCode: number): number {
  switch (typeCode) {
    case MysqlType.FLOAT:
    case MysqlType.DOUBLE:
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.BLOB:
    case MysqlType.GEOMETRY:
    case MysqlType.JSON:
    case MysqlType.VECTOR:
    case MysqlType.TIMESTAMP2:
    case MysqlType.DATETIME2:
    case MysqlType.TIME2:
      return 1;
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
    case MysqlType.BIT:
    case MysqlType.NEWDECIMAL:
    case MysqlType.DECIMAL:
    case MysqlType.STRING:
    case MysqlType.ENUM:
    case MysqlType.SET:
      return 2;
    default:
      return 0;
  }
}

/**
 * Reads one column's metadata from a Table_map, in MySQL's own convention (the one mysqlbinlog
 * prints as `meta=`): big-endian (first byte high) for STRING/ENUM/SET/NEWDECIMAL/DECIMAL,
 * little-endian otherwise.
 */
export function readTableMapMeta(typeCode: number, buf: Buffer, pos: number): number {
  switch (tableMapMetaLength(typeCode)) {
    case 1:
      return buf[pos]!;
    case 2:
      if (
        typeCode === MysqlType.STRING ||
        typeCode === MysqlType.ENUM ||
        typeCode === MysqlType.SET ||
        typeCode === MysqlType.NEWDECIMAL ||
        typeCode === MysqlType.DECIMAL
      ) {
        return (buf[pos]! << 8) | buf[pos + 1]!;
      }
      return buf.readUInt16LE(pos);
    default:
      return 0;
  }
}

/**
 * The real type and length of a STRING column: MySQL stores ENUM, SET and CHAR(n > 255 bytes) as
 * STRING with the real type in the high metadata byte (and two length bits folded into it).
 */
export function resolveStringMeta(meta: number): { realType: number; length: number } {
  let realType = meta >> 8;
  let length = meta & 0xff;
  if (realType !== 0 && (realType & 0x30) !== 0x30) {
    length |= ((realType & 0x30) ^ 0x30) << 4;
    realType |= 0x30;
  }
  return { realType: realType === 0 ? MysqlType.STRING : realType, length };
}

/**
 * Numeric columns, in the order the SIGNEDNESS optional metadata counts them. MariaDB counts every
 * column whose field is a number (its Binlog_type_info has a signedness), YEAR included; MySQL
 * counts only the integer, DECIMAL and floating-point types.
 */
export function isNumericType(realType: number, mariadb = false): boolean {
  switch (realType) {
    case MysqlType.YEAR:
      return mariadb;
    case MysqlType.TINY:
    case MysqlType.SHORT:
    case MysqlType.INT24:
    case MysqlType.LONG:
    case MysqlType.LONGLONG:
    case MysqlType.NEWDECIMAL:
    case MysqlType.DECIMAL:
    case MysqlType.FLOAT:
    case MysqlType.DOUBLE:
      return true;
    default:
      return false;
  }
}

/**
 * Character columns, in the order the (DEFAULT_|COLUMN_)CHARSET optional metadata counts them.
 * MariaDB counts every column whose field has a character set (GEOMETRY included, with the binary
 * one; ENUM and SET have their own list); MySQL counts CHAR, VARCHAR, the BLOB/TEXT family and VECTOR.
 */
export function isCharacterType(realType: number, mariadb = false): boolean {
  switch (realType) {
    case MysqlType.GEOMETRY:
      return mariadb;
    case MysqlType.STRING:
    case MysqlType.VAR_STRING:
    case MysqlType.VARCHAR:
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.BLOB:
    case MysqlType.VECTOR:
      return true;
    default:
      return false;
  }
}

export function isEnumOrSetType(realType: number): boolean {
  return realType === MysqlType.ENUM || realType === MysqlType.SET;
}

/** What a Table_map says about one column (optional metadata folded in where present). */
export interface TableMapColumn {
  /** Type code as written in the Table_map. */
  readonly typeCode: number;
  /** Resolved type (ENUM/SET/STRING for STRING columns), otherwise `typeCode`. */
  readonly realType: number;
  /** Metadata in MySQL's convention (see readTableMapMeta). */
  readonly meta: number;
  readonly nullable: boolean;
  readonly name?: string;
  /** From SIGNEDNESS metadata; absent when the server did not write it. */
  readonly unsigned?: boolean;
  /** From the charset metadata; absent when the server did not write it. */
  readonly collationId?: number;
  readonly enumValues?: readonly string[];
  readonly setValues?: readonly string[];
  readonly geometryType?: number;
  readonly visible?: boolean;
  readonly vectorDimensions?: number;
}

/** Everything needed to decode one column of a row image, precomputed once per table map. */
export interface ColumnPlan {
  /** Decoding type: realType, with DATE folded into NEWDATE. */
  readonly type: number;
  /** Normalised metadata: see columnPlan. */
  readonly meta: number;
  readonly unsigned: boolean;
  /** String decoder; null → the value stays bytes (binary charset or unknown for BLOBs). */
  readonly decode: StringDecoderFn | null;
  /** How `decode` runs on the hot path: STR_BYTES, STR_UTF8 or STR_OTHER (call it). */
  readonly strMode: number;
  readonly enumValues: readonly string[] | undefined;
  readonly setValues: readonly string[] | undefined;
  /** Pad bytes values back to this length with 0x00 (BINARY(n)); 0 = no padding. */
  readonly fixedLength: number;
  /** NEWDECIMAL precision and scale. */
  readonly precision: number;
  readonly scale: number;
  /** Bytes of a value with a fixed width (NEWDECIMAL); 0 otherwise. */
  readonly fixedSize: number;
  readonly columnName: string;
  /**
   * The value is an immutable text built at some cost (string, DECIMAL, temporal): an UPDATE's
   * after image may take the before image's value when the bytes are the same.
   */
  readonly reuse: boolean;
  /** A CHAR/VARCHAR/TEXT value in UTF-8: the row reader may queue it in a Utf8Batch (see textValueStart). */
  readonly batchText: boolean;
}

/** ColumnPlan.strMode: keep bytes. */
export const STR_BYTES = 0;
/** ColumnPlan.strMode: UTF-8 (utf8mb3/utf8mb4), decoded inline. */
export const STR_UTF8 = 1;
/** ColumnPlan.strMode: another charset: call `decode`. */
export const STR_OTHER = 3;

/** Buffer's internal slice methods: no argument juggling, a RangeError past the end. */
interface SliceBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
}

function strModeOf(d: StringDecoderFn | null): number {
  if (d === null) return STR_BYTES;
  if (d === stringDecoderFor('utf8mb4')) return STR_UTF8;
  return STR_OTHER;
}

const GEOMETRY_TYPES = [
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
];

/** Geometry subtype name from the GEOMETRY_TYPE optional metadata. */
export function geometryTypeName(code: number): string {
  return GEOMETRY_TYPES[code] ?? 'geometry';
}

function decoderForHint(hint: ColumnType | undefined): StringDecoderFn | null | undefined {
  if (hint === undefined) return undefined;
  if (hint.kind === 'binary') return null;
  if (hint.kind === 'string' && hint.charset !== undefined) {
    const c = normalizeCharset(hint.charset);
    if (c === 'binary') return null;
    const d = stringDecoderFor(c);
    if (d === undefined) throw new Error(`unsupported charset ${hint.charset}`);
    return d;
  }
  if (hint.kind === 'string' || hint.kind === 'enum' || hint.kind === 'set')
    return stringDecoderFor('utf8mb4');
  return undefined;
}

function hintUnsigned(hint: ColumnType | undefined): boolean | undefined {
  if (hint === undefined) return undefined;
  switch (hint.kind) {
    case 'integer':
      return hint.unsigned;
    case 'decimal':
    case 'float':
    case 'double':
      return hint.unsigned;
    default:
      return undefined;
  }
}

/**
 * The MariaDB type (UUID, INET4, INET6) of a CHAR column of binary bytes the caller's schema says
 * it is: the Table_map calls it BINARY(16) or BINARY(4).
 */
function fixedBinaryFormatOf(
  col: TableMapColumn,
  hint: ColumnType | undefined,
  length: number,
): FixedBinaryFormat | undefined {
  if (hint?.kind !== 'string' || hint.format === undefined) return undefined;
  if (col.collationId !== undefined && col.collationId !== BINARY_COLLATION) return undefined;
  return length === FIXED_BINARY_BYTES[hint.format] ? hint.format : undefined;
}

/** Renders a UUID/INET value's bytes (trailing zero bytes stripped, as for BINARY(n)) as the server's text. */
function fixedBinaryDecoder(format: FixedBinaryFormat): StringDecoderFn {
  const size = FIXED_BINARY_BYTES[format];
  return (buf, start, end) => {
    if (end - start > size) throw new Error(`a ${format.toUpperCase()} value of ${end - start} bytes`);
    const bytes = new Uint8Array(size);
    bytes.set(buf.subarray(start, end));
    return fixedBinaryText(format, bytes);
  };
}

function charsetDecoder(
  col: TableMapColumn,
  hintDecode: StringDecoderFn | null | undefined,
): StringDecoderFn | null {
  if (col.collationId !== undefined) return stringDecoderForCollation(col.collationId);
  if (hintDecode !== undefined) return hintDecode;
  return stringDecoderFor('utf8mb4')!;
}

/**
 * The decoding plan of a column. Table-map metadata wins; `hint` (the caller's tracked schema)
 * fills what the Table_map lacks: signedness, charset, ENUM/SET members, fixed BINARY length.
 */
export function columnPlan(col: TableMapColumn, hint?: ColumnType, columnName = ''): ColumnPlan {
  let type = col.realType;
  let meta = col.meta;
  let precision = 0;
  let scale = 0;
  let fixedSize = 0;
  let fixedLength = 0;
  let decode: StringDecoderFn | null = null;
  const hintDecode = decoderForHint(hint);
  switch (type) {
    case MysqlType.DATE:
      type = MysqlType.NEWDATE;
      break;
    case MysqlType.NEWDECIMAL:
      precision = meta >> 8;
      scale = meta & 0xff;
      fixedSize = decimalBinarySize(precision, scale);
      break;
    case MysqlType.STRING: {
      const { length } = resolveStringMeta(col.meta);
      meta = length;
      const format = fixedBinaryFormatOf(col, hint, length);
      if (format !== undefined) {
        decode = fixedBinaryDecoder(format);
        break;
      }
      decode = charsetDecoder(col, hintDecode);
      if (decode === null) {
        if (col.collationId === BINARY_COLLATION) fixedLength = length;
        else if (hint?.kind === 'binary' && hint.fixed === true && hint.length !== undefined) {
          fixedLength = hint.length;
        }
      }
      break;
    }
    case MysqlType.ENUM:
    case MysqlType.SET:
      meta = resolveStringMeta(col.meta).length;
      break;
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
      decode = charsetDecoder(col, hintDecode);
      break;
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.BLOB:
      if (meta === 0) meta = type === MysqlType.TINY_BLOB ? 1 : type === MysqlType.MEDIUM_BLOB ? 3 : 4;
      type = MysqlType.BLOB;
      // Without charset metadata or a hint, a BLOB-family column may be BLOB or TEXT: keep bytes.
      if (col.collationId !== undefined) decode = stringDecoderForCollation(col.collationId);
      else decode = hintDecode ?? null;
      break;
    case MysqlType.BIT:
      meta = ((meta >> 8) & 0xff) * 8 + (meta & 0xff);
      break;
    default:
      break;
  }
  let enumValues = col.enumValues;
  let setValues = col.setValues;
  if (enumValues === undefined && hint?.kind === 'enum' && hint.values.length > 0) enumValues = hint.values;
  if (setValues === undefined && hint?.kind === 'set' && hint.values.length > 0) setValues = hint.values;
  return {
    type,
    meta,
    unsigned: col.unsigned ?? hintUnsigned(hint) ?? false,
    decode,
    strMode: strModeOf(decode),
    enumValues,
    setValues,
    fixedLength,
    precision,
    scale,
    fixedSize,
    columnName: col.name ?? columnName,
    reuse: REUSABLE_TYPES.has(type),
    batchText: decode !== null && strModeOf(decode) === STR_UTF8 && TEXT_TYPES.has(type),
  };
}

/** Types whose value is a length-prefixed string (see textValueStart). */
const TEXT_TYPES = new Set<number>([
  MysqlType.STRING,
  MysqlType.VARCHAR,
  MysqlType.VAR_STRING,
  MysqlType.BLOB,
]);

/** Types whose decoded value is a string worth reusing (see ColumnPlan.reuse). */
const REUSABLE_TYPES = new Set<number>([
  MysqlType.STRING,
  MysqlType.VARCHAR,
  MysqlType.VAR_STRING,
  MysqlType.BLOB,
  MysqlType.JSON,
  MysqlType.NEWDECIMAL,
  MysqlType.DATETIME2,
  MysqlType.TIMESTAMP2,
  MysqlType.TIME2,
  MysqlType.NEWDATE,
  MysqlType.DATETIME,
  MysqlType.TIMESTAMP,
  MysqlType.TIME,
]);

/** Reads a little-endian unsigned integer of 1..4 bytes. */
function readUIntLE(buf: Buffer, pos: number, n: number): number {
  switch (n) {
    case 1:
      return buf[pos]!;
    case 2:
      return buf.readUInt16LE(pos);
    case 3:
      return buf.readUIntLE(pos, 3);
    case 4:
      return buf.readUInt32LE(pos);
    default:
      throw new Error(`bad length-prefix size ${n}`);
  }
}

/** Read position holder; `decodeColumnValue` advances `pos`. */
export interface Cursor {
  pos: number;
}

/**
 * A BIGINT as a bigint: one BigInt(number) when the value fits 53 bits (ids, counters: the usual
 * case), Buffer's two-halves construction otherwise.
 */
function readInt64(buf: Buffer, pos: number, unsigned: boolean): bigint {
  const lo = buf[pos]! + buf[pos + 1]! * 0x100 + buf[pos + 2]! * 0x10000 + buf[pos + 3]! * 0x1000000;
  const hi = buf[pos + 4]! + buf[pos + 5]! * 0x100 + buf[pos + 6]! * 0x10000 + buf[pos + 7]! * 0x1000000;
  if (hi < 0x200000) return BigInt(hi * 0x100000000 + lo);
  if (unsigned) return buf.readBigUInt64LE(pos);
  // Negative values above -2^53: hi is 0xffe00000..0xffffffff.
  if (hi >= 0xffe00000) return BigInt((hi - 0x100000000) * 0x100000000 + lo);
  return buf.readBigInt64LE(pos);
}

function copyBytes(buf: Buffer, start: number, end: number, padTo = 0): Uint8Array {
  const len = end - start;
  const out = new Uint8Array(padTo > len ? padTo : len);
  if (len > 64) out.set(buf.subarray(start, end));
  else for (let i = 0; i < len; i++) out[i] = buf[start + i]!;
  return out;
}

function checkBounds(buf: Buffer, end: number, what: string): void {
  if (end > buf.length) throw new Error(`${what} runs past the end of the event (${end} > ${buf.length})`);
}

/**
 * Decodes one non-NULL column value at `cur.pos` and advances the cursor past it.
 *
 * Bounds: reads use plain indexing or Buffer methods, so a value running past the buffer either
 * throws a RangeError or reads garbage while moving `cur.pos` past the end; callers check
 * `cur.pos` against the end of the event after every value (the one bounds check of the hot path).
 */
export function decodeColumnValue(buf: Buffer, cur: Cursor, plan: ColumnPlan): Value {
  const pos = cur.pos;
  switch (plan.type) {
    case MysqlType.LONG:
      cur.pos = pos + 4;
      return plan.unsigned ? buf.readUInt32LE(pos) : buf.readInt32LE(pos);
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
    case MysqlType.STRING: {
      const start = textValueStart(buf, cur, plan);
      return decodeString(buf, start, cur.pos, plan);
    }
    case MysqlType.NEWDECIMAL: {
      const end = pos + plan.fixedSize;
      if (end > buf.length)
        throw new Error(`DECIMAL value runs past the end of the event (${end} > ${buf.length})`);
      cur.pos = end;
      return decodeDecimal(buf, pos, plan.precision, plan.scale);
    }
    case MysqlType.DATETIME2: {
      const fsp = plan.meta;
      const end = pos + 5 + ((fsp + 1) >> 1);
      if (end > buf.length)
        throw new Error(`DATETIME value runs past the end of the event (${end} > ${buf.length})`);
      cur.pos = end;
      const v = buf[pos]! * 4294967296 + buf.readUInt32BE(pos + 1) - 0x8000000000;
      return formatDatetime2(v, readFraction(buf, pos + 5, fsp), fsp);
    }
    case MysqlType.LONGLONG:
      cur.pos = pos + 8;
      return readInt64(buf, pos, plan.unsigned);
    case MysqlType.TINY:
      cur.pos = pos + 1;
      return plan.unsigned ? buf.readUInt8(pos) : buf.readInt8(pos);
    case MysqlType.SHORT:
      cur.pos = pos + 2;
      return plan.unsigned ? buf.readUInt16LE(pos) : buf.readInt16LE(pos);
    case MysqlType.INT24:
      cur.pos = pos + 3;
      return plan.unsigned ? buf.readUIntLE(pos, 3) : buf.readIntLE(pos, 3);
    case MysqlType.FLOAT:
      cur.pos = pos + 4;
      return buf.readFloatLE(pos); // the float32 value exactly, as the snapshot reads it
    case MysqlType.DOUBLE:
      cur.pos = pos + 8;
      return buf.readDoubleLE(pos);
    case MysqlType.NULL:
      return null;
    case MysqlType.YEAR: {
      cur.pos = pos + 1;
      const y = buf.readUInt8(pos);
      return y === 0 ? 0 : 1900 + y;
    }
    case MysqlType.NEWDATE: {
      cur.pos = pos + 3;
      return formatPackedDate(buf.readUIntLE(pos, 3));
    }
    case MysqlType.TIMESTAMP:
      cur.pos = pos + 4;
      return formatEpoch(buf.readUInt32LE(pos), 0, 0);
    case MysqlType.TIMESTAMP2: {
      const fsp = plan.meta;
      const sec = buf.readUInt32BE(pos);
      const micro = readFraction(buf, pos + 4, fsp);
      cur.pos = pos + 4 + ((fsp + 1) >> 1);
      return formatEpoch(sec, micro, fsp);
    }
    case MysqlType.DATETIME: {
      cur.pos = pos + 8;
      const v = buf.readUInt32LE(pos) + buf.readUInt32LE(pos + 4) * 4294967296;
      return formatOldDatetime(v);
    }
    case MysqlType.TIME: {
      cur.pos = pos + 3;
      return formatOldTime(buf.readIntLE(pos, 3));
    }
    case MysqlType.TIME2: {
      const fsp = plan.meta;
      cur.pos = pos + 3 + ((fsp + 1) >> 1);
      checkBounds(buf, cur.pos, 'TIME value');
      return decodeTime2(buf, pos, fsp);
    }
    case MysqlType.BIT: {
      const n = (plan.meta + 7) >> 3;
      cur.pos = pos + n;
      checkBounds(buf, cur.pos, 'BIT value');
      if (plan.meta === 1) return buf[pos] !== 0;
      return copyBytes(buf, pos, pos + n);
    }
    case MysqlType.ENUM: {
      const n = plan.meta;
      const idx = n === 1 ? buf.readUInt8(pos) : buf.readUInt16LE(pos);
      cur.pos = pos + n;
      const values = plan.enumValues;
      if (values === undefined) return idx;
      return idx === 0 ? '' : (values[idx - 1] ?? idx);
    }
    case MysqlType.SET: {
      const n = plan.meta;
      cur.pos = pos + n;
      checkBounds(buf, cur.pos, 'SET value');
      const values = plan.setValues;
      if (n <= 4) {
        const bits = readUIntLE(buf, pos, n);
        if (values === undefined) return bits;
        return values.length <= 32 ? setMembers32(bits, values) : setMembers(BigInt(bits), values);
      }
      const bits = buf.readUIntLE(pos, Math.min(n, 6)) + 0;
      let big = BigInt(bits);
      for (let i = 6; i < n; i++) big |= BigInt(buf[pos + i]!) << BigInt(8 * i);
      if (values === undefined) return big;
      return setMembers(big, values);
    }
    case MysqlType.BLOB:
    case MysqlType.GEOMETRY:
    case MysqlType.JSON:
    case MysqlType.VECTOR: {
      const start = textValueStart(buf, cur, plan);
      const end = cur.pos;
      if (plan.type === MysqlType.JSON) return mysqlJsonToText(buf, start, end);
      if (plan.type === MysqlType.BLOB) return decodeString(buf, start, end, plan);
      return copyBytes(buf, start, end);
    }
    default:
      throw new Error(`unsupported column type ${mysqlTypeName(plan.type)} (${plan.type})`);
  }
}

/**
 * Where the bytes of a length-prefixed value at cur.pos start (after the prefix); moves cur.pos past
 * the value. CHAR/VARCHAR: a 1- or 2-byte length by the column's maximum; BLOB family, JSON,
 * GEOMETRY, VECTOR: `meta` bytes of length.
 */
export function textValueStart(buf: Buffer, cur: Cursor, plan: ColumnPlan): number {
  const pos = cur.pos;
  let start: number;
  let len: number;
  const t = plan.type;
  if (t !== MysqlType.VARCHAR && t !== MysqlType.VAR_STRING && t !== MysqlType.STRING) {
    start = pos + plan.meta;
    len = readUIntLE(buf, pos, plan.meta);
  } else if (plan.meta < 256) {
    len = buf[pos]!;
    start = pos + 1;
  } else {
    len = buf[pos]! | (buf[pos + 1]! << 8);
    start = pos + 2;
  }
  const end = start + len;
  if (end > buf.length) throw new Error(`value runs past the end of the event (${end} > ${buf.length})`);
  cur.pos = end;
  return start;
}

function decodeString(buf: Buffer, start: number, end: number, plan: ColumnPlan): string | Uint8Array {
  switch (plan.strMode) {
    case STR_UTF8: {
      const s = (buf as SliceBuffer).utf8Slice(start, end);
      // ill-formed UTF-8 is an error, not U+FFFD (one string scan on the hot path)
      if (s.indexOf('\uFFFD') >= 0) checkUtf8(buf, start, end);
      return s;
    }
    case STR_OTHER:
      return plan.decode!(buf, start, end);
    default:
      return copyBytes(buf, start, end, plan.fixedLength);
  }
}

/** SET members of a bitmask of up to 32 bits. */
function setMembers32(bits: number, values: readonly string[]): string {
  let s = '';
  const n = values.length < 32 ? values.length : 32;
  for (let i = 0; i < n; i++) {
    if ((bits >>> i) & 1) s = s === '' ? values[i]! : `${s},${values[i]!}`;
  }
  return s;
}

function setMembers(bits: bigint, values: readonly string[]): string {
  let s = '';
  for (let i = 0; i < values.length; i++) {
    if ((bits >> BigInt(i)) & 1n) s = s === '' ? values[i]! : `${s},${values[i]!}`;
  }
  return s;
}

// ---- DECIMAL -------------------------------------------------------------------------------

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** Bytes of a binary DECIMAL(precision, scale) value. */
export function decimalBinarySize(precision: number, scale: number): number {
  const intg = precision - scale;
  return Math.floor(intg / 9) * 4 + DIG2BYTES[intg % 9]! + Math.floor(scale / 9) * 4 + DIG2BYTES[scale % 9]!;
}

/** Big-endian unsigned of n (1..4) bytes, each XORed with `mask`; `flip` is XORed into the first. */
function readMaskedBE(buf: Buffer, pos: number, n: number, mask: number, flip: number): number {
  let v = (buf[pos]! ^ mask ^ flip) & 0xff;
  for (let i = 1; i < n; i++) v = v * 256 + ((buf[pos + i]! ^ mask) & 0xff);
  return v;
}

const ZEROS = '000000000';
const ZEROS16 = '0000000000000000';

function pad9(v: number, width = 9): string {
  const s = String(v);
  return s.length >= width ? s : ZEROS.slice(0, width - s.length) + s;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** Decimal digits of 0 <= v < 1e10 (1 for 0). */
function digitCount(v: number): number {
  let d = 1;
  while (d < 10 && v >= POW10[d]!) d++;
  return d;
}

/**
 * Digit groups of the DECIMAL being decoded: room for any precision and scale a metadata byte can
 * say (255 digits = 28 groups + 1 partial), servers write at most 65 and 38.
 */
const INT_GROUPS = new Int32Array(32);
const FRAC_GROUPS = new Int32Array(32);

/** Reusable char-code arrays by length: the text is built in place and made a string in one call. */
const CODES: number[][] = [];

function codesOfLength(n: number): number[] {
  let a = CODES[n];
  if (a === undefined) CODES[n] = a = new Array<number>(n).fill(48);
  return a;
}

/** Writes the `width` low decimal digits of v (zero-padded) as char codes ending before `end`. */
function putDigits(out: number[], end: number, v: number, width: number): void {
  for (let i = end - 1; i >= end - width; i--) {
    const q = (v / 10) | 0;
    out[i] = 48 + v - q * 10;
    v = q;
  }
}

/**
 * Decodes MySQL's binary DECIMAL (groups of 9 digits in 4 big-endian bytes, sign in the top bit,
 * negative values stored one's-complemented) to exact text with exactly `scale` fraction digits.
 * The digits are written as char codes into one array and turned into a flat string at once.
 */
export function decodeDecimal(buf: Buffer, pos: number, precision: number, scale: number): string {
  const intg = precision - scale;
  const intg0 = (intg / 9) | 0;
  const intg0x = intg - intg0 * 9;
  const frac0 = (scale / 9) | 0;
  const frac0x = scale - frac0 * 9;
  const negative = (buf[pos]! & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  let p = pos;
  let flip = 0x80;
  let ni = 0;
  let zero = true;
  // A group holding more than its digits (corrupt bytes) takes the general path below.
  let valid = true;
  if (intg0x > 0) {
    const n = DIG2BYTES[intg0x]!;
    const v = readMaskedBE(buf, p, n, mask, flip);
    flip = 0;
    p += n;
    if (v >= POW10[intg0x]!) valid = false;
    INT_GROUPS[ni++] = v;
  }
  for (let i = 0; i < intg0; i++) {
    const v = readMaskedBE(buf, p, 4, mask, flip);
    flip = 0;
    p += 4;
    if (v > 999999999) valid = false;
    INT_GROUPS[ni++] = v;
  }
  let first = 0;
  while (first < ni && INT_GROUPS[first] === 0) first++;
  if (first < ni) zero = false;
  let nf = 0;
  for (let i = 0; i < frac0; i++) {
    const v = readMaskedBE(buf, p, 4, mask, flip);
    flip = 0;
    p += 4;
    if (v > 999999999) valid = false;
    if (v !== 0) zero = false;
    FRAC_GROUPS[nf++] = v;
  }
  if (frac0x > 0) {
    const v = readMaskedBE(buf, p, DIG2BYTES[frac0x]!, mask, flip);
    if (v >= POW10[frac0x]!) valid = false;
    if (v !== 0) zero = false;
    FRAC_GROUPS[nf++] = v;
  }
  if (!valid) return decodeDecimalGeneral(buf, pos, precision, scale);
  const sign = negative && !zero ? 1 : 0;
  const firstDigits = first < ni ? digitCount(INT_GROUPS[first]!) : 1;
  const intDigits = first < ni ? firstDigits + (ni - first - 1) * 9 : 1;
  const out = codesOfLength(sign + intDigits + (scale > 0 ? scale + 1 : 0));
  let o = 0;
  if (sign) out[o++] = 45; // -
  if (first < ni) {
    putDigits(out, o + firstDigits, INT_GROUPS[first]!, firstDigits);
    o += firstDigits;
    for (let g = first + 1; g < ni; g++) {
      putDigits(out, o + 9, INT_GROUPS[g]!, 9);
      o += 9;
    }
  } else {
    out[o++] = 48; // 0
  }
  if (scale > 0) {
    out[o++] = 46; // .
    for (let g = 0; g < frac0; g++) {
      putDigits(out, o + 9, FRAC_GROUPS[g]!, 9);
      o += 9;
    }
    if (frac0x > 0) putDigits(out, o + frac0x, FRAC_GROUPS[nf - 1]!, frac0x);
  }
  return String.fromCharCode.apply(null, out);
}

/**
 * decodeDecimal for any bytes, groups that hold more than their digits (corrupt values) included:
 * the previous implementation, kept as it was so that such bytes render as they always did.
 */
function decodeDecimalGeneral(buf: Buffer, pos: number, precision: number, scale: number): string {
  const intg = precision - scale;
  const intg0 = (intg / 9) | 0;
  const intg0x = intg - intg0 * 9;
  const frac0 = (scale / 9) | 0;
  const frac0x = scale - frac0 * 9;
  const negative = (buf[pos]! & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  let p = pos;
  let flip = 0x80;
  if (intg <= 15 && scale <= 15) {
    // Fast path: both parts fit a double exactly.
    let ip = 0;
    if (intg0x > 0) {
      const n = DIG2BYTES[intg0x]!;
      ip = readMaskedBE(buf, p, n, mask, flip);
      flip = 0;
      p += n;
    }
    for (let i = 0; i < intg0; i++) {
      ip = ip * 1e9 + readMaskedBE(buf, p, 4, mask, flip);
      flip = 0;
      p += 4;
    }
    let fp = 0;
    for (let i = 0; i < frac0; i++) {
      fp = fp * 1e9 + readMaskedBE(buf, p, 4, mask, flip);
      flip = 0;
      p += 4;
    }
    if (frac0x > 0) fp = fp * POW10[frac0x]! + readMaskedBE(buf, p, DIG2BYTES[frac0x]!, mask, flip);
    const sign = negative && (ip !== 0 || fp !== 0) ? '-' : '';
    if (scale === 0) return sign + ip;
    const f = String(fp);
    return f.length >= scale ? `${sign}${ip}.${f}` : `${sign}${ip}.${ZEROS16.slice(0, scale - f.length)}${f}`;
  }
  let intText = '';
  if (intg0x > 0) {
    const n = DIG2BYTES[intg0x]!;
    const v = readMaskedBE(buf, p, n, mask, flip);
    flip = 0;
    p += n;
    if (v !== 0) intText = String(v);
  }
  for (let i = 0; i < intg0; i++) {
    const v = readMaskedBE(buf, p, 4, mask, flip);
    flip = 0;
    p += 4;
    if (intText === '') {
      if (v !== 0) intText = String(v);
    } else intText += pad9(v);
  }
  if (intText === '') intText = '0';
  let fracText = '';
  for (let i = 0; i < frac0; i++) {
    const v = readMaskedBE(buf, p, 4, mask, flip);
    flip = 0;
    p += 4;
    fracText += pad9(v);
  }
  if (frac0x > 0) {
    const n = DIG2BYTES[frac0x]!;
    const v = readMaskedBE(buf, p, n, mask, flip);
    fracText += pad9(v, frac0x);
  }
  let text = scale > 0 ? `${intText}.${fracText}` : intText;
  if (negative) {
    let zero = true;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 48 && c !== 46) {
        zero = false;
        break;
      }
    }
    if (!zero) text = `-${text}`;
  }
  return text;
}

// ---- temporal ------------------------------------------------------------------------------

const TWO_DIGITS: string[] = [];
for (let i = 0; i < 100; i++) TWO_DIGITS.push(i < 10 ? `0${i}` : String(i));

function d2(v: number): string {
  return TWO_DIGITS[v] ?? String(v);
}

function d4(v: number): string {
  if (v >= 1000) return String(v);
  return (v >= 100 ? '0' : v >= 10 ? '00' : '000') + v;
}

function fractionText(micro: number, fsp: number): string {
  if (fsp === 0) return '';
  // 1000000 + micro has 7 digits: '.' + the first `fsp` of the last six.
  const s = String(1000000 + micro);
  return fsp === 6 ? `.${s.slice(1)}` : `.${s.slice(1, 1 + fsp)}`;
}

/** Microseconds from the 0..3 fraction bytes of TIME2/DATETIME2/TIMESTAMP2. */
function readFraction(buf: Buffer, pos: number, fsp: number): number {
  switch (fsp) {
    case 0:
      return 0;
    case 1:
    case 2:
      return buf.readUInt8(pos) * 10000;
    case 3:
    case 4:
      return buf.readUInt16BE(pos) * 100;
    case 5:
    case 6:
      return buf.readUIntBE(pos, 3);
    default:
      throw new Error(`bad fractional-second precision ${fsp}`);
  }
}

// The texts below are built with one String.fromCharCode call: a flat one-byte string, without
// number-to-string conversions or concatenations. Out-of-range fields take the general path.

const fcc = String.fromCharCode;

/** "YYYY-MM-DD HH:MM:SS[.f]" (fields as they are: no range checks beyond the digit counts). */
function datetimeText(
  year: number,
  month: number,
  day: number,
  h: number,
  mi: number,
  s: number,
  micro: number,
  fsp: number,
): string {
  if (
    year > 9999 ||
    month > 99 ||
    day > 99 ||
    h > 99 ||
    mi > 99 ||
    s > 99 ||
    micro > 999999 ||
    (year | month | day | h | mi | s | micro) < 0
  ) {
    return `${d4(year)}-${d2(month)}-${d2(day)} ${d2(h)}:${d2(mi)}:${d2(s)}${fractionText(micro, fsp)}`;
  }
  const y1 = (year / 1000) | 0;
  const y2 = ((year / 100) | 0) - y1 * 10;
  const y3 = ((year / 10) | 0) % 10;
  const mo1 = (month / 10) | 0;
  const d1 = (day / 10) | 0;
  const h1 = (h / 10) | 0;
  const mi1 = (mi / 10) | 0;
  const s1 = (s / 10) | 0;
  if (fsp === 6) {
    // prettier-ignore
    return fcc(
      48 + y1, 48 + y2, 48 + y3, 48 + (year % 10), 45, 48 + mo1, 48 + month - mo1 * 10, 45, 48 + d1,
      48 + day - d1 * 10, 32, 48 + h1, 48 + h - h1 * 10, 58, 48 + mi1, 48 + mi - mi1 * 10, 58, 48 + s1,
      48 + s - s1 * 10, 46, 48 + ((micro / 100000) | 0), 48 + (((micro / 10000) | 0) % 10),
      48 + (((micro / 1000) | 0) % 10), 48 + (((micro / 100) | 0) % 10), 48 + (((micro / 10) | 0) % 10),
      48 + (micro % 10),
    );
  }
  // prettier-ignore
  const text = fcc(
    48 + y1, 48 + y2, 48 + y3, 48 + (year % 10), 45, 48 + mo1, 48 + month - mo1 * 10, 45, 48 + d1,
    48 + day - d1 * 10, 32, 48 + h1, 48 + h - h1 * 10, 58, 48 + mi1, 48 + mi - mi1 * 10, 58, 48 + s1,
    48 + s - s1 * 10,
  );
  return fsp === 0 ? text : text + fractionText(micro, fsp);
}

/** "YYYY-MM-DD". */
function dateText(year: number, month: number, day: number): string {
  if (year > 9999 || month > 99 || day > 99 || (year | month | day) < 0)
    return `${d4(year)}-${d2(month)}-${d2(day)}`;
  const y1 = (year / 1000) | 0;
  const mo1 = (month / 10) | 0;
  const d1 = (day / 10) | 0;
  // prettier-ignore
  return fcc(
    48 + y1, 48 + ((year / 100) | 0) - y1 * 10, 48 + (((year / 10) | 0) % 10), 48 + (year % 10), 45,
    48 + mo1, 48 + month - mo1 * 10, 45, 48 + d1, 48 + day - d1 * 10,
  );
}

/** "[-]HH:MM:SS[.f]" (hours may have three digits: the general path). */
function timeText(neg: boolean, h: number, mi: number, s: number, micro: number, fsp: number): string {
  if (
    neg ||
    h > 99 ||
    mi > 99 ||
    s > 99 ||
    micro > 999999 ||
    (h | mi | s | micro) < 0 ||
    (fsp !== 0 && fsp !== 3 && fsp !== 6)
  ) {
    return `${neg ? '-' : ''}${d2(h)}:${d2(mi)}:${d2(s)}${fractionText(micro, fsp)}`;
  }
  const h1 = (h / 10) | 0;
  const mi1 = (mi / 10) | 0;
  const s1 = (s / 10) | 0;
  if (fsp === 0) {
    return fcc(48 + h1, 48 + h - h1 * 10, 58, 48 + mi1, 48 + mi - mi1 * 10, 58, 48 + s1, 48 + s - s1 * 10);
  }
  const f1 = (micro / 100000) | 0;
  const f2 = ((micro / 10000) | 0) % 10;
  const f3 = ((micro / 1000) | 0) % 10;
  if (fsp === 3) {
    // prettier-ignore
    return fcc(
      48 + h1, 48 + h - h1 * 10, 58, 48 + mi1, 48 + mi - mi1 * 10, 58, 48 + s1, 48 + s - s1 * 10, 46,
      48 + f1, 48 + f2, 48 + f3,
    );
  }
  // prettier-ignore
  return fcc(
    48 + h1, 48 + h - h1 * 10, 58, 48 + mi1, 48 + mi - mi1 * 10, 58, 48 + s1, 48 + s - s1 * 10, 46,
    48 + f1, 48 + f2, 48 + f3, 48 + (((micro / 100) | 0) % 10), 48 + (((micro / 10) | 0) % 10),
    48 + (micro % 10),
  );
}

function formatPackedDate(v: number): string {
  return dateText(v >> 9, (v >> 5) & 15, v & 31);
}

function formatDatetime2(intpart: number, micro: number, fsp: number): string {
  const ymd = Math.floor(intpart / 131072);
  const hms = intpart % 131072;
  const ym = ymd >> 5;
  return datetimeText(
    Math.floor(ym / 13),
    ym % 13,
    ymd & 31,
    hms >> 12,
    (hms >> 6) & 63,
    hms & 63,
    micro,
    fsp,
  );
}

function formatOldDatetime(v: number): string {
  const date = Math.floor(v / 1000000);
  const time = v % 1000000;
  const year = Math.floor(date / 10000);
  const month = Math.floor(date / 100) % 100;
  const day = date % 100;
  return datetimeText(
    year,
    month,
    day,
    Math.floor(time / 10000),
    Math.floor(time / 100) % 100,
    time % 100,
    0,
    0,
  );
}

function formatOldTime(v: number): string {
  const neg = v < 0;
  const a = neg ? -v : v;
  const h = Math.floor(a / 10000);
  return timeText(neg, h, Math.floor(a / 100) % 100, a % 100, 0, 0);
}

/** Formats epoch seconds (+ microseconds) as UTC "YYYY-MM-DD HH:MM:SS[.f]"; 0 is the zero date. */
export function formatEpoch(sec: number, micro: number, fsp: number): string {
  if (sec === 0 && micro === 0) return `0000-00-00 00:00:00${fractionText(0, fsp)}`;
  const days = Math.floor(sec / 86400);
  const rem = sec - days * 86400;
  // Civil date from days since 1970-01-01 (proleptic Gregorian).
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return datetimeText(
    year,
    month,
    day,
    Math.floor(rem / 3600),
    Math.floor(rem / 60) % 60,
    rem % 60,
    micro,
    fsp,
  );
}

const TWO_POW_24 = 16777216;

function decodeTime2(buf: Buffer, pos: number, fsp: number): string {
  let packed: number;
  switch (fsp) {
    case 0:
      packed = (buf.readUIntBE(pos, 3) - 0x800000) * TWO_POW_24;
      break;
    case 1:
    case 2: {
      let intpart = buf.readUIntBE(pos, 3) - 0x800000;
      // Unsigned: negative values store the fraction complemented (binary-sortable).
      let frac = buf.readUInt8(pos + 3);
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x100;
      }
      packed = intpart * TWO_POW_24 + frac * 10000;
      break;
    }
    case 3:
    case 4: {
      let intpart = buf.readUIntBE(pos, 3) - 0x800000;
      let frac = buf.readUInt16BE(pos + 3);
      if (intpart < 0 && frac !== 0) {
        intpart++;
        frac -= 0x10000;
      }
      packed = intpart * TWO_POW_24 + frac * 100;
      break;
    }
    case 5:
    case 6:
      packed = buf.readUIntBE(pos, 6) - 0x800000000000;
      break;
    default:
      throw new Error(`bad fractional-second precision ${fsp}`);
  }
  return formatPackedTime(packed, fsp);
}

/** Formats MySQL's packed TIME (hms << 24 | microseconds, signed) as "[-]HH:MM:SS[.f]". */
export function formatPackedTime(packed: number, fsp: number): string {
  const neg = packed < 0;
  const a = neg ? -packed : packed;
  const hms = Math.floor(a / TWO_POW_24);
  const micro = a % TWO_POW_24;
  return timeText(neg, (hms >> 12) % 1024, (hms >> 6) & 63, hms & 63, micro, fsp);
}

/** Formats MySQL's packed DATETIME (as used inside binary JSON). */
export function formatPackedDatetime(packed: bigint, fsp: number, dateOnly: boolean): string {
  const a = packed < 0n ? -packed : packed;
  const micro = Number(a % 16777216n);
  const ymdhms = a >> 24n;
  const ymd = Number(ymdhms >> 17n);
  const hms = Number(ymdhms % 131072n);
  const ym = ymd >> 5;
  const day = ymd & 31;
  const month = ym % 13;
  const year = Math.floor(ym / 13);
  if (dateOnly) return dateText(year, month, day);
  return datetimeText(year, month, day, hms >> 12, (hms >> 6) & 63, hms & 63, micro, fsp);
}

// ---- ColumnType mapping ----------------------------------------------------------------------

function charsetName(col: TableMapColumn, hint: ColumnType | undefined): string | undefined {
  if (col.collationId !== undefined)
    return charsetOfCollation(col.collationId) ?? `collation ${col.collationId}`;
  if (hint?.kind === 'string') return hint.charset;
  if (hint?.kind === 'binary') return 'binary';
  return undefined;
}

/**
 * Our ColumnType for a Table_map column. `hint` (the tracked schema) fills what the binlog lacks
 * (signedness, charset, ENUM/SET members, TEXT vs BLOB); Table_map metadata wins when present.
 */
export function columnTypeOf(col: TableMapColumn, hint?: ColumnType): ColumnType {
  const unsigned = col.unsigned ?? hintUnsigned(hint) ?? false;
  switch (col.realType) {
    case MysqlType.TINY:
      if (hint?.kind === 'boolean') return hint;
      return { kind: 'integer', bytes: 1, unsigned };
    case MysqlType.SHORT:
      return { kind: 'integer', bytes: 2, unsigned };
    case MysqlType.INT24:
      return { kind: 'integer', bytes: 3, unsigned };
    case MysqlType.LONG:
      return { kind: 'integer', bytes: 4, unsigned };
    case MysqlType.LONGLONG:
      return { kind: 'integer', bytes: 8, unsigned };
    case MysqlType.NEWDECIMAL:
    case MysqlType.DECIMAL: {
      const t: ColumnType = { kind: 'decimal', precision: col.meta >> 8, scale: col.meta & 0xff };
      return unsigned ? { ...t, unsigned } : t;
    }
    case MysqlType.FLOAT:
      return unsigned ? { kind: 'float', unsigned } : { kind: 'float' };
    case MysqlType.DOUBLE:
      return unsigned ? { kind: 'double', unsigned } : { kind: 'double' };
    case MysqlType.TIMESTAMP:
      return { kind: 'timestamp_ltz', precision: 0 };
    case MysqlType.TIMESTAMP2:
      return { kind: 'timestamp_ltz', precision: col.meta };
    case MysqlType.DATETIME:
      return { kind: 'timestamp', precision: 0 };
    case MysqlType.DATETIME2:
      return { kind: 'timestamp', precision: col.meta };
    case MysqlType.TIME:
      return { kind: 'time', precision: 0 };
    case MysqlType.TIME2:
      return { kind: 'time', precision: col.meta };
    case MysqlType.DATE:
    case MysqlType.NEWDATE:
      return { kind: 'date' };
    case MysqlType.YEAR:
      return { kind: 'year' };
    case MysqlType.BIT: {
      const length = ((col.meta >> 8) & 0xff) * 8 + (col.meta & 0xff);
      return { kind: 'bit', length };
    }
    case MysqlType.ENUM:
      return { kind: 'enum', values: col.enumValues ?? (hint?.kind === 'enum' ? hint.values : []) };
    case MysqlType.SET:
      return { kind: 'set', values: col.setValues ?? (hint?.kind === 'set' ? hint.values : []) };
    case MysqlType.JSON:
      return { kind: 'json' };
    case MysqlType.GEOMETRY: {
      if (col.geometryType !== undefined)
        return { kind: 'geometry', geometryType: geometryTypeName(col.geometryType) };
      return hint?.kind === 'geometry' ? hint : { kind: 'geometry' };
    }
    case MysqlType.VECTOR:
      return { kind: 'binary', blob: 'long' };
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
    case MysqlType.STRING: {
      const fixed = col.realType === MysqlType.STRING;
      const bytes = fixed ? resolveStringMeta(col.meta).length : col.meta;
      if (fixed && fixedBinaryFormatOf(col, hint, bytes) !== undefined) return hint!;
      const cs = charsetName(col, hint);
      if (cs === 'binary') return { kind: 'binary', length: bytes, fixed };
      if (cs === undefined) {
        if (hint?.kind === 'string') return hint;
        return { kind: 'string', length: bytes, fixed };
      }
      return { kind: 'string', length: Math.floor(bytes / charsetMaxBytes(cs)), fixed, charset: cs };
    }
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.BLOB: {
      const size =
        col.realType === MysqlType.BLOB
          ? col.meta
          : col.realType === MysqlType.TINY_BLOB
            ? 1
            : col.realType === MysqlType.MEDIUM_BLOB
              ? 3
              : 4;
      const sizeName = (['tiny', 'blob', 'medium', 'long'] as const)[Math.max(0, Math.min(3, size - 1))]!;
      const cs = charsetName(col, hint);
      if (cs === undefined || cs === 'binary') return { kind: 'binary', blob: sizeName };
      return { kind: 'string', text: sizeName === 'blob' ? 'text' : sizeName, charset: cs };
    }
    case MysqlType.NULL:
      return hint ?? { kind: 'binary' };
    default:
      throw new Error(`unsupported column type ${mysqlTypeName(col.realType)} (${col.realType})`);
  }
}
