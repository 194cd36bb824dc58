import { assertNever, formatColumnType, sameColumnType, type ColumnType } from './column-type.js';

/**
 * The wider of two column types: the type a sink table takes when several source tables routed to
 * it have one column in different types (a sharded merge). It follows Flink CDC's
 * SchemaMergingUtils.getLeastCommonType wherever that holds every value of both types exactly, and
 * departs from it where it would not (then the result is a reason, and the merge is an error):
 *
 * - Integers: the smallest of TINYINT → SMALLINT → INT → BIGINT → DECIMAL(20,0) holding both
 *   ranges, signedness included (INT + INT UNSIGNED → BIGINT; BIGINT + BIGINT UNSIGNED →
 *   DECIMAL(20,0)); MEDIUMINT is kept when it is one of the two and holds both. YEAR merges as a
 *   SMALLINT (Flink CDC maps it to INT).
 * - DECIMAL(p,s) + DECIMAL(q,t): the larger integer part and the larger scale; + an integer:
 *   DECIMAL(max(p, s + digits of the integer type), s). Above DECIMAL(65, …) (MySQL's largest) it
 *   is an error, where Flink CDC cuts digits of the scale at 38.
 * - FLOAT with TINYINT/SMALLINT → FLOAT; with INT or MEDIUMINT → DOUBLE; DOUBLE with any integer up
 *   to INT → DOUBLE; FLOAT + DOUBLE → DOUBLE. A BIGINT with FLOAT or DOUBLE is an error (Flink CDC
 *   widens to DOUBLE, which does not hold every BIGINT). DECIMAL with FLOAT or DOUBLE → STRING.
 * - DATE, DATETIME (TIMESTAMP) and TIMESTAMP (TIMESTAMP_LTZ): DATETIME < TIMESTAMP, with the larger
 *   precision; a DATE is that day's midnight; a DATETIME in a TIMESTAMP column is its wall clock read
 *   as UTC (Flink CDC's coercion). Flink CDC gives DATE + DATETIME the precision 9; here the
 *   precision of the DATETIME.
 * - TIME(p) + TIME(q) → TIME(max) (Flink CDC: STRING).
 * - Text: two VARCHAR/CHAR → VARCHAR(longer) (CHAR when both are CHAR); with a TEXT type the
 *   smallest TEXT holding both; ENUM and SET count as VARCHAR of their longest value, UUID/INET as
 *   VARCHAR of their text, JSON as LONGTEXT. (Flink CDC: STRING whenever they differ.)
 * - Binary: VARBINARY of the longer, or the larger BLOB; BIT(m) + BIT(n) → BIT(max); BOOLEAN with
 *   BIT(1) → BOOLEAN. (Flink CDC: STRING holding base64, which is not the bytes: an error here
 *   when a binary type meets a non-binary one.)
 * - Anything else with a text form (numbers, booleans and BIT(1) as `true`/`false`, dates, times) → STRING
 *   (LONGTEXT): each value becomes its exact text. BINARY, BIT and GEOMETRY have no such text: error.
 */
export type WiderColumnType = { readonly type: ColumnType } | { readonly reason: string };

/** DECIMAL's largest precision in MySQL. */
export const MAX_DECIMAL_PRECISION = 65;

/** Flink CDC's STRING, the last resort: a LONGTEXT. */
export const STRING_TYPE: ColumnType = { kind: 'string', text: 'long' };

type IntegerType = ColumnType & { kind: 'integer' };
type DecimalType = ColumnType & { kind: 'decimal' };
type StringType = ColumnType & { kind: 'string' };
type BinaryType = ColumnType & { kind: 'binary' };

export function widerColumnType(a: ColumnType, b: ColumnType): WiderColumnType {
  if (sameColumnType(a, b)) return { type: a };
  const family = familyOf(a);
  if (family === familyOf(b)) {
    const same = widerInFamily(family, a, b);
    if (same) return same;
  }
  if (hasExactText(a) && hasExactText(b)) return { type: STRING_TYPE };
  return {
    reason: `no type holds every value of ${formatColumnType(a)} and ${formatColumnType(b)} exactly`,
  };
}

type Family = 'numeric' | 'temporal' | 'time' | 'text' | 'binary' | 'bits' | 'geometry';

function familyOf(t: ColumnType): Family {
  switch (t.kind) {
    case 'integer':
    case 'year':
    case 'decimal':
    case 'float':
    case 'double':
      return 'numeric';
    case 'date':
    case 'timestamp':
    case 'timestamp_ltz':
      return 'temporal';
    case 'time':
      return 'time';
    case 'string':
    case 'enum':
    case 'set':
    case 'json':
      return 'text';
    case 'binary':
      return 'binary';
    case 'boolean':
    case 'bit':
      return 'bits';
    case 'geometry':
      return 'geometry';
    default:
      return assertNever(t, 'column type');
  }
}

