import mysql from 'mysql2';
import type { Row } from '../../../event/change-event.js';
import {
  assertNever,
  type ColumnType,
  type FixedBinaryFormat,
  type Value,
} from '../../../event/column-type.js';
import type { JsonValue } from '../../../event/json-value.js';
import { TidemarkError, errorMessage } from '../../../event/tidemark-error.js';
import { fixedBinarySortKey } from '../fixed-binary-text.js';
import { quoteIdentifier } from '../snapshot-reader.js';

/**
 * The key a table is split by (its primary key, or `scan.incremental.snapshot.chunk.key-column`):
 * column positions and types, and how the server orders each column (see {@link compareKeys}).
 */
export interface ChunkKey {
  readonly columns: readonly string[];
  readonly indexes: readonly number[];
  readonly types: readonly ColumnType[];
  /** How the server orders each key column (and so ORDER BY, `>=` and `=` on it). */
  readonly orders: readonly KeyColumnOrder[];
  /** True when the key identifies a row (a primary key). */
  readonly unique: boolean;
}

/** How the server orders the values of one key column. */
export type KeyColumnOrder =
  /** By the value itself (numbers, DECIMAL, temporal types, ENUM, SET, BIT, binary strings): {@link compareValues}. */
  | { readonly by: 'value' }
  /** A utf8/ascii `_bin` collation: by Unicode code point (not UTF-16 unit); PAD SPACE ignores trailing blanks. */
  | { readonly by: 'code-point'; readonly padSpace: boolean }
  /** Any other collation: by the server's weights of each value, read by KeyWeigher (key-order.ts). */
  | { readonly by: 'weights'; readonly collation: CollationOrder }
  /** MariaDB's UUID (versions 1-5 by their swapped segments), INET4, INET6: by their bytes. */
  | { readonly by: 'fixed-binary'; readonly format: FixedBinaryFormat };

export const VALUE_ORDER: KeyColumnOrder = { by: 'value' };

/** What the server said about a collation (see probeCollation in key-order.ts). */
export interface CollationOrder {
  readonly name: string;
  readonly charset: string;
  /** PAD SPACE: values compare as if padded with spaces ('a' = 'a ', 'a\t' < 'a'). */
  readonly padSpace: boolean;
  /** `WEIGHT_STRING(… LEVEL n)` of each level compared, in order; empty: WEIGHT_STRING whole, as one level. */
  readonly levels: readonly number[];
  /** The weight of one space at each compared level. */
  readonly spaceWeights: readonly Uint8Array[];
}

/** A string's weights under its column's collation: one per compared level (PAD SPACE: trailing space weights cut). */
export type ValueWeights = readonly Uint8Array[];

/** A key tuple: one value per key column. */
export type KeyTuple = readonly (Value | undefined)[];

/** A key range [lo, hi): null = unbounded on that side. The unbounded-below range also holds NULL keys. */
export interface KeyRange {
  readonly lo: KeyTuple | null;
  readonly hi: KeyTuple | null;
}

export const FULL_RANGE: KeyRange = { lo: null, hi: null };

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

/** A SET value's bitmask: the server orders SET values by it. */
function setBits(members: readonly string[], v: Value): bigint {
  const text = String(v);
  let bits = 0n;
  if (text === '') return bits;
  for (const m of text.split(',')) {
    const i = members.indexOf(m);
    if (i >= 0) bits |= 1n << BigInt(i);
  }
  return bits;
}

function bytesOf(v: Value): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'boolean') return Uint8Array.of(v ? 1 : 0);
  return Buffer.from(String(v));
}

const compareText = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/** Compares two non-null values of a column ordered by value (see {@link KeyColumnOrder}). */
export function compareValues(t: ColumnType, a: Value, b: Value): number {
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
    case 'enum':
      return t.values.indexOf(String(a)) - t.values.indexOf(String(b));
    case 'set': {
      const x = setBits(t.values, a);
      const y = setBits(t.values, b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'binary':
    case 'bit':
    case 'geometry':
      return compareBytes(bytesOf(a), bytesOf(b));
    case 'string':
      // MariaDB's UUID/INET4/INET6: ordered by their bytes, not their text
      if (t.format) {
        return compareBytes(fixedBinarySortKey(t.format, String(a)), fixedBinarySortKey(t.format, String(b)));
      }
      return compareText(String(a), String(b));
    default:
      // DATE, DATETIME and TIMESTAMP text (fixed width per column); code units otherwise
      return compareText(String(a), String(b));
  }
}

/** The rest of a PAD SPACE string against the padding: the first code point that is not a space decides. */
function tailAgainstSpace(s: string, from: number, sign: 1 | -1): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20) return c < 0x20 ? -sign : sign;
  }
  return 0;
}

