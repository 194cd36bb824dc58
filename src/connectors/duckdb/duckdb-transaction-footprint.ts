/**
 * What the open DuckDB transaction of the sink needs DuckDB to hold in memory at once, estimated
 * from the rows written into it: the measure the default memory_limit follows while a transaction
 * is open (DuckDbMemoryLimit), and what an out-of-memory error names.
 *
 * Why: DuckDB works on vectors of 2048 rows. Committing a transaction appends its new rows to the
 * table (or checkpoints them) 2048 at a time, and each such vector of rows, with its BLOB and TEXT
 * values, must be in memory at once: a transaction of 50 rows of 1 MB needs ~50 MB pinned at its
 * commit, one of 20000 rows of 10 KB only ~20 MB. Everything else the transaction holds (its rows,
 * the staging table) DuckDB spills to the temporary directory, except what it holds until the
 * commit: rows updated in place (the old and the new values, ~2.5 times their bytes) and the keys
 * added to a primary-key index (~48 bytes and the key). Writing one batch pins the batch's rows
 * up to three times (the appender's buffer, the staging table, the rows inserted). Rows are counted
 * in the order they are inserted, per table, as DuckDB stores them.
 */
import { CHUNK_ROWS } from './duckdb-chunk-writer.js';
import type { Value } from '../../event/column-type.js';

/** Bytes a value takes beyond its fixed-width part, and 16 (DuckDB's string header / a number). */
export function valueBytes(v: Value | undefined): number {
  if (typeof v === 'string') return 16 + (v.length < 1024 ? v.length : Buffer.byteLength(v));
  if (v instanceof Uint8Array) return 16 + v.byteLength;
  return 16;
}

/** What DuckDB holds until the commit for a row of `bytes` (rowBytes) updated in place. */
export function inPlaceUpdateBytes(bytes: number, width: number): number {
  return 48 + Math.ceil(2.5 * Math.max(0, bytes - 16 * width));
}

/** What a primary-key index holds until the commit for a key of `keyBytes` (see valueBytes). */
export function indexKeyBytes(keyBytes: number): number {
  return 32 + keyBytes;
}

/** Bytes of a row (see valueBytes). */
export function rowBytes(row: readonly (Value | undefined)[]): number {
  let n = 0;
  for (const v of row) n += valueBytes(v);
  return n;
}

/** The rows of one table inserted by the open transaction: the vector being filled. */
export interface TableFootprint {
  /** Counts one inserted row of `bytes`. */
  insert(bytes: number): void;
}

export class TransactionFootprint {
  private readonly tables = new Map<string, TableFootprint>();
  private largestVector = 0;
  private largestBatch = 0;
  private total = 0;
  private held = 0;

  /** The tracker of table `key` (its vectors continue across batches of the transaction). */
  table(key: string): TableFootprint {
    let t = this.tables.get(key);
    if (t === undefined) {
      let rows = 0;
      let vector = 0;
      t = {
        insert: (bytes: number): void => {
          if (rows % CHUNK_ROWS === 0) vector = 0;
          rows++;
          vector += bytes;
          this.total += bytes;
          if (vector > this.largestVector) this.largestVector = vector;
        },
      };
      this.tables.set(key, t);
    }
    return t;
  }

  /** Counts bytes DuckDB holds in memory until the commit (in-place updates, index keys). */
  hold(bytes: number): void {
    this.held += bytes;
  }

  /** Counts a batch about to be written (all its rows, `bytes` in all). */
  batch(bytes: number): void {
    if (bytes > this.largestBatch) this.largestBatch = bytes;
  }

  /** The largest 2048-row vector of inserted rows: what the commit must hold at once. */
  get commitBytes(): number {
    return this.largestVector;
  }

  /** Bytes of all rows the transaction inserted. */
  get totalBytes(): number {
    return this.total;
  }

  /** Bytes DuckDB holds until the commit (see hold). */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * What DuckDB must hold at once for the transaction: what it holds until the commit, the vector
   * of new rows being filled, and the batch being written (the appender and the staging table).
   */
  get neededBytes(): number {
    return this.held + this.largestVector + 2 * this.largestBatch;
  }

  /** Starts over for the next transaction. */
  reset(): void {
    this.tables.clear();
    this.largestVector = 0;
    this.largestBatch = 0;
    this.total = 0;
    this.held = 0;
  }
}
