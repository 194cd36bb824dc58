/**
 * The replication transport: a mysql2 connection that registers as a replica and streams raw binlog
 * events (COM_REGISTER_SLAVE + COM_BINLOG_DUMP, or COM_BINLOG_DUMP_GTID for a MySQL GTID start and
 * for positions beyond 4 GiB). Events are handed over undecoded, each Buffer
 * starting at the 19-byte common header; decoding lives in ./binlog/.
 *
 * Flow control: at most `maxBufferedEvents` events / `maxBufferedBytes` bytes wait for the consumer
 * (plus what is left of the socket chunk being parsed when the limit is hit). Above that the socket
 * is paused, so TCP pushes back on the server; it resumes once the consumer has taken half.
 */
import mysql from 'mysql2';
import type { Connection as CallbackConnection } from 'mysql2';
import type { Socket } from 'node:net';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import type { Logger } from '../../runtime/logger.js';
import { GtidSet, MariadbGtidPosition } from './gtid-set.js';
import {
  describeEndpoint,
  mapMysqlError,
  mysqlConnectionConfig,
  type MysqlConnectionOptions,
} from './mysql-connection.js';

/** Size of the common binlog event header (v4). */
export const BINLOG_EVENT_HEADER_SIZE = 19;

/** Event type codes the transport itself looks at. */
export const BinlogEventType = {
  ROTATE: 4,
  FORMAT_DESCRIPTION: 15,
  HEARTBEAT: 27,
} as const;

/** COM_BINLOG_DUMP flags. */
export const BINLOG_DUMP_NON_BLOCK = 0x01;
export const BINLOG_SEND_ANNOTATE_ROWS_EVENT = 0x02;
/** COM_BINLOG_DUMP_GTID flag (MySQL): the GTID set block follows; start after those transactions. */
export const BINLOG_THROUGH_GTID = 0x04;

const COM_BINLOG_DUMP = 0x12;
const COM_BINLOG_DUMP_GTID = 0x1e;
const COM_REGISTER_SLAVE = 0x15;
/** MARIA_SLAVE_CAPABILITY_GTID: the server sends GTID events (not fake BEGIN queries). */
const MARIADB_SLAVE_CAPABILITY_GTID = 4;

export type BinlogStart =
  /** A file and offset; offsets beyond 4 GiB need COM_BINLOG_DUMP_GTID (MySQL only). */
  | { readonly file: string; readonly pos: number }
  /** MariaDB GTID list, e.g. "0-1-5,1-2-9": the server finds the file and offset. */
  | { readonly mariadbGtid: string }
  /**
   * MySQL GTID set (text as `gtid_executed` prints it, or a GtidSet): the server sends every
   * transaction not in the set (COM_BINLOG_DUMP_GTID), from the oldest binlog that has one.
   */
  | { readonly mysqlGtid: string | GtidSet };

export interface BinlogClientOptions {
  readonly connection: MysqlConnectionOptions;
  /** Our replica server id: unique among the replicas of the server. */
  readonly serverId: number;
  readonly start: BinlogStart;
  /** Heartbeat period the server is asked for; the connection counts as dead after 3 silent periods. Default 30. */
  readonly heartbeatSeconds?: number;
  /** End with EOF at the end of the log instead of waiting for new events (BINLOG_DUMP_NON_BLOCK). */
  readonly nonBlocking?: boolean;
  /** MariaDB: also send ANNOTATE_ROWS events (the SQL text of row events). Default true. */
  readonly sendAnnotateRows?: boolean;
  /** Pause the socket above this many unconsumed events (default 2000)... */
  readonly maxBufferedEvents?: number;
  /** ...or this many unconsumed bytes (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  /** At most this many events per yielded batch (default 1000). */
  readonly maxBatchEvents?: number;
  readonly logger?: Logger;
}

export interface BinlogClientStats {
  readonly bufferedEvents: number;
  readonly bufferedBytes: number;
  /** Largest bufferedEvents seen so far. */
  readonly maxBufferedEventsSeen: number;
  readonly maxBufferedBytesSeen: number;
  readonly eventsReceived: number;
  readonly bytesReceived: number;
  /** How often the socket was paused for back-pressure. */
  readonly pauses: number;
  readonly paused: boolean;
}

