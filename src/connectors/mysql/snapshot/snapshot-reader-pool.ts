import type { Connection } from 'mysql2/promise';
import type { DataChangeEvent, Row } from '../../../event/change-event.js';
import type { TableId } from '../../../event/table-schema.js';
import { TidemarkError, errorMessage } from '../../../event/tidemark-error.js';
import type { Logger } from '../../../runtime/logger.js';
import { Signal } from '../../../runtime/signal.js';
import type { SourceRecord } from '../../../runtime/source.js';
import { openMysqlConnection, type MysqlConnectionOptions } from '../mysql-connection.js';
import { readTableSnapshot } from '../snapshot-reader.js';
import { FULL_RANGE, type KeyRange } from './chunk-key.js';
import { beginSnapshotRead, endSnapshotRead, readChunk, type ChunkOutput } from './chunk-reader.js';
import { ChunkSplitter } from './chunk-splitter.js';
import type { BinlogPos, TableSnapshot } from './snapshot-state.js';

/** A chunk ready to be emitted, or a table without split key to be streamed whole. */
export type QueueItem =
  | ({ readonly kind: 'chunk' } & ChunkOutput)
  | {
      readonly kind: 'whole';
      readonly table: TableSnapshot;
      readonly conn: Connection;
      readonly release: () => void;
    };

type Job =
  { ts: TableSnapshot; splitter: ChunkSplitter; range: KeyRange } | { ts: TableSnapshot; whole: true };

export interface SnapshotReaderPoolOptions {
  readonly connection: MysqlConnectionOptions;
  /** `pipeline.parallelism`: at most this many readers, each on its own connection. */
  readonly parallelism: number;
  /** Replica server ids of the readers' backfill binlog sessions: reader i uses the i-th. */
  readonly serverIds: readonly number[];
  /** `scan.incremental.snapshot.chunk.size`. */
  readonly chunkSize: number;
  /** `scan.incremental.snapshot.unbounded-chunk-first.enabled`. */
  readonly unboundedFirst: boolean;
  /** `scan.snapshot.fetch.size`: rows per emitted batch. */
  readonly fetchSize: number;
  /** MariaDB gives the binlog position of a consistent snapshot (chunk-reader beginSnapshotRead) */
  readonly exactSnapshot: boolean;
  /** Where the binlog stream starts: a whole-table read never starts before it (beginSnapshotRead). */
  readonly streamStart: BinlogPos;
  readonly logger: Logger;
  /** Aborted when the run ends: readers stop handing over work. */
  readonly signal: AbortSignal;
}

/**
 * The snapshot readers: up to `parallelism` of them take the next key range of an unfinished
 * table (ChunkSplitter), read it as a chunk (readChunk: watermarks and backfill) and queue it; the
 * queue holds a few chunks (bounded: readers wait for room), so the snapshot does not read ahead of
 * what is emitted. A table without split key is not read by its reader but handed over whole: its
 * rows are streamed when the item is emitted, on the reader's connection, which the reader keeps
 * until then. The first failure of a reader (or of other background work, see fail) stops the
 * others and is thrown by throwIfFailed.
 */
export class SnapshotReaderPool {
  /** True when some table's snapshot is unfinished: the pool has work. */
  readonly anyWork: boolean;
  private readonly queue: QueueItem[] = [];
  // wake-ups between the snapshot readers and the emitting loop
  private readonly queued = new Signal();
  private readonly space = new Signal();
  private readonly capacity: number;
  private failure: Error | undefined;
  private readersLeft = 0;
  private readonly splitters = new Map<string, ChunkSplitter>();
  private readonly wholeTaken = new Set<string>();

  constructor(
    private readonly snapshot: readonly TableSnapshot[],
    private readonly opts: SnapshotReaderPoolOptions,
  ) {
    this.capacity = Math.max(2, opts.parallelism);
    for (const ts of snapshot) {
      if (!ts.key) {
        if (!ts.complete) {
          opts.logger.warn(
            `table ${ts.table} has no primary key and no scan.incremental.snapshot.chunk.key-column: it is read in one ` +
              'streamed chunk, and its snapshot is at-least-once (rows written during the read may arrive twice)',
            { table: ts.table },
          );
        }
        continue;
      }
      this.splitters.set(
        ts.table,
        new ChunkSplitter(
          ts.id,
          ts.key,
          ts.gaps(),
          {
            chunkSize: opts.chunkSize,
            evenUpper: 1000,
            evenLower: 0.05,
            unboundedFirst: opts.unboundedFirst,
          },
          ts.rowsEstimated,
          ts.weigher,
        ),
      );
    }
    this.anyWork = snapshot.some((t) => !t.complete);
  }

  /** Starts the readers, when there is work. */
  start(): void {
    if (!this.anyWork) return;
    const { snapshot, opts } = this;
    const n = Math.min(opts.parallelism, Math.max(1, snapshot.length * 1000));
    this.readersLeft = n;
    for (let i = 0; i < n; i++) {
      void this.reader(i)
        .catch((e: unknown) => {
          if (!opts.signal.aborted) this.fail(e);
        })
        .finally(() => {
          this.readersLeft--;
          this.queued.notify();
        });
    }
    for (const ts of snapshot) {
      if (ts.finishedCount > 0 && !ts.complete) {
        opts.logger.info('snapshot resumed: finished chunks are not read again', {
          table: ts.table,
          finishedRanges: ts.finishedCount,
        });
      }
    }
    opts.logger.info('snapshot started', {
      tables: snapshot.filter((t) => !t.complete).map((t) => t.table),
      readers: n,
      chunkSize: opts.chunkSize,
    });
  }

