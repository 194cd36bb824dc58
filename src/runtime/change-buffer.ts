import type { DataChangeEvent, Row } from '../event/change-event.js';
import { assertNever, type Value } from '../event/column-type.js';

/** The change a sink writes for one key: the newest image, or its deletion, and its size (rowBytes). */
export interface BufferedChange {
  readonly op: 'delete' | 'upsert';
  readonly row: Row;
  readonly bytes: number;
}

/** How the buffer treats one sink table. */
export interface BufferedTable {
  /** For error messages, e.g. `app_db.orders`. */
  readonly label: string;
  /** Columns of the schema the rows follow: every image has exactly this many values. */
  readonly width: number;
  /**
   * Key columns: the buffer keeps the last change per key (an upsert table). Undefined: an append
   * table, whose inserts and updates append the after image and whose deletes are dropped.
   */
  readonly keyIndexes: readonly number[] | undefined;
}

/** The buffered changes of one table, taken together. */
export interface TableChanges<T extends BufferedTable> {
  readonly table: T;
  /** Upsert tables: the last change per key (see rowKey). */
  readonly byKey: ReadonlyMap<string, BufferedChange>;
  /** Append tables: the after images in order. */
  readonly rows: readonly Row[];
  /** The size of each of `rows` (rowBytes). */
  readonly rowBytes: readonly number[];
}

export interface ChangeBufferLimits {
  /** Entries (keys of upsert tables, rows of append tables) at which the buffer is full. */
  readonly maxRows: number;
  /** Estimated bytes at which it is full (rows with large values). */
  readonly maxBytes: number;
  /** The estimated size of a row (undefined values: a partial image's missing columns). */
  readonly rowBytes: (row: readonly (Value | undefined)[]) => number;
}

interface Pending {
  byKey: Map<string, BufferedChange>;
  rows: Row[];
  rowBytes: number[];
}

/**
 * The rows a sink has been given and not yet written, bounded: per key only the last change
 * (last write wins), an update that moves a key deletes the old one, a partial image
 * (binlog_row_image MINIMAL/NOBLOB: `undefined` for a missing column) is completed from the
 * buffered image of its key. A sink writes when `full`, and takes everything before it flushes
 * or changes a schema, so that its writes keep the order of the calls.
 */
export class ChangeBuffer<T extends BufferedTable> {
  private readonly pending = new Map<T, Pending>();
  private entries = 0;
  private bytes = 0;

  constructor(private readonly limits: ChangeBufferLimits) {}

  /** Entries buffered (keys of upsert tables, rows of append tables). */
  get size(): number {
    return this.entries;
  }

  get full(): boolean {
    return this.entries >= this.limits.maxRows || this.bytes >= this.limits.maxBytes;
  }

  /** Buffers one row event of `table`; throws (buffering nothing) on an image that does not fit. */
  add(table: T, ev: DataChangeEvent): void {
    const width = table.width;
    const keys = table.keyIndexes;
    if (ev.op === 'insert' && keys) {
      // the common case first, before the closure below is made
      this.upsert(table, checkImage(ev, ev.after, 'after', width), keys);
      return;
    }
    const check = (row: Row | null, what: string): Row => checkImage(ev, row, what, width);
    if (!keys) {
      if (ev.op === 'delete') return;
      const row = check(ev.after, 'after');
      const p = this.of(table);
      const bytes = this.limits.rowBytes(row);
      p.rows.push(row);
      p.rowBytes.push(bytes);
      this.entries++;
      this.bytes += bytes;
      return;
    }
    switch (ev.op) {
      case 'insert':
        this.upsert(table, check(ev.after, 'after'), keys);
        return;
      case 'update': {
        const after = check(ev.after, 'after');
        const before = ev.before ? check(ev.before, 'before') : undefined;
        if (before) {
          const oldKey = rowKey(before, keys);
          const afterKey = rowKey(withKeysFrom(after, before, keys), keys);
          if (oldKey !== afterKey) this.set(table, oldKey, 'delete', before);
        }
        this.upsert(table, before ? withKeysFrom(after, before, keys) : after, keys);
        return;
      }
      case 'delete': {
        const before = check(ev.before, 'before');
        this.set(table, rowKey(before, keys), 'delete', before);
        return;
      }
      default:
        assertNever(ev.op, 'row operation');
    }
  }

  /** Takes every buffered change, per table; the buffer is empty afterwards. */
  take(): TableChanges<T>[] {
    const out = [...this.pending].map(([table, p]) => ({
      table,
      byKey: p.byKey,
      rows: p.rows,
      rowBytes: p.rowBytes,
    }));
    this.clear();
    return out;
  }

  /** Drops everything buffered (the sink rolled back). */
  clear(): void {
    this.pending.clear();
    this.entries = 0;
    this.bytes = 0;
  }

  private of(table: T): Pending {
    let p = this.pending.get(table);
    if (p === undefined) this.pending.set(table, (p = { byKey: new Map(), rows: [], rowBytes: [] }));
    return p;
  }

  private upsert(table: T, row: Row, keys: readonly number[]): void {
    const key = rowKey(row, keys);
    let merged = row;
    if (row.includes(undefined)) {
      // a partial image: fill from the buffered image of the key
      const prev = this.pending.get(table)?.byKey.get(key);
      if (prev?.op === 'upsert') merged = row.map((v, i) => (v === undefined ? prev.row[i] : v));
    }
    this.set(table, key, 'upsert', merged);
  }

  private set(table: T, key: string, op: BufferedChange['op'], row: Row): void {
    const byKey = this.of(table).byKey;
    const had = byKey.delete(key);
    const bytes = this.limits.rowBytes(row);
    byKey.set(key, { op, row, bytes });
    if (!had) this.entries++;
    if (op === 'upsert') this.bytes += bytes;
  }
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