/** The part of a mysql2 Packet a command reads. */
interface IncomingPacket {
  buffer: Buffer;
  start: number;
  offset: number;
  end: number;
}

/** The part of the mysql2 connection internals a command uses. */
interface ConnectionInternals {
  stream: Socket;
  /** The server's handshake (MariaDB's version string reads like `5.5.5-10.11.6-MariaDB`). */
  _handshakePacket?: { serverVersion?: string };
  _resetSequenceId(): void;
  writePacket(packet: OutgoingPacket): void;
  addCommand(cmd: object): unknown;
}

/** What mysql2's writePacket needs: a buffer with 4 bytes reserved for the packet header. */
class OutgoingPacket {
  readonly buffer: Buffer;
  constructor(payload: Buffer) {
    this.buffer = Buffer.alloc(payload.length + 4);
    payload.copy(this.buffer, 4);
  }
  length(): number {
    return this.buffer.length;
  }
  writeHeader(sequenceId: number): void {
    this.buffer.writeUIntLE(this.buffer.length - 4, 0, 3);
    this.buffer[3] = sequenceId;
  }
}

interface ServerError {
  errno: number;
  sqlState: string;
  message: string;
}

function parseErrPacket(payload: Buffer): ServerError {
  const errno = payload.length >= 3 ? payload.readUInt16LE(1) : 0;
  let at = 3;
  let sqlState = '';
  if (payload[at] === 0x23 /* # */ && payload.length >= at + 6) {
    sqlState = payload.toString('latin1', at + 1, at + 6);
    at += 6;
  }
  return { errno, sqlState, message: payload.toString('utf8', at) };
}

/**
 * Receives one response packet: its payload is `buffer[start, end)`. The buffer is mysql2's
 * socket chunk (or a joined copy): slice what is kept.
 */
type PacketHandler = (buffer: Buffer, start: number, end: number) => boolean;

/**
 * A mysql2 command (duck-typed: mysql2 only calls execute() and onResult()) that sends one
 * command packet and then hands every response packet to `onPacket` until it returns true.
 */
class RawCommand {
  private started = false;
  constructor(
    private readonly payload: Buffer,
    private readonly onPacket: PacketHandler,
    /** Network errors / connection loss, called by mysql2. */
    readonly onResult: (err: unknown) => void,
  ) {}

  execute(packet: IncomingPacket | undefined, connection: ConnectionInternals): boolean {
    if (!this.started) {
      this.started = true;
      connection._resetSequenceId();
      connection.writePacket(new OutgoingPacket(this.payload));
      return false;
    }
    if (!packet) return false;
    return this.onPacket(packet.buffer, packet.offset, packet.end);
  }
}

function registerSlavePayload(serverId: number): Buffer {
  // [0x15] server_id(4) hostname(1+0) user(1+0) password(1+0) port(2) rank(4) master_id(4)
  const b = Buffer.alloc(18);
  b[0] = COM_REGISTER_SLAVE;
  b.writeUInt32LE(serverId, 1);
  return b;
}

function binlogDumpPayload(file: string, pos: number, flags: number, serverId: number): Buffer {
  const name = Buffer.from(file, 'utf8');
  const b = Buffer.alloc(11 + name.length);
  b[0] = COM_BINLOG_DUMP;
  b.writeUInt32LE(pos, 1);
  b.writeUInt16LE(flags, 5);
  b.writeUInt32LE(serverId, 7);
  name.copy(b, 11);
  return b;
}

/**
 * COM_BINLOG_DUMP_GTID (MySQL 5.6+): [0x1e] flags(2) server_id(4) name_len(4) name pos(8), then,
 * with a GTID set, BINLOG_THROUGH_GTID and data_size(4) + the encoded set (Gtid_set::encode).
 * Without a set it starts at file:pos, and pos may exceed 4 GiB.
 */
