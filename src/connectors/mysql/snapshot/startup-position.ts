import type { Connection, RowDataPacket } from 'mysql2/promise';
import { TidemarkError } from '../../../event/tidemark-error.js';
import type { Logger } from '../../../runtime/logger.js';
import type { SourceRecord } from '../../../runtime/source.js';
import { BinlogClient } from '../binlog-client.js';
import { BinlogChangeReader } from '../binlog-change-reader.js';
import { BinlogDecoder } from '../binlog/binlog-decoder.js';
import type { BinlogEvent } from '../binlog/binlog-event.js';
import type { MysqlConnectionOptions } from '../mysql-connection.js';
import { currentBinlogPosition, listBinlogs } from '../server-checks.js';
import { formatPos, type BinlogPos } from './snapshot-state.js';

const ARTIFICIAL = 0x20;

export interface ScanOptions {
  readonly connection: MysqlConnectionOptions;
  readonly serverId: number;
  readonly logger: Logger;
}

/** The first binlog file the server still has, at its first event. */
export async function earliestPosition(conn: Connection): Promise<BinlogPos> {
  const files = await listBinlogs(conn);
  const first = files[0];
  if (!first) {
    throw new TidemarkError('SOURCE_BINLOG_CONFIG', 'SHOW BINARY LOGS lists no binlog file: is log_bin on?');
  }
  return { file: first.name, pos: 4 };
}

/**
 * `scan.startup.specific-offset.file`/`.pos` checked against the binlogs the server has: a file
 * it does not have (mistyped, purged, not written yet) or an offset past its end is an error
 * naming what it has, rather than a stream that waits at a position the server never reaches
 * (with `--exit-when-caught-up`, a run that ends at once and commits that position).
 */
export async function specificPosition(
  conn: Connection,
  file: string,
  pos: number,
  where: string,
): Promise<BinlogPos> {
  const files = await listBinlogs(conn);
  const found = files.find((f) => f.name === file);
  const has =
    files.length === 0 ? 'none' : `${files[0]!.name} (oldest) … ${files[files.length - 1]!.name} (newest)`;
  if (!found) {
    throw new TidemarkError(
      'SOURCE_POSITION_LOST',
      `scan.startup.specific-offset.file ${file}: ${where} has no such binlog file (it has ${has}); give one it has, or another scan.startup.mode`,
      { details: { file } },
    );
  }
  if (pos > found.size) {
    throw new TidemarkError(
      'SOURCE_POSITION_LOST',
      `scan.startup.specific-offset.pos ${pos} is past the end of ${file} on ${where} (${found.size} bytes)`,
      { details: { file, pos } },
    );
  }
  return { file, pos };
}

function isTxStart(ev: BinlogEvent): boolean {
  return ev.type === 'gtid' || (ev.type === 'query' && ev.sql.trim().toUpperCase().startsWith('BEGIN'));
}

/**
 * Reads the binlog from `start` (non-blocking: up to its current end) and returns the start of
 * the first transaction for which `stop` says yes, or undefined at the end of the log.
 */
async function scan(
  start: BinlogPos | { readonly mariadbGtid: string } | { readonly mysqlGtid: string },
  opts: ScanOptions,
  stop: (ev: BinlogEvent, timestampMs: number) => boolean,
  firstOnly = false,
): Promise<BinlogPos | undefined> {
  // From a GTID position the file and offset come with the server's first (fake) rotate.
  const from = 'file' in start ? start : { file: '', pos: 4 };
  const reader = new BinlogChangeReader({
    selector: { matches: () => false, patterns: [], notes: [] },
    start: { phase: 'binlog', file: from.file, pos: from.pos, schemas: [] },
    logger: opts.logger,
  });
  const decoder = new BinlogDecoder({ columnTypesFor: reader.columnTypesFor });
  const client = new BinlogClient({
    connection: opts.connection,
    serverId: opts.serverId,
    start,
    nonBlocking: true,
    sendAnnotateRows: false,
    logger: opts.logger,
  });
  try {
    for await (const buffers of client.events()) {
      for (const buf of buffers) {
        const at = reader.position;
        const ev = decoder.decode(buf, { file: at.file, pos: at.pos });
        const h = ev.header;
        const real = (h.flags & ARTIFICIAL) === 0 && h.timestamp !== 0;
        if (real && (firstOnly || (!reader.inTransaction && isTxStart(ev))) && stop(ev, h.timestamp * 1000)) {
          if (firstOnly) return { file: at.file, pos: h.timestamp };
          // The event's own offset: after a GTID start the stream skips events, so the reader's
          // position (the end of the last event it saw) may lag; MariaDB 11.4+ may write end_log_pos 0.
          return { file: at.file, pos: h.logPos > 0 ? h.logPos - h.eventSize : at.pos };
        }
        const out: SourceRecord[] = [];
        reader.process(ev, { file: at.file, pos: at.pos }, decoder, out);
      }
    }
    return undefined;
  } finally {
    await client.close();
  }
}