/** The wider type of two types of one family; undefined to fall back to STRING (or an error). */
function widerInFamily(family: Family, a: ColumnType, b: ColumnType): WiderColumnType | undefined {
  switch (family) {
    case 'numeric':
      return widerNumeric(a, b);
    case 'temporal':
      return { type: widerTemporal(a, b) };
    case 'time':
      return { type: { kind: 'time', precision: Math.max(precisionOf(a), precisionOf(b)) } };
    case 'text':
      return { type: widerText(asText(a), asText(b)) };
    case 'binary':
      return { type: widerBinary(a as BinaryType, b as BinaryType) };
    case 'bits':
      return { type: widerBits(a, b) };
    case 'geometry':
      return { type: { kind: 'geometry' } };
    default:
      return assertNever(family, 'type family');
  }
}

/** YEAR merges as the SMALLINT that holds it (0, 1901–2155). */
function numericView(t: ColumnType): ColumnType {
  return t.kind === 'year' ? { kind: 'integer', bytes: 2, unsigned: false } : t;
}

function widerNumeric(x: ColumnType, y: ColumnType): WiderColumnType | undefined {
  const a = numericView(x);
  const b = numericView(y);
  if (a.kind === 'integer' && b.kind === 'integer') return { type: widerInteger(a, b) };
  if (a.kind === 'decimal' || b.kind === 'decimal') return widerDecimal(a, b);
  if (a.kind === 'integer' || b.kind === 'integer') {
    const [int, other] = a.kind === 'integer' ? [a, b] : [b as IntegerType, a];
    return integerWithApproximate(int, other);
  }
  // FLOAT and DOUBLE (the same type was handled before)
  return { type: { kind: 'double', ...unsignedIf(isUnsigned(a) && isUnsigned(b)) } };
}

function isUnsigned(t: ColumnType): boolean {
  return 'unsigned' in t && t.unsigned === true;
}

function unsignedIf(u: boolean): { unsigned?: boolean } {
  return u ? { unsigned: true } : {};
}

const NEXT_SIGNED: Record<IntegerType['bytes'], IntegerType['bytes'] | undefined> = {
  1: 2,
  2: 4,
  3: 4,
  4: 8,
  8: undefined,
};

function widerInteger(a: IntegerType, b: IntegerType): ColumnType {
  if (a.unsigned === b.unsigned) {
    return { kind: 'integer', bytes: a.bytes >= b.bytes ? a.bytes : b.bytes, unsigned: a.unsigned };
  }
  const [signed, unsigned] = a.unsigned ? [b, a] : [a, b];
  if (signed.bytes > unsigned.bytes) return signed;
  const bytes = NEXT_SIGNED[unsigned.bytes];
  return bytes ? { kind: 'integer', bytes, unsigned: false } : { kind: 'decimal', precision: 20, scale: 0 };
}

/** Decimal digits of the largest magnitude of an integer type (Flink CDC: 3, 5, 10, 19). */
export function integerDigits(t: IntegerType): number {
  const bits = BigInt(t.bytes * 8 - (t.unsigned ? 0 : 1));
  return String(1n << bits).length;
}

function widerDecimal(a: ColumnType, b: ColumnType): WiderColumnType | undefined {
  const unsigned = isUnsigned(a) && isUnsigned(b);
  let precision: number;
  let scale: number;
  if (a.kind === 'decimal' && b.kind === 'decimal') {
    scale = Math.max(a.scale, b.scale);
    precision = Math.max(a.precision - a.scale, b.precision - b.scale) + scale;
  } else {
    const [dec, other] = a.kind === 'decimal' ? [a, b] : [b as DecimalType, a];
    if (other.kind !== 'integer') return undefined; // FLOAT/DOUBLE: STRING, as Flink CDC
    scale = dec.scale;
    precision = Math.max(dec.precision, dec.scale + integerDigits(other));
  }
  if (precision > MAX_DECIMAL_PRECISION) {
    return {
      reason: `${formatColumnType(a)} and ${formatColumnType(b)} need DECIMAL(${precision},${scale}), more than ${MAX_DECIMAL_PRECISION} digits`,
    };
  }
  return { type: { kind: 'decimal', precision, scale, ...unsignedIf(unsigned) } };
}

/** An integer with FLOAT or DOUBLE: the float type when it holds every value of the integer. */
function integerWithApproximate(int: IntegerType, other: ColumnType): WiderColumnType {
  const unsigned = unsignedIf(isUnsigned(other) && int.unsigned);
  if (other.kind === 'float' && int.bytes <= 2) return { type: { kind: 'float', ...unsigned } };
  if (int.bytes <= 4) return { type: { kind: 'double', ...unsigned } };
  return {
    reason: `${formatColumnType(int)} values do not all fit a DOUBLE exactly (Flink CDC would widen ${formatColumnType(int)} and ${formatColumnType(other)} to DOUBLE)`,
  };
}

