/**
 * DuckDB's memory_limit for the sink when the pipeline sets none: a small budget for buffers, plus
 * what the primary-key indexes need.
 *
 * Why: an ART index (what a PRIMARY KEY is) must fit in DuckDB's memory, and a commit that
 * checkpoints a changed index loads all of it. It takes ~8 bytes a key for sequential BIGINTs and
 * ~66 for 32-character strings. With a fixed 128 MB limit, a table stopped accepting rows at ~14M
 * BIGINT keys or ~1.6M string keys ("failed to pin block"). DuckDB's own default (80% of RAM) would
 * let its buffer pool keep every block the sink wrote instead. So the limit follows the indexes: it
 * is raised, never lowered, at open and after each commit.
 *
 * The index size is measured on disk — used blocks of the file minus the blocks of table data —
 * because a checkpointed index is not in memory until something loads it; the ART memory in use
 * (duckdb_memory) counts too, for indexes not checkpointed yet, and so do committed rows not yet
 * checkpointed (IN_MEMORY_TABLE: they cannot be evicted either).
 *
 * While a transaction is open, the limit also covers what DuckDB must hold at once to write and
 * commit it (TransactionFootprint: the largest vector of 2048 new rows, large values included):
 * raised before a batch is written, set back to the indexes' limit after the commit.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from './quote-ident.js';

/** Index bytes are re-measured (a per-table storage scan) once the file grew by this fraction. */
const REMEASURE_GROWTH = 0.05;

export interface MemoryLimitChange {
  /** The new memory_limit, bytes. */
  readonly limitBytes: number;
  /** What the primary-key indexes take, bytes (on disk or loaded, the larger). */
  readonly indexBytes: number;
  /** Committed rows not checkpointed yet, bytes (held in memory until the next checkpoint). */
  readonly unflushedBytes: number;
}

/** DuckDB's memory_limit when the pipeline sets none (duckdb-sink-options.ts), before the indexes' share. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 128 * 1024 * 1024;

/** Bytes of a memory_limit text as DuckDB reads it: `512MB` (10^6), `2GiB` (2^30); undefined if no size. */
export function memoryLimitBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT])(i?)B\s*$/i.exec(text);
  if (!m) return undefined;
  const power = 'KMGT'.indexOf(m[2]!.toUpperCase()) + 1;
  return Math.round(Number(m[1]) * (m[3] ? 1024 : 1000) ** power);
}

export class DuckDbMemoryLimit {
  private limit: number;
  /** The memory_limit in force when the open transaction raised it above `limit`. */
  private transactionLimit: number | undefined;
  /** Indexes and unflushed rows of the last measurement, bytes. */
  private pinned = 0;
  /** Used blocks of the file and the index bytes measured then. */
  private measuredAt = -1;
  private indexOnDisk = 0;
  private lastIndexBytes = 0;
  /** Per table (quoted name): its estimated row count and data blocks when last scanned. */
  private tableBlocks = new Map<string, { rows: number; blocks: number }>();

  /** `baseBytes`: the limit when there is no index (also the floor). */
  constructor(private readonly baseBytes: number) {
    this.limit = baseBytes;
  }

  /** The index bytes of the last measurement (on disk or loaded, the larger). */
  get indexBytes(): number {
    return this.lastIndexBytes;
  }

  /** The limit in force, bytes. */
  get limitBytes(): number {
    return this.transactionLimit ?? this.limit;
  }

  /** The limit to suggest for a transaction that needs `transactionBytes` at once, with the default base. */
  static suggested(transactionBytes: number): number {
    return new DuckDbMemoryLimit(DEFAULT_MEMORY_LIMIT_BYTES).limitFor(transactionBytes);
  }

  /** Bytes DuckDB should be allowed when `pinnedBytes` (indexes, unflushed rows) cannot be evicted. */
  limitFor(pinnedBytes: number): number {
    // Half the base plus a tenth of the pinned bytes is head-room for the next transaction's keys
    // and a checkpoint's buffers; more would only let DuckDB cache more table blocks (RSS).
    return Math.max(
      this.baseBytes,
      Math.ceil(this.baseBytes / 2) + pinnedBytes + Math.ceil(pinnedBytes / 10),
    );
  }