/** Seconds timestamp of the first event of a binlog file (its Format_description: the file's start). */
async function fileStartMs(file: string, opts: ScanOptions): Promise<number> {
  const r = await scan({ file, pos: 4 }, opts, () => true, true);
  return (r?.pos ?? 0) * 1000;
}

/**
 * `scan.startup.mode: timestamp`: the first transaction committed at or after `timestampMs`.
 * Binary search over the binlog files by the time of their first event, then a scan of the file
 * that may hold it (and the following ones). After the end of the log: the current end.
 */
export async function positionForTimestamp(
  conn: Connection,
  timestampMs: number,
  opts: ScanOptions,
): Promise<BinlogPos> {
  const files = await listBinlogs(conn);
  if (files.length === 0) {
    throw new TidemarkError('SOURCE_BINLOG_CONFIG', 'SHOW BINARY LOGS lists no binlog file: is log_bin on?');
  }
  let lo = 0;
  let hi = files.length - 1;
  // the last file whose first event is at or before the timestamp (or the first file)
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await fileStartMs(files[mid]!.name, opts)) <= timestampMs) lo = mid;
    else hi = mid - 1;
  }
  const found = await scan({ file: files[lo]!.name, pos: 4 }, opts, (_ev, ts) => ts >= timestampMs);
  if (found) {
    opts.logger.info('startup timestamp found in the binlog', {
      timestamp: new Date(timestampMs).toISOString(),
      position: formatPos(found),
    });
    return found;
  }
  await refuseFutureTimestamp(conn, timestampMs);
  const end = await currentBinlogPosition(conn);
  return { file: end.file, pos: end.pos };
}

/**
 * No event at or after the timestamp yet: fine when it has passed (the server was idle since), but
 * a timestamp still ahead of the server's clock would stream the transactions committed until then,
 * before it: refused (start the pipeline once it has passed, or use latest-offset).
 */
async function refuseFutureTimestamp(conn: Connection, timestampMs: number): Promise<void> {
  const [rows] = await conn.query<RowDataPacket[]>('SELECT UNIX_TIMESTAMP(NOW(3)) * 1000 AS now_ms');
  const nowMs = Number(rows[0]!.now_ms);
  if (timestampMs <= nowMs) return;
  throw new TidemarkError(
    'CONFIG_INVALID',
    `scan.startup.timestamp-millis ${timestampMs} (${new Date(timestampMs).toISOString()}) is ahead of the server's clock ` +
      `(${new Date(nowMs).toISOString()}): the changes committed until then would be read too. Start the pipeline ` +
      'once that time has passed, or use scan.startup.mode: latest-offset to start now',
    { details: { timestampMs, serverNowMs: nowMs } },
  );
}

/**
 * Where the first transaction after a GTID state starts on this server (or the current end):
 * MariaDB's GTID position (`0-1-42,1-2-7`), or MySQL's executed GTID set, whose transactions the
 * server skips (COM_BINLOG_DUMP_GTID). Exact with one replication stream (one MariaDB domain, or
 * transactions in the same order on every MySQL server).
 */
export async function positionAfterGtids(
  conn: Connection,
  gtids: { readonly mariadbGtid: string } | { readonly mysqlGtid: string },
  opts: ScanOptions,
): Promise<BinlogPos> {
  const found = await scan(gtids, opts, (ev) => ev.type === 'gtid' && ev.header.logPos > 0);
  if (found) return found;
  const end = await currentBinlogPosition(conn);
  return { file: end.file, pos: end.pos };
}