export function binlogDumpGtidPayload(
  file: string,
  pos: number,
  flags: number,
  serverId: number,
  gtids: GtidSet | undefined,
): Buffer {
  const name = Buffer.from(file, 'utf8');
  const set = gtids?.encode();
  const b = Buffer.alloc(1 + 2 + 4 + 4 + name.length + 8 + (set ? 4 + set.length : 0));
  let p = 0;
  b[p++] = COM_BINLOG_DUMP_GTID;
  p = b.writeUInt16LE(flags | (set ? BINLOG_THROUGH_GTID : 0), p);
  p = b.writeUInt32LE(serverId, p);
  p = b.writeUInt32LE(name.length, p);
  p += name.copy(b, p);
  p = b.writeBigUInt64LE(BigInt(pos), p);
  if (set) {
    p = b.writeUInt32LE(set.length, p);
    set.copy(b, p);
  }
  return b;
}

/** Maps an ERR packet of the dump/register commands to the error a source acts on. */
export function binlogServerError(err: ServerError, where: string, start: string): TidemarkError {
  const details = { errno: err.errno, sqlState: err.sqlState, start };
  const text = `${err.message} (error ${err.errno})`;
  if (err.errno === 1236) {
    if (
      /could not find first log file|purged|could not find GTID state|greater than|> file size|not found in binlog|Could not find/i.test(
        err.message,
      )
    ) {
      return new TidemarkError(
        'SOURCE_POSITION_LOST',
        `binlog position ${start} is no longer available on ${where}: ${text}. The binlog was purged or rotated away; start over with a new snapshot (or raise expire_logs_days / binlog_expire_logs_seconds)`,
        { details },
      );
    }
    return new TidemarkError(
      'SOURCE_BINLOG_READ',
      `the server stopped sending the binlog at ${start}: ${text}`,
      {
        details,
      },
    );
  }
  // The session is logged in already: MariaDB answers COM_REGISTER_SLAVE / COM_BINLOG_DUMP
  // without REPLICATION SLAVE with 1045 "Access denied", MySQL with 1227.
  if (err.errno === 1045 || err.errno === 1227 || err.errno === 1044) {
    return new TidemarkError(
      'SOURCE_PRIVILEGE',
      `reading the binlog on ${where} was refused: ${text}; GRANT REPLICATION SLAVE ON *.* TO the CDC user`,
      { details },
    );
  }
  // ER_UNKNOWN_COM_ERROR: MariaDB has no COM_BINLOG_DUMP_GTID (MySQL GTID sets, offsets > 4 GiB).
  if (err.errno === 1047) {
    return new TidemarkError(
      'SOURCE_BINLOG_CONFIG',
      `${where} does not understand the binlog dump command for start ${start}: ${text}. MariaDB takes ` +
        'a MariaDB GTID position (domain-server-sequence) or a file:offset below 4 GiB, not a MySQL GTID set',
      { details },
    );
  }
  return new TidemarkError('SOURCE_BINLOG_READ', `reading the binlog on ${where} failed: ${text}`, {
    retryable: true,
    details,
  });
}

/** Streams raw binlog events from a MySQL/MariaDB server. One client = one replication session. */
export class BinlogClient {
  private readonly opts: BinlogClientOptions;
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private readonly maxBatch: number;
  private readonly heartbeatMs: number;
  private readonly where: string;
  private readonly startText: string;

  /** Unconsumed events: queue[head..] */
  private queue: Buffer[] = [];
  private head = 0;
  private bufferedBytes = 0;
  private error: TidemarkError | undefined;
  private ended = false;
  private closed = false;
  private paused = false;
  private started = false;
  private conn: CallbackConnection | undefined;
  private socket: Socket | undefined;
  private wake: (() => void) | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private lastActivity = Date.now();
  private markClosed: () => void = () => undefined;
  private readonly closedSignal = new Promise<void>((resolve) => (this.markClosed = resolve));
  private counters = {
    maxBufferedEventsSeen: 0,
    maxBufferedBytesSeen: 0,
    eventsReceived: 0,
    bytesReceived: 0,
    pauses: 0,
  };

