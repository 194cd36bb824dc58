import type { DuckDBAppender, DuckDBDataChunk } from '@duckdb/node-api';
import type { Row } from '../../event/change-event.js';
import type { Value } from '../../event/column-type.js';
import type { BufferKey, RowChangeTarget } from '../../runtime/row-changes.js';
import type { StagingChunkWriter } from './duckdb-chunk-writer.js';
import { indexKeyBytes, inPlaceUpdateBytes, rowBytes, valueBytes } from './duckdb-transaction-footprint.js';

/** Op codes of the staging table: upsert, delete, and from OP_PARTIAL on one per partial-image mask. */
export const OP_UPSERT = 0;
export const OP_DELETE = 1;
export const OP_PARTIAL = 2;

/** The table a batch stages rows of. */
export interface BatchTable {
  /** Schema column indexes of the DuckDB primary key (upsert table), or undefined (append). */
  readonly keyIndexes: readonly number[] | undefined;
  /** Columns of the schema (the width of every image). */
  readonly width: number;
}

/**
 * The row changes of one table for one write into DuckDB, staged column-wise as they arrive (see
 * StagingChunkWriter: no JavaScript row is kept), with what the write needs to know about them.
 * Every change is staged, in order, with its sequence number: when a key was staged twice
 * (`duplicates`), the write takes the last row per key (last write wins).
 */
export class TableBatch implements RowChangeTarget {
  /** Rows staged (each change of each key). */
  rows = 0;
  deletes = 0;
  /** Full upserts (partial images are counted per mask). */
  upserts = 0;
  /** Op code per partial-image mask ('1' for a column present). */
  readonly partialMasks = new Map<string, number>();
  /** Smallest and largest upserted key (one integer key column with key ranges). */
  lo: number | bigint | undefined;
  hi: number | bigint | undefined;
  /** Estimated bytes of the upserted rows (rowBytes), and each of them in order. */
  upsertBytes = 0;
  readonly upsertRowBytes: number[] = [];
  /** Estimated bytes of every row staged. */
  bytes = 0;
  /** What DuckDB holds until the commit: the rows replaced in place, or their keys in the index. */
  heldInPlace = 0;
  heldByKey = 0;
  duplicates = false;
  private readonly keys: Set<BufferKey> | undefined;

  constructor(
    readonly table: BatchTable,
    private readonly writer: StagingChunkWriter,
    /** The key column of integer key ranges, if the table keeps them. */
    private readonly rangeKey: number | undefined,
    private readonly onZero: (column: number, value: Value | undefined) => void,
  ) {
    this.keys = table.keyIndexes ? new Set() : undefined;
  }

  /** A change of `key` is staged. */
  has(key: BufferKey): boolean {
    return this.keys?.has(key) ?? false;
  }

  add(change: 'delete' | 'upsert', key: BufferKey | undefined, row: Row): void {
    const keys = this.table.keyIndexes;
    if (this.keys && key !== undefined) {
      if (this.keys.has(key)) this.duplicates = true;
      else this.keys.add(key);
    }
    const bytes = rowBytes(row);
    this.bytes += bytes;
    if (keys) this.heldByKey += indexKeyBytes(keyBytes(row, keys));
    if (change === 'delete') {
      this.deletes++;
      this.writer.add(row, OP_DELETE, this.rows++, this.onZero);
      return;
    }
    this.upsertBytes += bytes;
    this.upsertRowBytes.push(bytes);
    if (keys) this.heldInPlace += inPlaceUpdateBytes(bytes, this.table.width);
    if (this.rangeKey !== undefined) {
      const k = row[this.rangeKey] as number | bigint;
      if (this.lo === undefined || k < this.lo) this.lo = k;
      if (this.hi === undefined || k > this.hi) this.hi = k;
    }
    let op = OP_UPSERT;
    if (keys) op = this.opOf(row);
    else this.upserts++;
    this.writer.add(row, op, this.rows++, this.onZero);
  }

  /** The staged rows' chunks, once the batch is complete (the writer starts the next batch). */
  take(): DuckDBDataChunk[] {
    return this.writer.take();
  }

  /** Appends chunks this batch took (the writer keeps one for reuse). */
  append(appender: DuckDBAppender, chunks: readonly DuckDBDataChunk[]): void {
    this.writer.append(appender, chunks);
  }

  /** An upsert's op code: a full image, or the code of its partial image's mask. */
  private opOf(row: Row): number {
    if (!row.includes(undefined)) {
      this.upserts++;
      return OP_UPSERT;
    }
    const mask = row.map((v) => (v === undefined ? '0' : '1')).join('');
    let code = this.partialMasks.get(mask);
    if (code === undefined) this.partialMasks.set(mask, (code = OP_PARTIAL + this.partialMasks.size));
    return code;
  }
}

/** rowBytes of a row's key values. */
function keyBytes(row: Row, keys: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < keys.length; i++) n += valueBytes(row[keys[i]!]);
  return n;
}
