import mysql from 'mysql2';
import type { Row } from '../../../event/change-event.js';
import type { ColumnType, Value } from '../../../event/column-type.js';
import type { JsonValue } from '../../../event/json-value.js';
import { fixedBinarySortKey } from '../fixed-binary-text.js';
import { quoteIdentifier } from '../snapshot-reader.js';

/**
 * The key a table is split by (its primary key, or `scan.incremental.snapshot.chunk.key-column`):
 * column positions and types, and the JS comparison that mirrors the server's ORDER BY.
 */
export interface ChunkKey {
  readonly columns: readonly string[];
  readonly indexes: readonly number[];
  readonly types: readonly ColumnType[];
  /** Collation of each key column (string types), lower case; '' when not a string. */
  readonly collations: readonly string[];
  /** True when the key identifies a row (a primary key). */
  readonly unique: boolean;
}

/** A key tuple: one value per key column. */
export type KeyTuple = readonly (Value | undefined)[];

/** A key range [lo, hi): null = unbounded on that side. The unbounded-below range also holds NULL keys. */
export interface KeyRange {
  readonly lo: KeyTuple | null;
  readonly hi: KeyTuple | null;
}

export const FULL_RANGE: KeyRange = { lo: null, hi: null };

const ciCollator = new Intl.Collator('en', { sensitivity: 'base' });

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function compareDecimalText(a: string, b: string): number {
  const na = a.startsWith('-');
  const nb = b.startsWith('-');
  if (na !== nb) return na ? -1 : 1;
  const [ai = '', af = ''] = (na ? a.slice(1) : a).split('.');
  const [bi = '', bf = ''] = (nb ? b.slice(1) : b).split('.');
  const ail = ai.replace(/^0+/, '');
  const bil = bi.replace(/^0+/, '');
  let c = ail.length - bil.length || (ail < bil ? -1 : ail > bil ? 1 : 0);
  if (c === 0) {
    const w = Math.max(af.length, bf.length);
    const x = af.padEnd(w, '0');
    const y = bf.padEnd(w, '0');
    c = x < y ? -1 : x > y ? 1 : 0;
  }
  return na ? -c : c;
}

function timeMicros(t: string): number {
  const neg = t.startsWith('-');
  const [h = '0', m = '0', s = '0'] = (neg ? t.slice(1) : t).split(':');
  const [si = '0', sf = ''] = s.split('.');
  const v = ((Number(h) * 60 + Number(m)) * 60 + Number(si)) * 1e6 + Number(sf.padEnd(6, '0').slice(0, 6));
  return neg ? -v : v;
}

const trimPad = (s: string): string => s.replace(/ +$/, '');