const TEMPORAL_LEVEL = { date: 0, timestamp: 1, timestamp_ltz: 2 } as const;

function precisionOf(t: ColumnType): number {
  return 'precision' in t && t.kind !== 'decimal' ? t.precision : 0;
}

function widerTemporal(a: ColumnType, b: ColumnType): ColumnType {
  const level = (t: ColumnType): number => TEMPORAL_LEVEL[t.kind as keyof typeof TEMPORAL_LEVEL];
  const top = level(a) >= level(b) ? a : b;
  const precision = Math.max(precisionOf(a), precisionOf(b));
  if (top.kind === 'timestamp' || top.kind === 'timestamp_ltz') return { kind: top.kind, precision };
  return top;
}

const FORMAT_LENGTH = { uuid: 36, inet4: 15, inet6: 39 } as const;

/** ENUM, SET, JSON and the MariaDB text-shown types as the plain string type holding their values. */
function asText(t: ColumnType): StringType {
  switch (t.kind) {
    case 'string':
      return t.format ? { kind: 'string', length: FORMAT_LENGTH[t.format] } : t;
    case 'enum':
      return { kind: 'string', length: Math.max(1, ...t.values.map((m) => [...m].length)) };
    case 'set':
      return {
        kind: 'string',
        length: Math.max(
          1,
          t.values.reduce((n, m) => n + [...m].length + 1, -1),
        ),
      };
    case 'json':
      return STRING_TYPE as StringType;
    default:
      throw new Error(`not a text type: ${formatColumnType(t)}`);
  }
}

const TEXT_LEVELS = ['tiny', 'text', 'medium', 'long'] as const;
type TextLevel = (typeof TEXT_LEVELS)[number];
/** Largest byte length of TINYTEXT, TEXT, MEDIUMTEXT (LONGTEXT holds anything). */
const TEXT_BYTES = [255, 65_535, 16_777_215];

/** The smallest TEXT level holding a VARCHAR of `chars` characters (4 bytes each at most). */
function textLevelOf(t: { length?: number; text?: TextLevel }): number {
  if (t.text) return TEXT_LEVELS.indexOf(t.text);
  if (t.length === undefined) return TEXT_LEVELS.length - 1;
  const bytes = t.length * 4;
  const i = TEXT_BYTES.findIndex((max) => bytes <= max);
  return i < 0 ? TEXT_LEVELS.length - 1 : i;
}

function widerText(a: StringType, b: StringType): ColumnType {
  const charset = a.charset !== undefined && a.charset === b.charset ? { charset: a.charset } : {};
  if (a.text || b.text || a.length === undefined || b.length === undefined) {
    const text = TEXT_LEVELS[Math.max(textLevelOf(a), textLevelOf(b))]!;
    return { kind: 'string', text, ...charset };
  }
  const fixed = a.fixed === true && b.fixed === true ? { fixed: true } : {};
  return { kind: 'string', length: Math.max(a.length, b.length), ...fixed, ...charset };
}

const BLOB_LEVELS = ['tiny', 'blob', 'medium', 'long'] as const;

function blobLevelOf(t: BinaryType): number {
  if (t.blob) return BLOB_LEVELS.indexOf(t.blob);
  if (t.length === undefined) return BLOB_LEVELS.length - 1;
  const i = TEXT_BYTES.findIndex((max) => t.length! <= max);
  return i < 0 ? BLOB_LEVELS.length - 1 : i;
}

function widerBinary(a: BinaryType, b: BinaryType): ColumnType {
  if (a.blob || b.blob || a.length === undefined || b.length === undefined) {
    return { kind: 'binary', blob: BLOB_LEVELS[Math.max(blobLevelOf(a), blobLevelOf(b))]! };
  }
  // fixed lengths that differ: VARBINARY, since BINARY(n) pads with zero bytes
  return { kind: 'binary', length: Math.max(a.length, b.length) };
}

function bitLength(t: ColumnType): number {
  return t.kind === 'bit' ? t.length : 1;
}

/** BOOLEAN and BIT: BOOLEAN when both hold one bit, else BIT of the longer. */
function widerBits(a: ColumnType, b: ColumnType): ColumnType {
  const length = Math.max(bitLength(a), bitLength(b));
  if (length === 1) return a.kind === 'boolean' ? a : b;
  return { kind: 'bit', length };
}

/**
 * Types whose values have one exact text (STRING, Flink CDC's last resort, can hold them); BIT(1)
 * is a boolean (`true`/`false`).
 */
function hasExactText(t: ColumnType): boolean {
  return t.kind !== 'binary' && (t.kind !== 'bit' || t.length === 1) && t.kind !== 'geometry';
}
