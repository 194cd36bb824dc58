/**
 * The merged sink column of a sharded merge (README "Sharded merges: type widening"), written
 * independently of src/event/wider-column-type.ts for the type pairs the generator draws: the
 * wider type (as a MySQL TypeSpec with the DuckDB type the README promises), or the reason no type
 * holds both exactly (tidemark then stops with `SCHEMA_MERGE`); and each value's canonical text in
 * the wider type ("every value is converted exactly into it").
 */
import { ANY, type Cell } from './canonical.js';
import { rescale } from './transform-model.js';
import type { TypeSpec } from './type-spec.js';

/** Flink CDC's STRING: a LONGTEXT (DuckDB VARCHAR). */
export const STRING_SPEC: TypeSpec = {
  f: 'text',
  size: 'long',
  charset: 'utf8mb4',
  collation: 'utf8mb4_bin',
};

export type Widened = { readonly type: TypeSpec } | { readonly reason: string };

type IntSpec = Extract<TypeSpec, { f: 'int' }>;
type DecimalSpec = Extract<TypeSpec, { f: 'decimal' }>;

/** YEAR merges as the SMALLINT holding it. */
function numericView(t: TypeSpec): TypeSpec {
  return t.f === 'year' ? { f: 'int', bytes: 2, unsigned: false } : t;
}

/** Decimal digits of the largest magnitude of an integer type: TINYINT 3, INT 10, BIGINT 19, BIGINT UNSIGNED 20. */
export function intDigits(t: IntSpec): number {
  return String(1n << BigInt(t.bytes * 8 - (t.unsigned ? 0 : 1))).length;
}

function widerInt(a: IntSpec, b: IntSpec): TypeSpec {
  if (a.unsigned === b.unsigned) return a.bytes >= b.bytes ? a : b;
  const [signed, unsigned] = a.unsigned ? [b, a] : [a, b];
  if (signed.bytes > unsigned.bytes) return signed;
  const next = ({ 1: 2, 2: 4, 3: 4, 4: 8 } as const)[unsigned.bytes as 1 | 2 | 3 | 4];
  return next ? { f: 'int', bytes: next, unsigned: false } : { f: 'decimal', p: 20, s: 0, unsigned: false };
}

function widerDecimal(dec: DecimalSpec, other: TypeSpec): Widened {
  let p: number;
  let s: number;
  if (other.f === 'decimal') {
    s = Math.max(dec.s, other.s);
    p = Math.max(dec.p - dec.s, other.p - other.s) + s;
  } else if (other.f === 'int') {
    s = dec.s;
    p = Math.max(dec.p, dec.s + intDigits(other));
  } else return { type: STRING_SPEC }; // FLOAT/DOUBLE: STRING, as Flink CDC
  if (p > 65) return { reason: `needs DECIMAL(${p},${s}), more than 65 digits` };
  return {
    type: {
      f: 'decimal',
      p,
      s,
      unsigned: dec.unsigned && (other.f === 'int' || other.f === 'decimal') && other.unsigned,
    },
  };
}

const isNumber = (t: TypeSpec): boolean =>
  t.f === 'int' || t.f === 'decimal' || t.f === 'double' || t.f === 'float' || t.f === 'year';
const isText = (t: TypeSpec): boolean => t.f === 'char' || t.f === 'text';
const TEMPORAL_LEVEL: Partial<Record<TypeSpec['f'], number>> = { date: 0, datetime: 1, timestamp: 2 };

/** The type a merged sink column takes for the types of two of its tables. */
export function widerType(x: TypeSpec, y: TypeSpec): Widened {
  if (JSON.stringify(x) === JSON.stringify(y)) return { type: x };
  if (isNumber(x) && isNumber(y)) {
    const a = numericView(x);
    const b = numericView(y);
    if (a.f === 'int' && b.f === 'int') return { type: widerInt(a, b) };
    if (a.f === 'decimal') return widerDecimal(a, b);
    if (b.f === 'decimal') return widerDecimal(b, a);
    if (a.f === 'int' || b.f === 'int') {
      const [int, other] = a.f === 'int' ? [a, b] : [b as IntSpec, a];
      if (other.f === 'float' && int.bytes <= 2) return { type: other };
      if (int.bytes <= 4) return { type: { f: 'double' } };
      return { reason: 'BIGINT values do not all fit a DOUBLE exactly' };
    }
    return { type: { f: 'double' } };
  }
  if (isText(x) && isText(y)) {
    if (x.f === 'char' && y.f === 'char') {
      const len = Math.max(x.len, y.len);
      return { type: { ...x, fixed: x.fixed && y.fixed, len } };
    }
    return { type: STRING_SPEC }; // a TEXT of some level: DuckDB VARCHAR either way
  }
  if (x.f === 'time' && y.f === 'time') return { type: { f: 'time', fsp: Math.max(x.fsp, y.fsp) } };
  const lx = TEMPORAL_LEVEL[x.f];
  const ly = TEMPORAL_LEVEL[y.f];
  if (lx !== undefined && ly !== undefined) {
    const fsp = Math.max('fsp' in x ? x.fsp : 0, 'fsp' in y ? y.fsp : 0);
    const top = lx >= ly ? x : y;
    return { type: top.f === 'date' ? top : { f: top.f as 'datetime' | 'timestamp', fsp } };
  }
  const exactText = (t: TypeSpec): boolean =>
    isNumber(t) || isText(t) || t.f === 'date' || t.f === 'datetime' || t.f === 'timestamp' || t.f === 'time';
  if (exactText(x) && exactText(y)) return { type: STRING_SPEC };
  return { reason: `no type holds every value of ${x.f} and ${y.f} exactly` };
}

/**
 * A canonical cell of type `from` in a merged column of the wider type `to`: an integer in a
 * DECIMAL at its scale, a number or text in a text column as its text, a DATE in a DATETIME or
 * TIMESTAMP its midnight (a DATETIME in a TIMESTAMP its wall clock read as UTC).
 */
export function mergedCell(v: Cell, from: TypeSpec, to: TypeSpec): Cell {
  if (v === null || v === ANY) return v;
  switch (to.f) {
    case 'decimal':
      return rescale(v, to.s);
    case 'double':
      return from.f === 'int' || from.f === 'year' ? String(Number(v)) : v;
    case 'datetime':
      return from.f === 'date' ? `${v} 00:00:00.000000` : v;
    case 'timestamp':
      if (from.f === 'date') return `${v} 00:00:00.000000Z`;
      return from.f === 'datetime' ? `${v}Z` : v;
    case 'char':
    case 'text':
      return temporalText(v, from);
    default:
      return v;
  }
}

/**
 * A canonical DATETIME, TIMESTAMP or TIME cell as tidemark's value text (column-type.ts): `fsp`
 * fraction digits (none for 0), a TIMESTAMP in UTC without a zone mark. Other cells are their
 * text already.
 */
function temporalText(v: string, from: TypeSpec): string {
  if (from.f !== 'datetime' && from.f !== 'timestamp' && from.f !== 'time') return v;
  const [whole, frac = ''] = v.replace(/Z$/, '').split('.');
  return from.fsp === 0 ? whole! : `${whole}.${frac.padEnd(6, '0').slice(0, from.fsp)}`;
}
