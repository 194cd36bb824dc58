import type { FieldPacket } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import type { DataChangeEvent, Row } from '../../../event/change-event.js';
import { tableIdToString } from '../../../event/table-schema.js';
import { TidemarkError, errorMessage } from '../../../event/tidemark-error.js';
import type { Logger } from '../../../runtime/logger.js';
import type { SourceRecord } from '../../../runtime/source.js';
import { BinlogClient } from '../binlog-client.js';
import { BinlogChangeReader } from '../binlog-change-reader.js';
import { BinlogDecoder } from '../binlog/binlog-decoder.js';
import type { MysqlConnectionOptions } from '../mysql-connection.js';
import { currentBinlogPosition } from '../server-checks.js';
import { snapshotSelectSql, valueTypeCast } from '../snapshot-reader.js';
import {
  compareKeys,
  keyOf,
  keyText,
  orderBy,
  rangeCondition,
  rangeContains,
  describeRange,
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
}

/** The binlog end (file and offset only): the watermark of a chunk. */
export async function binlogPosition(conn: Connection): Promise<BinlogPos> {
  const p = await currentBinlogPosition(conn, { withGtid: false });
  return { file: p.file, pos: p.pos };
}

/**
 * Reads one chunk without locks, DBLog-style: low watermark (binlog end), a plain SELECT of the
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
      const lw = await binlogPosition(conn);
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
        if (r.lo !== null && compareKeys(key, r.lo, cut) === 0) {
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
    await ts.weigher?.weigh(
      conn,
      rows.slice(-step).map((r) => keyOf(key, r)),
    );
    for (let i = 0; i < step && rows.length > 0; i++) {
      if (compareKeys(key, keyOf(key, rows[rows.length - 1]!), cut) !== 0) return;
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
    throw new TidemarkError(
      'SOURCE_QUERY',
      `snapshot of ${ts.table}: reading a chunk failed: ${errorMessage(e)}`,
      {
        cause: e,
        retryable: true,
        details: { table: ts.table },
      },
    );
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

/**
 * Replays the binlog [lw, hw) of the chunk's table onto its rows. Rows are matched by their exact
 * key values (keyText): a row image holds the stored value exactly, so the replay in binlog order
 * ends with the row's last image, even where the collation makes 'a' and 'A' one key. Whether an
 * event's key lies in the chunk is the server's order (its keys are weighed on `conn` first).
 */
async function backfill(
  conn: Connection,
  ts: TableSnapshot,
  range: KeyRange,
  rows: Row[],
  lw: BinlogPos,
  hw: BinlogPos,
  opts: ChunkReaderOptions,
): Promise<{ rows: Row[]; touched: boolean }> {
  const key = ts.key!;
  let touched = false;
  // identity: the key when it is unique, else the whole row (a multiset of rows)
  const ident = (r: Row): string => (key.unique ? keyText(keyOf(key, r)) : keyText(r));
  const map = new Map<string, Row[]>();
  for (const r of rows) {
    const id = ident(r);
    const list = map.get(id);
    if (list) list.push(r);
    else map.set(id, [r]);
  }
  const inRange = (r: Row | null): r is Row => r !== null && rangeContains(key, range, keyOf(key, r));
  const apply = (ev: DataChangeEvent): void => {
    if (inRange(ev.before) || inRange(ev.after)) touched = true;
    if (inRange(ev.before)) {
      const id = ident(ev.before);
      const list = map.get(id);
      if (list) {
        if (key.unique || list.length <= 1) map.delete(id);
        else list.pop();
      }
    }
    if (inRange(ev.after)) {
      const id = ident(ev.after);
      const list = map.get(id);
      if (key.unique || !list) map.set(id, [ev.after]);
      else list.push(ev.after);
    }
  };
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
      await ts.weigher?.weigh(
        conn,
        out.flatMap((rec) =>
          rec.kind === 'data'
            ? [rec.before && keyOf(key, rec.before), rec.after && keyOf(key, rec.after)]
            : [],
        ),
      );
      for (const rec of out) {
        if (rec.kind === 'data') apply(rec);
        else if (rec.kind === 'schema') {
          throw new TidemarkError(
            'SOURCE_SCHEMA',
            `table ${ts.table} changed its schema (${rec.change.type}) at ${rec.meta.location ?? '?'} while chunk ${describeRange(range)} was read; ` +
              'schema changes of a table during its snapshot are not supported: run the snapshot again once the change is done',
            { details: { table: ts.table, position: rec.meta.location } },
          );
        }
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
  return { rows: [...map.values()].flat(), touched };
}