  constructor(opts: BinlogClientOptions) {
    if (!Number.isInteger(opts.serverId) || opts.serverId <= 0 || opts.serverId > 0xffffffff) {
      throw new TidemarkError(
        'CONFIG_INVALID',
        `server-id ${opts.serverId} must be an integer in 1..4294967295`,
      );
    }
    if ('file' in opts.start && (!Number.isSafeInteger(opts.start.pos) || opts.start.pos < 4)) {
      throw new TidemarkError(
        'CONFIG_INVALID',
        `binlog position ${opts.start.pos} must be an integer from 4 (up to 2^53-1)`,
      );
    }
    // Parse GTID starts now, so a typo is a configuration error and not a server error.
    if ('mariadbGtid' in opts.start) MariadbGtidPosition.parse(opts.start.mariadbGtid);
    this.mysqlGtid =
      'mysqlGtid' in opts.start
        ? typeof opts.start.mysqlGtid === 'string'
          ? GtidSet.parse(opts.start.mysqlGtid)
          : opts.start.mysqlGtid
        : undefined;
    this.opts = opts;
    this.maxEvents = Math.max(1, opts.maxBufferedEvents ?? 2000);
    this.maxBytes = Math.max(1, opts.maxBufferedBytes ?? 4 * 1024 * 1024);
    this.maxBatch = Math.max(1, opts.maxBatchEvents ?? 1000);
    this.heartbeatMs = Math.max(0.1, opts.heartbeatSeconds ?? 30) * 1000;
    this.where = describeEndpoint(opts.connection);
    this.startText =
      'file' in opts.start
        ? `${opts.start.file}:${opts.start.pos}`
        : 'mariadbGtid' in opts.start
          ? `GTID ${opts.start.mariadbGtid}`
          : `GTID set ${this.mysqlGtid?.toString() || '(empty)'}`;
  }

  private readonly mysqlGtid: GtidSet | undefined;

  stats(): BinlogClientStats {
    return {
      ...this.counters,
      bufferedEvents: this.queue.length - this.head,
      bufferedBytes: this.bufferedBytes,
      paused: this.paused,
    };
  }

