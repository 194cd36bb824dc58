import type { ColumnType } from '../../event/column-type.js';
import { formatColumnType, sameColumnType } from '../../event/column-type.js';

/** MySQL/MariaDB sql_mode bits that make ALTER TABLE refuse a conversion that loses data. */
const STRICT_TRANS_TABLES = 1n << 21n;
const STRICT_ALL_TABLES = 1n << 22n;

/** True when the statement ran in a strict sql_mode (unknown counts as not strict). */
export function strictMode(sqlMode: bigint | undefined): boolean {
  return sqlMode !== undefined && (sqlMode & (STRICT_TRANS_TABLES | STRICT_ALL_TABLES)) !== 0n;
}

const integerRange = (t: { bytes: number; unsigned: boolean }): [bigint, bigint] => {
  const bits = BigInt(t.bytes * 8);
  return t.unsigned ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
};

/**
 * Why the rows a table already holds may hold other values after ALTER TABLE changed a column from
 * `from` to `to` (and nullability), or undefined when every value stays the same value, so a sink
 * can convert its copy itself. MySQL converts existing rows silently where a conversion rounds,
 * pads or reformats (DECIMAL scale, FLOAT, VARCHAR→CHAR, BIT widths, time zones); in a strict
 * sql_mode it refuses the ALTER instead where a value would not fit (lengths, ranges, ENUM members),
 * except for trailing spaces of text, which it cuts to the new length in any mode.
 */
export function conversionLoss(
  from: ColumnType,
  to: ColumnType,
  nullable: { readonly from: boolean; readonly to: boolean },
  strict: boolean,
): string | undefined {
  const what = `${formatColumnType(from)} → ${formatColumnType(to)}`;
  if (nullable.from && !nullable.to && !strict) {
    return `${what} NOT NULL outside a strict sql_mode turned NULLs into the type's default`;
  }
  return keepsValues(from, to, strict) ? undefined : `the server converted the existing values (${what})`;
}

function keepsValues(from: ColumnType, to: ColumnType, strict: boolean): boolean {
  if (sameColumnType(from, to)) return true; // only NULL-ness changed, or nothing
  switch (from.kind) {
    case 'integer':
      return integerTo(from, to, strict);
    case 'decimal':
      if (to.kind === 'decimal') {
        return to.scale >= from.scale && (strict || to.precision - to.scale >= from.precision - from.scale);
      }
      if (to.kind === 'integer') return from.scale === 0 && strict;
      return to.kind === 'string' && !to.fixed && (strict || fitsText(to, from.precision + 2));
    case 'string':
      // a strict sql_mode refuses to cut text, but not trailing spaces: a shorter column is lossy
      if (to.kind === 'string') return (!to.fixed || from.fixed === true) && longer(from, to);
      return (to.kind === 'enum' || to.kind === 'set' || to.kind === 'json') && strict;
    case 'enum':
    case 'set':
      if (to.kind === 'string') {
        const widest =
          from.kind === 'enum'
            ? Math.max(0, ...from.values.map((m) => [...m].length))
            : from.values.reduce((n, m) => n + [...m].length + 1, -1);
        return !to.fixed && fitsText(to, widest);
      }
      if (to.kind === 'set' && from.kind === 'enum' && from.values.some((m) => m.includes(','))) return false;
      if (to.kind === 'set' || (to.kind === 'enum' && from.kind === 'enum')) {
        // a SET value is written in member order: reordered members reorder its text
        return membersKept(from.values, to.values, strict, from.kind === 'set');
      }
      return to.kind === 'enum' && strict;
    case 'json':
      return to.kind === 'string' && !to.fixed && to.text === 'long';
    case 'binary':
      return to.kind === 'binary' && !to.fixed && (strict || longer(from, to));
    case 'date':
      return to.kind === 'date' || to.kind === 'timestamp';
    case 'timestamp':
    case 'timestamp_ltz':
    case 'time':
      return to.kind === from.kind && to.precision >= from.precision;
    case 'year':
      return to.kind === 'year' || (to.kind === 'integer' && (to.bytes >= 2 || (to.unsigned && strict)));
    case 'bit':
      return (
        to.kind === 'bit' &&
        Math.ceil(to.length / 8) === Math.ceil(from.length / 8) &&
        to.length !== 1 &&
        from.length !== 1
      );
    case 'boolean':
    case 'float':
    case 'double':
    case 'geometry':
      return false; // another type (the same one returned above)
    default:
      return from satisfies never;
  }
}

function integerTo(from: ColumnType & { kind: 'integer' }, to: ColumnType, strict: boolean): boolean {
  const [lo, hi] = integerRange(from);
  switch (to.kind) {
    case 'integer': {
      const [tlo, thi] = integerRange(to);
      return strict || (tlo <= lo && thi >= hi);
    }
    case 'decimal':
      return strict || to.precision - to.scale >= String(hi).length;
    case 'double':
      return from.bytes <= 4;
    case 'float':
      return from.bytes <= 2;
    case 'string':
      return !to.fixed && (strict || fitsText(to, String(lo).length));
    default:
      return false;
  }
}

/**
 * Whether ENUM/SET values keep their text when the member list changes: each old member is a new
 * one (members added; ENUM members also reordered). A strict sql_mode refuses values without a
 * match, but matches by collation, so a member only case- or accent-equal to a new one would
 * change its text.
 */
function membersKept(
  from: readonly string[],
  to: readonly string[],
  strict: boolean,
  ordered: boolean,
): boolean {
  const index = new Map(to.map((m, i) => [m, i]));
  const kept = from.flatMap((m) => (index.has(m) ? [index.get(m)!] : []));
  if (ordered && kept.some((i, k) => k > 0 && i < kept[k - 1]!)) return false;
  const missing = from.filter((m) => !index.has(m));
  if (!strict) return missing.length === 0;
  return !missing.some((m) => to.some((n) => m.localeCompare(n, 'en', { sensitivity: 'base' }) === 0));
}

function longer(a: ColumnType, b: ColumnType): boolean {
  const la = 'length' in a ? a.length : undefined;
  const lb = 'length' in b ? b.length : undefined;
  const text = 'text' in b && b.text !== undefined;
  const blob = 'blob' in b && b.blob !== undefined;
  return text || blob || (la !== undefined && lb !== undefined && lb >= la);
}

function fitsText(t: ColumnType & { kind: 'string' }, chars: number): boolean {
  return t.text !== undefined || (t.length !== undefined && t.length >= chars);
}
