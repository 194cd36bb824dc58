import type { DataChangeEvent, Row } from '../event/change-event.js';
import { assertNever, type Value } from '../event/column-type.js';

/** How a sink treats one sink table's row events. */
export interface RowChangeTable {
  /** For error messages, e.g. `app_db.orders`. */
  readonly label: string;
  /** Columns of the schema the rows follow: every image has exactly this many values. */
  readonly width: number;
  /**
   * Key columns: an upsert table (a change per key). Undefined: an append table, whose inserts
   * and updates append the after image and whose deletes are dropped.
   */
  readonly keyIndexes: readonly number[] | undefined;
}

/** Takes the row changes of events, in order (see rowChanges). */
export interface RowChangeTarget {
  /** `key`: the row's bufferKey in an upsert table, undefined in an append table. */
  add(op: 'delete' | 'upsert', key: BufferKey | undefined, row: Row): void;
}

/** A key of an upsert table: see bufferKey. */
export type BufferKey = string | number | bigint;

/**
 * The changes one row event makes to a sink table, handed to `target` in order (no array per
 * event). Upsert tables: an insert upserts its after image; an update upserts its after image
 * (key values a MINIMAL image lacks taken from the before image), and deletes the old key first
 * when the update moved the key; a delete deletes its before image's key. Append tables: inserts
 * and updates append the after image, deletes are dropped. A partial image (binlog_row_image
 * MINIMAL/NOBLOB: `undefined` for a missing column) passes as it is. Throws, handing over nothing,
 * on an image that does not fit the table.
 */
export function rowChanges(table: RowChangeTable, ev: DataChangeEvent, target: RowChangeTarget): void {
  const width = table.width;
  const keys = table.keyIndexes;
  if (!keys) {
    if (ev.op !== 'delete') target.add('upsert', undefined, checkImage(ev, ev.after, 'after', width));
    return;
  }
  switch (ev.op) {
    case 'insert': {
      const after = checkImage(ev, ev.after, 'after', width);
      target.add('upsert', bufferKey(after, keys), after);
      return;
    }
    case 'update': {
      const after = checkImage(ev, ev.after, 'after', width);
      if (!ev.before) {
        target.add('upsert', bufferKey(after, keys), after);
        return;
      }
      const before = checkImage(ev, ev.before, 'before', width);
      const row = withKeysFrom(after, before, keys);
      const oldKey = bufferKey(before, keys);
      const newKey = bufferKey(row, keys);
      if (oldKey !== newKey) target.add('delete', oldKey, before);
      target.add('upsert', newKey, row);
      return;
    }
    case 'delete': {
      const before = checkImage(ev, ev.before, 'before', width);
      target.add('delete', bufferKey(before, keys), before);
      return;
    }
    default:
      assertNever(ev.op, 'row operation');
  }
}

/** The key an upsert event writes (rowChanges' last change), for a check before handing it over. */
export function upsertKey(table: RowChangeTable, ev: DataChangeEvent): BufferKey | undefined {
  const keys = table.keyIndexes;
  if (!keys || !ev.after || ev.after.length !== table.width) return undefined;
  const row =
    ev.before && ev.before.length === table.width ? withKeysFrom(ev.after, ev.before, keys) : ev.after;
  return keys.every((i) => row[i] !== undefined && row[i] !== null) ? bufferKey(row, keys) : undefined;
}

function checkImage(ev: DataChangeEvent, row: Row | null, what: string, width: number): Row {
  if (!row) throw new Error(`${ev.op} event without ${what} image`);
  if (row.length !== width) {
    throw new Error(`${what} image has ${row.length} values, the table schema ${width} columns`);
  }
  return row;
}

/** The after image with undefined key values taken from the before image (MINIMAL images). */
function withKeysFrom(after: Row, before: Row, keys: readonly number[]): Row {
  if (!keys.some((i) => after[i] === undefined)) return after;
  const out = [...after];
  for (const i of keys) if (out[i] === undefined) out[i] = before[i];
  return out;
}

/**
 * A row's key in the buffer: for one integer key column the value itself (a safe integer as a
 * number, so that 5 and 5n are one key; a Map compares bigints by value), which spares a string
 * per row; else rowKey. A column's values are all numbers/bigints or all something else: the
 * buffer is emptied before a schema change.
 */
export function bufferKey(row: Row, keys: readonly number[]): BufferKey {
  if (keys.length === 1) {
    const v = row[keys[0]!];
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
  }
  return rowKey(row, keys);
}
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The identity of a row's key: equal for equal key values (5 and 5n are one key). */
export function rowKey(row: Row, keys: readonly number[]): string {
  let k = '';
  for (const i of keys) {
    const v = row[i];
    if (v === undefined || v === null) throw new Error(`primary key column #${i + 1} has no value`);
    k += keyPart(v) + '\u0000';
  }
  return k;
}

function keyPart(v: Exclude<Value, null>): string {
  if (v instanceof Uint8Array) return 'b' + Buffer.from(v).toString('hex');
  switch (typeof v) {
    case 'bigint':
    case 'number':
      return 'n' + v.toString();
    case 'boolean':
      return v ? 'n1' : 'n0';
    case 'string':
      return 's' + v;
    default:
      return assertNever(v, 'key value');
  }
}