  /**
   * Connects, registers and starts the dump (on the first call), then yields batches of raw events.
   * Ends after EOF (non-blocking mode) or close(); throws a TidemarkError on server or network errors.
   * Call it once.
   */
  events(): AsyncIterableIterator<Buffer[]> {
    if (this.started) throw new TidemarkError('INTERNAL', 'BinlogClient.events() may be called only once');
    this.started = true;
    const startup = this.connect().catch((e: unknown) => {
      this.fail(e instanceof TidemarkError ? e : mapMysqlError(e, this.opts.connection));
    });
    let startupDone = false;
    const iterator: AsyncIterableIterator<Buffer[]> = {
      next: async (): Promise<IteratorResult<Buffer[]>> => {
        if (!startupDone) {
          await Promise.race([startup, this.closedSignal]);
          startupDone = true;
        }
        return this.nextBatch();
      },
      return: async (): Promise<IteratorResult<Buffer[]>> => {
        await this.close();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Ends the session at once (destroys the socket); a pending next() resolves as done. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.ended = true;
      this.stopWatchdog();
      this.queue = [];
      this.head = 0;
      this.bufferedBytes = 0;
      this.dropConnection();
      this.markClosed();
      this.notify();
    }
    return Promise.resolve();
  }

  private async connect(): Promise<void> {
    const { opts } = this;
    const log = opts.logger;
    const conn = mysql.createConnection(mysqlConnectionConfig(opts.connection, log));
    this.conn = conn;
    const internals = conn as unknown as ConnectionInternals;
    this.socket = internals.stream;
    // Errors are reported through the commands; keep stray 'error' events from crashing the process.
    // Until the handshake is done, the connect callback reports errors.
    let connected = false;
    conn.on('error', (e: unknown) => {
      if (connected && !this.closed) this.fail(this.connectionLost(e));
    });
    if (this.closed) this.dropConnection();
    await new Promise<void>((resolve, reject) => {
      conn.connect((err: unknown) => (err ? reject(mapMysqlError(err, opts.connection)) : resolve()));
    });
    connected = true;
    const run = (sql: string, values?: unknown[]): Promise<void> =>
      new Promise((resolve, reject) => {
        conn.query(sql, values, (err: unknown) =>
          err ? reject(mapMysqlError(err, opts.connection)) : resolve(),
        );
      });
    // The server appends CRC32 checksums only when the replica says it understands them.
    await run('SET @master_binlog_checksum = @@global.binlog_checksum');
    // MySQL 8.0.26+ reads the new name first.
    await run('SET @source_binlog_checksum = @@global.binlog_checksum');
    await run(`SET @mariadb_slave_capability = ${MARIADB_SLAVE_CAPABILITY_GTID}`);
    await run(`SET @master_heartbeat_period = ${Math.round(this.heartbeatMs * 1e6)}`);
    let file = '';
    let pos = 4;
    if ('mariadbGtid' in opts.start) {
      await run('SET @slave_connect_state = ?', [opts.start.mariadbGtid]);
      await run('SET @slave_gtid_strict_mode = 0');
      await run('SET @slave_gtid_ignore_duplicates = 0');
    } else if ('file' in opts.start) {
      file = opts.start.file;
      pos = opts.start.pos;
    }
    if (this.closed) return;
    await this.command(registerSlavePayload(opts.serverId), (buffer, start, end) => {
      if (buffer[start] === 0xff) {
        throw binlogServerError(parseErrPacket(buffer.subarray(start, end)), this.where, this.startText);
      }
      return true;
    });
    if (this.closed) return;
    let flags = 0;
    if (opts.nonBlocking) flags |= BINLOG_DUMP_NON_BLOCK;
    const viaGtidCommand = this.mysqlGtid !== undefined || pos > 0xffffffff;
    // 0x02 means BINLOG_THROUGH_POSITION to COM_BINLOG_DUMP_GTID: only for MariaDB's COM_BINLOG_DUMP.
    // To MySQL (8.0.26+) the same bit asks for HEARTBEAT_V2 events: send it to MariaDB only.
    const mariadb = /mariadb/i.test(internals._handshakePacket?.serverVersion ?? '');
    if (!viaGtidCommand && mariadb && (opts.sendAnnotateRows ?? true))
      flags |= BINLOG_SEND_ANNOTATE_ROWS_EVENT;
    const dumpPayload = viaGtidCommand
      ? binlogDumpGtidPayload(file, pos, flags, opts.serverId, this.mysqlGtid)
      : binlogDumpPayload(file, pos, flags, opts.serverId);
    log?.debug('binlog dump starting', { start: this.startText, serverId: opts.serverId, flags });
    this.lastActivity = Date.now();
    // Any bytes count as life (a huge event may take longer than the heartbeat period to arrive).
    this.socket?.on('data', () => {
      this.lastActivity = Date.now();
    });
    this.startWatchdog();
    // The dump runs until EOF/ERR/close: not awaited.
    void this.command(dumpPayload, (buffer, start, end) => this.onDumpPacket(buffer, start, end)).then(
      () => {
        this.ended = true;
        this.stopWatchdog();
        this.dropConnection();
        this.notify();
      },
      (e: unknown) => this.fail(e instanceof TidemarkError ? e : this.connectionLost(e)),
    );
  }

  /** Runs a RawCommand; resolves when `onPacket` returns true. */
  private command(payload: Buffer, onPacket: PacketHandler): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const cmd = new RawCommand(
        payload,
        (buffer, start, end) => {
          if (settled) return true;
          try {
            const done = onPacket(buffer, start, end);
            if (done) {
              settled = true;
              resolve();
            }
            return done;
          } catch (e) {
            settled = true;
            reject(e instanceof TidemarkError ? e : this.connectionLost(e));
            return true;
          }
        },
        (err) => {
          if (settled) return;
          settled = true;
          reject(err instanceof TidemarkError ? err : this.connectionLost(err));
        },
      );
      (this.conn as unknown as ConnectionInternals).addCommand(cmd);
    });
  }

  private connectionLost(e: unknown): TidemarkError {
    return new TidemarkError(
      'SOURCE_BINLOG_READ',
      `the binlog connection to ${this.where} was lost: ${errorMessage(e)}`,
      { retryable: true, details: { start: this.startText } },
    );
  }

  /**
   * One response packet of COM_BINLOG_DUMP, `buffer[start, end)`; true = the command is over.
   * The hot path of the transport: one subarray per event (the event itself), no clock read
   * (the socket's 'data' listener keeps lastActivity).
   */
  private onDumpPacket(buffer: Buffer, start: number, end: number): boolean {
    const first = start < end ? buffer[start] : undefined;
    if (first === 0x00) {
      if (this.closed) return false;
      const event = buffer.subarray(start + 1, end);
      this.checkEvent(event);
      this.queue.push(event);
      this.bufferedBytes += event.length;
      this.counters.eventsReceived++;
      this.counters.bytesReceived += event.length;
      const buffered = this.queue.length - this.head;
      if (buffered > this.counters.maxBufferedEventsSeen) this.counters.maxBufferedEventsSeen = buffered;
      if (this.bufferedBytes > this.counters.maxBufferedBytesSeen) {
        this.counters.maxBufferedBytesSeen = this.bufferedBytes;
      }
      if (!this.paused && (buffered >= this.maxEvents || this.bufferedBytes >= this.maxBytes)) {
        this.paused = true;
        this.counters.pauses++;
        this.socket?.pause();
      }
      this.notify();
      return false;
    }
    this.lastActivity = Date.now();
    if (first === 0xff) {
      throw binlogServerError(parseErrPacket(buffer.subarray(start, end)), this.where, this.startText);
    }
    if (first === 0xfe && end - start < 9) return true; // EOF: end of the log (non-blocking mode)
    throw new TidemarkError(
      'SOURCE_BINLOG_READ',
      `unexpected packet from ${this.where} during the binlog dump (first byte 0x${(first ?? 0).toString(16)}, ${end - start} bytes)`,
      { retryable: true },
    );
  }

  /** Header sanity: the event size field must match the bytes received. */
  private checkEvent(event: Buffer): void {
    if (event.length < BINLOG_EVENT_HEADER_SIZE) {
      throw new TidemarkError(
        'SOURCE_BINLOG_READ',
        `binlog event of ${event.length} bytes from ${this.where} is shorter than its header`,
        { retryable: true },
      );
    }
    const size = event.readUInt32LE(9);
    if (size !== event.length) {
      throw new TidemarkError(
        'SOURCE_BINLOG_READ',
        `binlog event (type ${event[4]}, log_pos ${event.readUInt32LE(13)}) says it has ${size} bytes but ${event.length} arrived from ${this.where}`,
        { retryable: true },
      );
    }
  }

  private async nextBatch(): Promise<IteratorResult<Buffer[]>> {
    while (true) {
      const available = this.queue.length - this.head;
      if (available > 0) {
        const n = Math.min(available, this.maxBatch);
        let batch: Buffer[];
        if (this.head === 0 && n === this.queue.length) {
          // The whole queue: hand the array over instead of copying it.
          batch = this.queue;
          this.queue = [];
        } else {
          batch = this.queue.slice(this.head, this.head + n);
          this.head += n;
        }
        for (let i = 0; i < batch.length; i++) this.bufferedBytes -= batch[i]!.length;
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        this.maybeResume();
        return { done: false, value: batch };
      }
      if (this.error) {
        const e = this.error;
        this.error = undefined;
        this.ended = true;
        throw e;
      }
      if (this.ended || this.closed) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closed) return;
    const buffered = this.queue.length - this.head;
    if (buffered <= this.maxEvents / 2 && this.bufferedBytes <= this.maxBytes / 2) {
      this.paused = false;
      // Silence while paused was our doing, not the server's.
      this.lastActivity = Date.now();
      this.socket?.resume();
    }
  }

  private fail(e: TidemarkError): void {
    if (this.closed || this.ended) return;
    this.error ??= e;
    this.ended = true;
    this.stopWatchdog();
    this.dropConnection();
    this.notify();
  }

  /** Destroys the socket without mysql2 reporting it as an error. */
  private dropConnection(): void {
    const conn = this.conn as unknown as { _closing?: boolean } | undefined;
    if (conn) conn._closing = true;
    this.socket?.destroy();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private startWatchdog(): void {
    const period = Math.min(this.heartbeatMs, 1000);
    this.watchdog = setInterval(() => {
      if (this.paused) return;
      const silent = Date.now() - this.lastActivity;
      if (silent > 3 * this.heartbeatMs) {
        this.fail(
          new TidemarkError(
            'SOURCE_BINLOG_READ',
            `no binlog event nor heartbeat from ${this.where} for ${Math.round(silent / 1000)} s (heartbeat ${this.heartbeatMs / 1000} s): the connection is dead`,
            { retryable: true, details: { start: this.startText } },
          ),
        );
      }
    }, period);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }
}
