import type { FieldPacket, RowDataPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import type { DataChangeEvent, Row } from '../../../event/change-event.js';
import { tableIdToString } from '../../../event/table-schema.js';
import { TidemarkError } from '../../../event/tidemark-error.js';
import type { Logger } from '../../../runtime/logger.js';
import type { SourceRecord } from '../../../runtime/source.js';
import { BinlogClient } from '../binlog-client.js';
import { BinlogChangeReader } from '../binlog-change-reader.js';
import { BinlogDecoder } from '../binlog/binlog-decoder.js';
import type { MysqlConnectionOptions } from '../mysql-connection.js';
import { currentBinlogPosition } from '../server-checks.js';
import { snapshotSelectSql, valueTypeCast } from '../snapshot-reader.js';
import { snapshotQueryError } from './snapshot-query-error.js';
import {
  compareKeys,
  eventKeys,
  keyOf,
  keyText,
  orderBy,
  rangeCondition,
  rangeContains,
  describeRange,
  type ChunkKey,
  type KeyRange,
  type KeyTuple,
} from './chunk-key.js';
import type { ChunkSplitter } from './chunk-splitter.js';
import {
  comparePos,
  formatPos,
  type ActiveChunk,
  type BinlogPos,
  type TableSnapshot,
} from './snapshot-state.js';

export interface ChunkOutput {
  readonly table: TableSnapshot;
  readonly chunk: ActiveChunk;
  readonly rows: Row[];
  readonly hw: BinlogPos;
}

export interface ChunkReaderOptions {
  readonly connection: MysqlConnectionOptions;
  /** Replica server id of this reader's backfill binlog sessions (unique per reader). */
  readonly serverId: number;
  /** Rows a chunk may hold before it is cut (the rest becomes a new chunk). */
  readonly maxRows: number;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** MariaDB: reads in a consistent snapshot at an exact binlog position (see beginSnapshotRead). */
  readonly exactSnapshot: boolean;
}

/** The binlog end (file and offset only): the watermark of a chunk. */
export async function binlogPosition(conn: Connection): Promise<BinlogPos> {
  const p = await currentBinlogPosition(conn, { withGtid: false });
  return { file: p.file, pos: p.pos };
}

/**
 * Starts the reads of a chunk and returns their low watermark: a binlog position such that the
 * reads see exactly the transactions before it. SHOW MASTER STATUS alone is not that: a
 * transaction is written to the binlog before InnoDB commits it, so a SELECT right after may miss
 * one that lies before the position, and the stream drops it as already in the chunk (a row
 * deleted at the source stays in the sink). On MariaDB the reads run in START TRANSACTION WITH
 * CONSISTENT SNAPSHOT, whose binlog_snapshot_file/position is exactly such a position. MySQL has
 * no such status: there the binlog end is used (see the README).
 */
export async function beginSnapshotRead(
  conn: Connection,
  table: string,
  exact: boolean,
  notBefore?: BinlogPos,
): Promise<BinlogPos> {
  if (!exact) return binlogPosition(conn);
  // A read whose rows the binlog stream cannot complete (no backfill: a whole-table read) must
  // not start before the stream's start: a transaction logged but not yet visible then would be
  // in neither. It becomes visible within moments: wait for it.
  for (let waited = 0; ; waited += 10) {
    const at = await consistentSnapshot(conn, table);
    if (!notBefore || comparePos(at, notBefore) >= 0) return at;
    await conn.query('ROLLBACK');
    if (waited >= 10_000) {
      throw new TidemarkError(
        'SOURCE_QUERY',
        `snapshot of ${table}: a consistent snapshot stayed at ${formatPos(at)}, before the binlog stream's start ${formatPos(notBefore)}, for 10 s`,
        { retryable: true, details: { table, position: formatPos(notBefore) } },
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function consistentSnapshot(conn: Connection, table: string): Promise<BinlogPos> {
  try {
    await conn.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const [rows] = await conn.query<RowDataPacket[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
    const v = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
    const file = v.get('binlog_snapshot_file');
    const pos = Number(v.get('binlog_snapshot_position'));
    if (!file || !Number.isInteger(pos)) throw new Error('binlog_snapshot_file/position are not set');
    return { file, pos };
  } catch (e) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw snapshotQueryError(e, table, 'starting a consistent snapshot read');
  }
}

/** Ends the reads begun by beginSnapshotRead. */
export async function endSnapshotRead(conn: Connection, exact: boolean): Promise<void> {
  if (exact) await conn.query('COMMIT');
}

/**
 * Reads one chunk without locks, DBLog-style: low watermark (beginSnapshotRead), a SELECT of the
 * chunk's key range (at most maxRows + 1 rows: a larger chunk is cut and its rest handed back to
 * the splitter), high watermark, then the binlog between the two watermarks is replayed onto the
 * rows of the chunk (upsert / delete by key), so that the chunk is the table's content at the high
 * watermark. Events of the chunk's keys before the high watermark are dropped by the stream.
 */
export async function readChunk(
  conn: Connection,
  ts: TableSnapshot,
  range: KeyRange,
  splitter: ChunkSplitter,
  opts: ChunkReaderOptions,
): Promise<ChunkOutput> {
  const key = ts.key!;
  const chunk = ts.begin(range);
  try {
    for (let attempt = 1; ; attempt++) {
      const lw = await beginSnapshotRead(conn, ts.table, opts.exactSnapshot);
      chunk.phase = 'reading';
      const r = chunk.range;
      const cond = rangeCondition(key, r);
      const sql =
        snapshotSelectSql(ts.id, ts.schema) +
        (cond ? ` WHERE ${cond}` : '') +
        ` ORDER BY ${orderBy(key)} LIMIT ${opts.maxRows + 1}`;
      let rows = await selectRows(conn, ts, sql);
      if (rows.length > opts.maxRows) {
        const cut = keyOf(key, rows[opts.maxRows]!);
        await ts.weigher?.weigh(conn, [cut]);
        if (cut.some((v) => v === null)) {
          // more than maxRows rows with a NULL chunk key (they sort first): they are one chunk
          const bound = await splitter.firstKeyAfterNulls(conn, r);
          if (bound) {
            chunk.range = { lo: r.lo, hi: bound };
            splitter.pushFront({ lo: bound, hi: r.hi });
          }
          const c = rangeCondition(key, chunk.range);
          rows = await selectRows(conn, ts, snapshotSelectSql(ts.id, ts.schema) + (c ? ` WHERE ${c}` : ''));
        } else if (r.lo !== null && compareKeys(key, r.lo, cut) === 0) {
          // more than maxRows rows share one value of a non-unique chunk key: read them all.
          rows = await selectRows(
            conn,
            ts,
            snapshotSelectSql(ts.id, ts.schema) + (cond ? ` WHERE ${cond}` : ''),
          );
        } else {
          rows = rows.slice(0, opts.maxRows);
          if (!key.unique) await dropKeyAtEnd(conn, ts, rows, cut);
          chunk.range = { lo: r.lo, hi: cut };
          splitter.pushFront({ lo: cut, hi: r.hi });
        }
      }
      await endSnapshotRead(conn, opts.exactSnapshot);
      chunk.phase = 'closing';
      const hw = await binlogPosition(conn);
      if (comparePos(hw, lw) <= 0) return { table: ts, chunk, rows, hw };
      const b = await backfill(conn, ts, chunk.range, rows, lw, hw, opts);
      // A non-unique key cannot tell whether the SELECT already saw a replayed row: read again
      // until no change of the chunk's keys falls between the watermarks.
      if (key.unique || !b.touched) return { table: ts, chunk, rows: b.rows, hw };
      if (attempt >= 10) {
        opts.logger.warn(
          `snapshot of ${ts.table}: chunk ${describeRange(chunk.range)} kept changing while it was read; ` +
            'rows changed meanwhile may arrive twice (the chunk key is not unique)',
          { table: ts.table },
        );
        return { table: ts, chunk, rows: b.rows, hw };
      }
    }
  } catch (e) {
    ts.abandon(chunk);
    if (opts.exactSnapshot) await conn.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * Drops the rows of key `cut` from the end of `rows` (sorted by key): they belong to the chunk
 * starting at `cut`. The server's equality decides ('a' = 'A' in a `_ci` collation), so the rows
 * at the end are weighed, a few at a time, until a smaller key shows.
 */
async function dropKeyAtEnd(conn: Connection, ts: TableSnapshot, rows: Row[], cut: KeyTuple): Promise<void> {
  const key = ts.key!;
  for (let step = 16; rows.length > 0; step *= 2) {
    const tail = rows.slice(-step).map((r) => keyOf(key, r));
    await ts.weigher?.weigh(conn, tail);
    while (tail.length > 0) {
      if (compareKeys(key, tail.pop()!, cut) !== 0) return;
      rows.pop();
    }
  }
}

async function selectRows(conn: Connection, ts: TableSnapshot, sql: string): Promise<Row[]> {
  const types = ts.schema.columns.map((c) => c.type);
  let result: [unknown, FieldPacket[]];
  try {
    result = await conn.query({ sql, rowsAsArray: true, typeCast: valueTypeCast(types) as never });
  } catch (e) {
    throw snapshotQueryError(e, ts.table, 'reading a chunk');
  }
  const [rows, fields] = result;
  if (fields.length !== types.length) {
    throw new TidemarkError(
      'SOURCE_SCHEMA',
      `snapshot of ${ts.table}: the server returned ${fields.length} columns, the schema has ${types.length}`,
      { details: { table: ts.table } },
    );
  }
  return rows as Row[];
}

/** Row events replayed at once: their keys are weighed in one query (see KeyWeigher). */
const REPLAY_BATCH = 512;

/**
 * The rows of a chunk with row events replayed onto them (upsert / delete by key). Rows are matched
 * by their exact key values (keyText): a row image holds the stored value exactly, so the replay in
 * binlog order ends with the row's last image, even where the collation makes 'a' and 'A' one key.
 * Whether an event's key lies in the chunk is the server's order (keys weighed in batches first).
 */
class ChunkReplay {
  touched = false;
  private readonly key: ChunkKey;
  private readonly map = new Map<string, Row[]>();
  private queued: DataChangeEvent[] = [];

  constructor(
    private readonly ts: TableSnapshot,
    private readonly range: KeyRange,
    rows: readonly Row[],
  ) {
    this.key = ts.key!;
    for (const r of rows) this.put(r, keyOf(this.key, r));
  }

  async add(conn: Connection, ev: DataChangeEvent): Promise<void> {
    this.queued.push(ev);
    if (this.queued.length >= REPLAY_BATCH) await this.flush(conn);
  }

  async flush(conn: Connection): Promise<void> {
    const events = this.queued;
    this.queued = [];
    const key = this.key;
    const keys = events.map((ev) => eventKeys(key, ev.before, ev.after));
    await this.ts.weigher?.weigh(
      conn,
      keys.flatMap((k) => [k.before, k.after]),
    );
    events.forEach((ev, i) => this.apply(ev, keys[i]!.before, keys[i]!.after));
  }

  rows(): Row[] {
    return [...this.map.values()].flat();
  }

  /** Identity: the key when it is unique, else the whole row (a multiset of rows). */
  private ident(r: Row, k: KeyTuple): string {
    return this.key.unique ? keyText(k) : keyText(r);
  }

  private put(r: Row, k: KeyTuple): void {
    const id = this.ident(r, k);
    const list = this.map.get(id);
    if (list && !this.key.unique) list.push(r);
    else this.map.set(id, [r]);
  }

  private apply(ev: DataChangeEvent, bk: KeyTuple | null, ak: KeyTuple | null): void {
    const before = ev.before && bk && rangeContains(this.key, this.range, bk);
    const after = ev.after && ak && rangeContains(this.key, this.range, ak);
    if (before || after) this.touched = true;
    if (before) {
      const id = this.ident(ev.before, bk);
      const list = this.map.get(id);
      if (list) {
        if (this.key.unique || list.length <= 1) this.map.delete(id);
        else list.pop();
      }
    }
    if (after) this.put(ev.after, ak);
  }
}

/** Replays the binlog [lw, hw) of the chunk's table onto its rows (see ChunkReplay). */
async function backfill(
  conn: Connection,
  ts: TableSnapshot,
  range: KeyRange,
  rows: Row[],
  lw: BinlogPos,
  hw: BinlogPos,
  opts: ChunkReaderOptions,
): Promise<{ rows: Row[]; touched: boolean }> {
  const replay = new ChunkReplay(ts, range, rows);
  const db = ts.id.schemaName ?? '';
  const name = ts.id.tableName;
  const reader = new BinlogChangeReader({
    selector: { matches: (d, t) => d === db && t === name, patterns: [], notes: [] },
    start: {
      phase: 'binlog',
      file: lw.file,
      pos: lw.pos,
      schemas: [{ table: ts.table, id: ts.id, schema: ts.schema }],
    },
    logger: opts.logger,
  });
  const decoder = new BinlogDecoder({ columnTypesFor: reader.columnTypesFor, skipRowsOf: reader.skipRowsOf });
  const client = new BinlogClient({
    connection: opts.connection,
    serverId: opts.serverId,
    start: { file: lw.file, pos: lw.pos },
    heartbeatSeconds: 5,
    sendAnnotateRows: false,
    logger: opts.logger,
  });
  const onAbort = (): void => void client.close();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  try {
    let reached = false;
    for await (const buffers of client.events()) {
      const out: SourceRecord[] = [];
      for (const buf of buffers) {
        reader.processRaw(decoder, buf, out);
        if (comparePos(reader.position, hw) >= 0) {
          reached = true;
          break;
        }
      }
      for (const rec of out) {
        if (rec.kind === 'data') await replay.add(conn, rec);
        else if (rec.kind === 'schema') throw schemaChanged(ts, range, rec.change.type, rec.meta.location);
      }
      if (reached) break;
    }
    if (!reached && !opts.signal.aborted) {
      throw new TidemarkError(
        'SOURCE_BINLOG_READ',
        `snapshot of ${ts.table}: the binlog ended at ${formatPos(reader.position)} before the chunk's high watermark ${formatPos(hw)}`,
        { retryable: true, details: { table: tableIdToString(ts.id), position: formatPos(hw) } },
      );
    }
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await client.close();
  }
  await replay.flush(conn);
  return { rows: replay.rows(), touched: replay.touched };
}

function schemaChanged(
  ts: TableSnapshot,
  range: KeyRange,
  change: string,
  at: string | undefined,
): TidemarkError {
  return new TidemarkError(
    'SOURCE_SCHEMA',
    `table ${ts.table} changed its schema (${change}) at ${at ?? '?'} while chunk ${describeRange(range)} was read; ` +
      'schema changes of a table during its snapshot are not supported: run the snapshot again once the change is done',
    { details: { table: ts.table, position: at } },
  );
}