  /**
   * Measures the indexes and raises memory_limit when they need more. Returns the change, or
   * undefined when the limit stays. Runs on the sink's connection between its statements.
   */
  async adjust(conn: DuckDBConnection): Promise<MemoryLimitChange | undefined> {
    const size = await conn.runAndReadAll(
      'SELECT used_blocks, block_size FROM pragma_database_size() WHERE database_name = current_database()',
    );
    const [usedRaw, blockRaw] = size.getRowsJS()[0] ?? [0, 0];
    const used = Number(usedRaw);
    const blockSize = Number(blockRaw);
    if (this.measuredAt < 0 || used - this.measuredAt > REMEASURE_GROWTH * this.measuredAt) {
      this.indexOnDisk = Math.max(0, used - (await this.tableDataBlocks(conn))) * blockSize;
      this.measuredAt = used;
    }
    // Blocks added since the last measurement may all be index: count them until the next one.
    const onDisk = this.indexOnDisk + Math.max(0, used - this.measuredAt) * blockSize;
    const mem = await conn.runAndReadAll(
      "SELECT tag, memory_usage_bytes FROM duckdb_memory() WHERE tag IN ('ART_INDEX', 'IN_MEMORY_TABLE')",
    );
    let loaded = 0;
    let unflushed = 0;
    for (const [tag, bytes] of mem.getRowsJS()) {
      if (tag === 'ART_INDEX') loaded = Number(bytes);
      else unflushed = Number(bytes);
    }
    // Rows committed but not yet checkpointed stay in memory too (up to the WAL's checkpoint size).
    const indexBytes = Math.max(onDisk, loaded);
    this.lastIndexBytes = indexBytes;
    this.pinned = indexBytes + unflushed;
    const want = this.limitFor(this.pinned);
    if (want <= this.limit) return undefined;
    await conn.run(`SET memory_limit = '${want}B'`);
    this.limit = want;
    return { limitBytes: want, indexBytes, unflushedBytes: unflushed };
  }

  /**
   * Raises memory_limit (never lowers it) so that the open transaction, which needs
   * `transactionBytes` at once besides the indexes, fits. Returns the change, or undefined.
   */
  async fitTransaction(
    conn: DuckDBConnection,
    transactionBytes: number,
  ): Promise<MemoryLimitChange | undefined> {
    const want = this.limitFor(this.pinned + transactionBytes);
    if (want <= this.limitBytes) return undefined;
    await conn.run(`SET memory_limit = '${want}B'`);
    this.transactionLimit = want;
    return {
      limitBytes: want,
      indexBytes: this.lastIndexBytes,
      unflushedBytes: this.pinned - this.lastIndexBytes,
    };
  }

  /** Sets memory_limit back to the indexes' limit after a transaction raised it (fitTransaction). */
  async endTransaction(conn: DuckDBConnection): Promise<void> {
    if (this.transactionLimit === undefined) return;
    this.transactionLimit = undefined;
    await conn.run(`SET memory_limit = '${this.limit}B'`);
  }

  /**
   * Blocks of the file that hold table data (every table of the database). A table whose row count
   * did not change since the last call keeps its count: with many tables, only those being written
   * are scanned. (Updates that rewrite blocks then count as index: the limit only comes out higher.)
   */
  private async tableDataBlocks(conn: DuckDBConnection): Promise<number> {
    const tables = await conn.runAndReadAll(
      'SELECT database_name, schema_name, table_name, estimated_size FROM duckdb_tables() ' +
        'WHERE NOT temporary AND database_name = current_database()',
    );
    const seen = new Map<string, { rows: number; blocks: number }>();
    let blocks = 0;
    for (const row of tables.getRowsJS()) {
      const [d, s, t, size] = row as [string, string, string, bigint | number];
      // pragma_storage_info cannot name a table whose name holds a double quote: its data then
      // counts as index, which only makes the limit higher.
      if (d.includes('"') || s.includes('"') || t.includes('"')) continue;
      // catalog.schema.table: `schema.table` is ambiguous when a catalog has the schema's name
      const name = [d, s, t].map(quoteIdent).join('.');
      const rows = Number(size);
      let entry = this.tableBlocks.get(name);
      if (entry?.rows !== rows) {
        // A segment's block and its overflow blocks (BLOB/TEXT values too long for the segment)
        const r = await conn.runAndReadAll(
          'WITH s AS (SELECT block_id, additional_block_ids FROM pragma_storage_info($1)) ' +
            'SELECT count(*) FROM (SELECT block_id FROM s WHERE block_id >= 0 ' +
            'UNION SELECT unnest(additional_block_ids) FROM s)',
          [name],
        );
        entry = { rows, blocks: Number(r.getRowsJS()[0]?.[0] ?? 0) };
      }
      seen.set(name, entry);
      blocks += entry.blocks;
    }
    this.tableBlocks = seen;
    return blocks;
  }
}