/** Unicode code point order (a `_bin` collation of utf8mb4), with PAD SPACE when asked. */
export function compareCodePoints(a: string, b: string, padSpace: boolean): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x < y ? -1 : 1;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  if (i < a.length) return padSpace ? tailAgainstSpace(a, i, 1) : 1;
  if (j < b.length) return padSpace ? tailAgainstSpace(b, j, -1) : -1;
  return 0;
}

/** Compares weights, the shorter one padded with the space weight (PAD SPACE). */
function comparePadded(a: Uint8Array, b: Uint8Array, space: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  if (a.length === b.length || space.length === 0) return a.length - b.length;
  const [longer, sign] = a.length > b.length ? [a, 1] : [b, -1];
  for (let i = n, k = 0; i < longer.length; i++, k = (k + 1) % space.length) {
    if (longer[i] !== space[k]) return longer[i]! < space[k]! ? -sign : sign;
  }
  return 0;
}

/** Compares two strings' weights level by level, as the server's collation does. */
export function compareWeights(c: CollationOrder, a: ValueWeights, b: ValueWeights): number {
  for (let l = 0; l < c.spaceWeights.length; l++) {
    const x = a[l]!;
    const y = b[l]!;
    const d = c.padSpace ? comparePadded(x, y, c.spaceWeights[l]!) : compareBytes(x, y);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The bytes the server orders a UUID/INET4/INET6 value by (see fixedBinarySortKey). */
function fixedBinaryKey(format: FixedBinaryFormat, v: Value): Uint8Array {
  try {
    return fixedBinarySortKey(format, String(v));
  } catch (e) {
    throw unorderable(format.toUpperCase(), v, e);
  }
}

function unorderable(type: string, v: Value, cause: unknown): TidemarkError {
  const shown = v instanceof Uint8Array ? `0x${Buffer.from(v).toString('hex')}` : JSON.stringify(String(v));
  return new TidemarkError(
    'SOURCE_SCHEMA',
    `cannot order the chunk key value ${shown}: ${errorMessage(cause)}; split the table by another column (scan.incremental.snapshot.chunk.key-column)`,
    { cause },
  );
}

/** The weights of a key tuple, on the tuple itself (see KeyWeigher): they go with it. */
const WEIGHTS = Symbol('weights');
type Weighed = { [WEIGHTS]?: readonly (ValueWeights | undefined)[] };

export function setKeyWeights(k: KeyTuple, w: readonly (ValueWeights | undefined)[]): void {
  (k as Weighed)[WEIGHTS] = w;
}

/** True when a column of the key is ordered by server weights: its tuples must be weighed first. */
export function keyNeedsWeights(key: ChunkKey): boolean {
  return key.orders.some((o) => o.by === 'weights');
}

/** True when the tuple has a value whose weights are needed and not read yet. */
export function lacksWeights(key: ChunkKey, k: KeyTuple): boolean {
  if ((k as Weighed)[WEIGHTS]) return false;
  return key.orders.some((o, i) => o.by === 'weights' && (k[i] ?? null) !== null);
}

function weightsAt(k: KeyTuple, i: number, c: CollationOrder): ValueWeights {
  const w = (k as Weighed)[WEIGHTS]?.[i];
  if (!w) {
    throw new TidemarkError(
      'INTERNAL',
      `chunk key value ${JSON.stringify(String(k[i]))} compared before its ${c.name} weights were read`,
    );
  }
  return w;
}

function compareColumn(key: ChunkKey, i: number, a: KeyTuple, b: KeyTuple): number {
  const x = a[i] ?? null;
  const y = b[i] ?? null;
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  const order = key.orders[i]!;
  switch (order.by) {
    case 'value':
      return compareValues(key.types[i]!, x, y);
    case 'code-point':
      return compareCodePoints(String(x), String(y), order.padSpace);
    case 'weights':
      return compareWeights(
        order.collation,
        weightsAt(a, i, order.collation),
        weightsAt(b, i, order.collation),
      );
    case 'fixed-binary':
      return compareBytes(fixedBinaryKey(order.format, x), fixedBinaryKey(order.format, y));
    default:
      return assertNever(order);
  }
}

/**
 * Compares two key tuples the way the server orders them (ORDER BY, `>=`; 0 = the server's `=`,
 * e.g. 'a' and 'A ' under a PAD SPACE `_ci` collation). NULL first. Tuples of a key ordered by
 * weights must have been weighed (KeyWeigher), else this throws an INTERNAL error.
 */
export function compareKeys(key: ChunkKey, a: KeyTuple, b: KeyTuple): number {
  for (let i = 0; i < key.types.length; i++) {
    const c = compareColumn(key, i, a, b);
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

/** Range bounds equal for the server (null = unbounded). */
export function sameBound(key: ChunkKey, a: KeyTuple | null, b: KeyTuple | null): boolean {
  if (a === null || b === null) return a === b;
  return compareKeys(key, a, b) === 0;
}

export function keyOf(key: ChunkKey, row: Row): KeyTuple {
  return key.indexes.map((i) => row[i] ?? null);
}

/** The key tuples of a row event's images; one tuple (weighed once) when the key did not change. */
export function eventKeys(
  key: ChunkKey,
  before: Row | null,
  after: Row | null,
): { before: KeyTuple | null; after: KeyTuple | null } {
  const b = before && keyOf(key, before);
  if (!after) return { before: b, after: null };
  const same = b !== null && key.indexes.every((c, i) => (after[c] ?? null) === b[i]);
  return { before: b, after: same ? b : keyOf(key, after) };
}

export function rangeContains(key: ChunkKey, r: KeyRange, k: KeyTuple): boolean {
  if (r.lo !== null && compareKeys(key, k, r.lo) < 0) return false;
  if (r.hi !== null && compareKeys(key, k, r.hi) >= 0) return false;
  return true;
}

/**
 * Text identity of a key tuple: the exact values, not the server's equality (for that, see
 * {@link compareKeys}): 'a' and 'A' differ here even where the collation makes them one key.
 */
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

function literal(t: ColumnType, v: Value | undefined): string {
  if (v === undefined || v === null) return 'NULL';
  // ENUM and SET compare with a string as strings, and sort by their number; BIT compares
  // with a hex string oddly: compare numbers
  if (t.kind === 'enum') return String(t.values.indexOf(String(v)) + 1);
  if (t.kind === 'set') return setBits(t.values, v).toString();
  if (t.kind === 'bit') return BigInt(`0x0${Buffer.from(bytesOf(v)).toString('hex')}`).toString();
  if (v instanceof Uint8Array) return mysql.escape(Buffer.from(v));
  if (typeof v === 'bigint') return v.toString();
  return mysql.escape(v);
}

/** `(k1, k2) >= (v1, v2)` expanded so the range optimizer uses the index; `strict` for `>`. */
function tupleAtLeast(key: ChunkKey, vals: KeyTuple, strict: boolean): string {
  const cols = key.columns.map(quoteIdentifier);
  const n = cols.length;
  let sql = `${cols[n - 1]} ${strict ? '>' : '>='} ${literal(key.types[n - 1]!, vals[n - 1])}`;
  for (let i = n - 2; i >= 0; i--) {
    const c = cols[i]!;
    const v = literal(key.types[i]!, vals[i]);
    sql = `${c} > ${v} OR (${c} = ${v} AND (${sql}))`;
  }
  return n > 1 ? `(${sql})` : sql;
}

/** SQL condition selecting the rows of a range (NULL keys belong to the range unbounded below). */
export function rangeCondition(key: ChunkKey, r: KeyRange): string | undefined {
  const cols = key.columns.map(quoteIdentifier);
  const parts: string[] = [];
  if (r.lo !== null) parts.push(tupleAtLeast(key, r.lo, false));
  if (r.hi !== null) {
    const below = `NOT ${tupleAtLeast(key, r.hi, false)}`;
    // NOT (x >= v) is NULL for NULL keys: keep them in the first range.
    parts.push(
      r.lo === null && !key.unique ? `(${below} OR ${cols.map((c) => `${c} IS NULL`).join(' OR ')})` : below,
    );
  }
  return parts.length ? parts.join(' AND ') : undefined;
}

/** `k > v` for key walking. */
export function afterCondition(key: ChunkKey, v: KeyTuple): string {
  return tupleAtLeast(key, v, true);
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