/** Compares two non-null values of one column the way the server orders them (see collations). */
export function compareValues(t: ColumnType, collation: string, a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  switch (t.kind) {
    case 'integer':
    case 'year':
    case 'float':
    case 'double': {
      const x = a as number | bigint;
      const y = b as number | bigint;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'boolean':
      return Number(a) - Number(b);
    case 'decimal':
      return compareDecimalText(String(a), String(b));
    case 'time':
      return timeMicros(String(a)) - timeMicros(String(b));
    case 'enum': {
      const ia = t.values.indexOf(String(a));
      const ib = t.values.indexOf(String(b));
      return ia - ib;
    }
    case 'binary':
    case 'bit':
    case 'geometry':
      if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
      return compareBytes(Buffer.from(String(a)), Buffer.from(String(b)));
    case 'string': {
      if (t.format) {
        // MariaDB's UUID/INET4/INET6: ordered by their bytes, not their text
        return compareBytes(fixedBinarySortKey(t.format, String(a)), fixedBinarySortKey(t.format, String(b)));
      }
      const x = trimPad(String(a));
      const y = trimPad(String(b));
      if (collation === '' || collation.endsWith('_bin') || collation === 'binary') {
        return x < y ? -1 : x > y ? 1 : 0;
      }
      // Case- and accent-insensitive collations: an approximation of the server's UCA weights.
      return ciCollator.compare(x, y);
    }
    default: {
      const x = String(a);
      const y = String(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

export function compareKeys(key: ChunkKey, a: KeyTuple, b: KeyTuple): number {
  for (let i = 0; i < key.types.length; i++) {
    const c = compareValues(key.types[i]!, key.collations[i]!, a[i] ?? null, b[i] ?? null);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

export function keyOf(key: ChunkKey, row: Row): KeyTuple {
  return key.indexes.map((i) => row[i] ?? null);
}

export function rangeContains(key: ChunkKey, r: KeyRange, k: KeyTuple): boolean {
  if (r.lo !== null && compareKeys(key, k, r.lo) < 0) return false;
  if (r.hi !== null && compareKeys(key, k, r.hi) >= 0) return false;
  return true;
}

/** Text identity of a key tuple (for maps and equality of range bounds). */
export function keyText(k: KeyTuple | null): string {
  if (k === null) return '~';
  return JSON.stringify(encodeKey(k));
}

/** A key tuple as JSON (bigint and bytes as tagged strings), for checkpoints. */
export function encodeKey(k: KeyTuple): JsonValue[] {
  return k.map((v): JsonValue => {
    if (v === undefined) return null;
    if (typeof v === 'bigint') return { n: v.toString() };
    if (v instanceof Uint8Array) return { b: Buffer.from(v).toString('base64') };
    return v;
  });
}

export function decodeKey(j: readonly JsonValue[]): KeyTuple {
  return j.map((v): Value => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, JsonValue>;
      if (typeof o.n === 'string') return BigInt(o.n);
      if (typeof o.b === 'string') return new Uint8Array(Buffer.from(o.b, 'base64'));
    }
    return v as Value;
  });
}

function literal(v: Value | undefined): string {
  if (v === undefined) return 'NULL';
  if (v instanceof Uint8Array) return mysql.escape(Buffer.from(v));
  if (typeof v === 'bigint') return v.toString();
  return mysql.escape(v);
}

/** `(k1, k2) >= (v1, v2)` expanded so the range optimizer uses the index; `strict` for `>`. */
function tupleAtLeast(cols: readonly string[], vals: KeyTuple, strict: boolean): string {
  const n = cols.length;
  let sql = `${cols[n - 1]} ${strict ? '>' : '>='} ${literal(vals[n - 1] ?? null)}`;
  for (let i = n - 2; i >= 0; i--) {
    const c = cols[i]!;
    const v = literal(vals[i] ?? null);
    sql = `${c} > ${v} OR (${c} = ${v} AND (${sql}))`;
  }
  return n > 1 ? `(${sql})` : sql;
}

/** SQL condition selecting the rows of a range (NULL keys belong to the range unbounded below). */
export function rangeCondition(key: ChunkKey, r: KeyRange): string | undefined {
  const cols = key.columns.map(quoteIdentifier);
  const parts: string[] = [];
  if (r.lo !== null) parts.push(tupleAtLeast(cols, r.lo, false));
  if (r.hi !== null) {
    const below = `NOT ${tupleAtLeast(cols, r.hi, false)}`;
    // NOT (x >= v) is NULL for NULL keys: keep them in the first range.
    parts.push(
      r.lo === null && !key.unique ? `(${below} OR ${cols.map((c) => `${c} IS NULL`).join(' OR ')})` : below,
    );
  }
  return parts.length ? parts.join(' AND ') : undefined;
}

/** `k > v` for key walking. */
export function afterCondition(key: ChunkKey, v: KeyTuple): string {
  return tupleAtLeast(key.columns.map(quoteIdentifier), v, true);
}

export function orderBy(key: ChunkKey): string {
  return key.columns.map(quoteIdentifier).join(', ');
}

export function isNumericKey(key: ChunkKey): boolean {
  if (key.types.length !== 1) return false;
  const t = key.types[0]!;
  return t.kind === 'integer';
}

export function describeRange(r: KeyRange): string {
  const side = (k: KeyTuple | null, inf: string): string =>
    k === null
      ? inf
      : `(${k.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v))).join(', ')})`;
  return `[${side(r.lo, '-inf')}, ${side(r.hi, '+inf')})`;
}