  /** True while a reader may still queue items. */
  get reading(): boolean {
    return this.readersLeft > 0;
  }

  get hasItems(): boolean {
    return this.queue.length > 0;
  }

  /** The next queued item (room for a waiting reader), if any. */
  take(): QueueItem | undefined {
    const item = this.queue.shift();
    if (item) this.space.notify();
    return item;
  }

  /** Resolves when an item is queued or a reader ends. */
  whenQueued(): Promise<void> {
    return this.queued.wait();
  }

  /** Ends the run with `e` (the first failure wins): readers stop, throwIfFailed throws it. */
  fail(e: unknown): void {
    this.failure ??= e instanceof Error ? e : new TidemarkError('INTERNAL', errorMessage(e));
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * The rows of a taken item, in batches of the fetch size: a chunk's (then finished: its high
   * watermark decides from now on), or a whole table's, read now on the connection its reader
   * handed over, with a progress record now and then. False when the run stopped meanwhile.
   */
  async *emit(
    item: QueueItem,
    progress: () => SourceRecord,
  ): AsyncGenerator<readonly SourceRecord[], boolean> {
    const { fetchSize, exactSnapshot, signal } = this.opts;
    const ts = item.table;
    if (item.kind === 'chunk') {
      for (let i = 0; i < item.rows.length; i += fetchSize) {
        yield item.rows.slice(i, i + fetchSize).map((r) => snapshotRow(ts.id, r));
      }
      ts.rowsRead += item.rows.length;
      ts.finish(item.chunk, item.hw);
      return true;
    }
    try {
      const lw = await beginSnapshotRead(item.conn, ts.table, exactSnapshot, this.opts.streamStart);
      const chunk = ts.begin(FULL_RANGE, lw);
      let lastProgress = Date.now();
      try {
        for await (const rows of readTableSnapshot(item.conn, ts.id, ts.schema, { fetchSize, signal })) {
          ts.rowsRead += rows.length;
          const out: SourceRecord[] = rows.map((r) => snapshotRow(ts.id, r));
          if (Date.now() - lastProgress > 1000) {
            lastProgress = Date.now();
            out.push(progress());
          }
          yield out;
        }
      } catch (e) {
        // stopped while the table was read: the read ends with the stop's AbortError, which
        // is no failure (the table stays unfinished, read again on restart)
        if (signal.aborted) return false;
        throw e;
      }
      await endSnapshotRead(item.conn, exactSnapshot);
      ts.finish(chunk, lw);
      return true;
    } finally {
      item.release();
    }
  }

  /** The run ends: queued items are dropped (a whole-table reader gets its connection back). */
  close(): void {
    for (const item of this.queue.splice(0)) if (item.kind === 'whole') item.release();
    this.space.notify();
  }

  private async nextJob(conn: Connection): Promise<Job | undefined> {
    for (const ts of this.snapshot) {
      if (ts.complete) continue;
      const sp = this.splitters.get(ts.table);
      if (sp) {
        if (sp.exhausted) continue;
        const range = await sp.next(conn);
        if (range) return { ts, splitter: sp, range };
      } else if (!this.wholeTaken.has(ts.table) && ts.gaps().length) {
        this.wholeTaken.add(ts.table);
        return { ts, whole: true };
      }
    }
    return undefined;
  }

  private async put(item: QueueItem): Promise<void> {
    const { signal } = this.opts;
    while (this.queue.length >= this.capacity && !signal.aborted) await this.space.wait();
    if (signal.aborted) {
      // nobody takes it any more (the queue was emptied on stopping): a whole-table reader
      // waiting for its release would keep its connection, and the process, alive
      if (item.kind === 'whole') item.release();
      return;
    }
    this.queue.push(item);
    this.queued.notify();
  }

  private async reader(index: number): Promise<void> {
    const { opts } = this;
    const { signal, logger } = opts;
    const conn = await openMysqlConnection(opts.connection, logger);
    try {
      for (;;) {
        if (signal.aborted || this.failure !== undefined) return;
        const job = await this.nextJob(conn);
        if (!job) return;
        if ('whole' in job) {
          await new Promise<void>(
            (release) => void this.put({ kind: 'whole', table: job.ts, conn, release }),
          );
          continue;
        }
        const out = await readChunk(conn, job.ts, job.range, job.splitter, {
          connection: opts.connection,
          serverId: opts.serverIds[index]!,
          maxRows: opts.chunkSize * 2,
          logger,
          signal,
          exactSnapshot: opts.exactSnapshot,
        });
        await this.put({ kind: 'chunk', ...out });
      }
    } finally {
      await conn.end().catch(() => undefined);
    }
  }
}

function snapshotRow(id: TableId, after: Row): DataChangeEvent {
  return { kind: 'data', tableId: id, op: 'insert', before: null, after, meta: { tsMs: 0, snapshot: true } };
}
