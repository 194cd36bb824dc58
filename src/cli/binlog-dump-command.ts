/**
 * `tidemark binlog dump`: decodes a binlog, from files on disk (`--file`) or from a server
 * (`--host`...), with tidemark's own decoder, and prints the events as readable text or JSON lines
 * (values in tidemark's representation), or just counts them (`--count-only`). A debugging and
 * verification tool: what tidemark sees is what it prints.
 */
import { basename } from 'node:path';
import { formatColumnType, type Value } from '../event/column-type.js';
import { TidemarkError } from '../event/tidemark-error.js';
import { BinlogClient, type BinlogStart } from '../connectors/mysql/binlog-client.js';
import { comparePositions } from '../connectors/mysql/binlog-change-reader.js';
import { listBinlogFiles, readBinlogFile } from '../connectors/mysql/binlog-file-reader.js';
import { BinlogDecoder } from '../connectors/mysql/binlog/binlog-decoder.js';
import { BinlogEventType, type BinlogEvent, type RowImage } from '../connectors/mysql/binlog/binlog-event.js';
import { GtidSet, MariadbGtidPosition } from '../connectors/mysql/gtid-set.js';
import { openMysqlConnection, type MysqlConnectionOptions } from '../connectors/mysql/mysql-connection.js';
import { listBinlogs } from '../connectors/mysql/server-checks.js';

export interface BinlogDumpOptions {
  readonly file?: string;
  readonly host?: string;
  readonly port: string;
  readonly user: string;
  readonly password?: string;
  readonly passwordEnv?: string;
  readonly start?: string;
  readonly gtid?: string;
  readonly serverId?: string;
  readonly stopAt?: string;
  readonly count?: string;
  readonly countOnly?: boolean;
  readonly follow?: boolean;
  readonly format: 'text' | 'json';
}

interface Position {
  readonly file: string;
  readonly pos: number;
}

const LOG_EVENT_ARTIFICIAL_F = 0x20;

function invalid(message: string): TidemarkError {
  return new TidemarkError('CONFIG_INVALID', message);
}

/** `FILE:POS`, or `POS` alone when `defaultFile` is given. */
export function parsePosition(text: string, what: string, defaultFile?: string): Position {
  const m = /^(?:(.+):)?(\d+)$/.exec(text.trim());
  const file = m?.[1] ?? defaultFile;
  if (!m || file === undefined)
    throw invalid(`${what} "${text}": expected FILE:POS, e.g. mysql-bin.000003:4`);
  const pos = Number(m[2]);
  if (!Number.isSafeInteger(pos) || pos < 4)
    throw invalid(`${what} "${text}": the position must be at least 4`);
  return { file, pos };
}

// ---- rendering --------------------------------------------------------------------------------

/** A JSON-safe copy: bigint → decimal string, bytes → {hex}, Map → object, undefined dropped. */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return { hex: Buffer.from(v).toString('hex') };
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonSafe(x)]));
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : jsonSafe(x)));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = jsonSafe(x);
    return out;
  }
  return v;
}

/** A row image keyed by column name; absent columns (MINIMAL/NOBLOB images) are left out. */
function namedImage(image: RowImage, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  image.forEach((v, i) => {
    if (v !== undefined) out[names[i] ?? `@${i + 1}`] = jsonSafe(v);
  });
  return out;
}

function columnNames(decoder: BinlogDecoder, tableId: bigint, count: number): string[] {
  const names = decoder.tableMap(tableId)?.optionalMetadata.columnNames;
  return Array.from({ length: count }, (_, i) => names?.[i] ?? `@${i + 1}`);
}

/** The event as one JSON object: position, header fields, then what the event says. */
export function eventToJson(ev: BinlogEvent, at: Position, decoder: BinlogDecoder): Record<string, unknown> {
  // events with lazily decoded parts (statement text) give their plain form through toJSON
  const plain = 'toJSON' in ev && typeof ev.toJSON === 'function' ? (ev.toJSON() as BinlogEvent) : ev;
  const { header, ...body } = plain as BinlogEvent & Record<string, unknown>;
  const out: Record<string, unknown> = {
    file: at.file,
    pos: at.pos,
    type: ev.type,
    typeCode: header.typeCode,
    timestamp: header.timestamp,
    serverId: header.serverId,
    eventSize: header.eventSize,
    logPos: header.logPos,
    flags: header.flags,
  };
  if (ev.type === 'rows') {
    const names = columnNames(decoder, ev.tableId, ev.columnCount);
    Object.assign(out, {
      kind: ev.kind,
      schema: ev.schema,
      table: ev.table,
      tableId: ev.tableId.toString(),
      version: ev.version,
      ...(ev.compressed ? { compressed: true } : {}),
      ...(ev.partial ? { partial: true } : {}),
      rows: ev.rows.map((r) => ({
        ...(r.before ? { before: namedImage(r.before, names) } : {}),
        ...(r.after ? { after: namedImage(r.after, names) } : {}),
      })),
    });
    return out;
  }
  if (ev.type === 'tableMap') {
    const names = columnNames(decoder, ev.tableId, ev.columnCount);
    const pk =
      ev.optionalMetadata.simplePrimaryKey ??
      ev.optionalMetadata.primaryKeyWithPrefix?.map((p) => p.columnIndex);
    Object.assign(out, {
      tableId: ev.tableId.toString(),
      schema: ev.schema,
      table: ev.table,
      columns: ev.columnTypesMapped.map((t, i) => ({
        name: names[i],
        type: formatColumnType(t),
        nullable: ev.nullability[i] ?? true,
      })),
      ...(pk ? { primaryKey: pk.map((i) => names[i]) } : {}),
    });
    return out;
  }
  if (ev.type === 'transactionPayload') {
    const { events, payload: _payload, ...rest } = body as Record<string, unknown>;
    Object.assign(out, jsonSafe(rest));
    if (Array.isArray(events)) {
      out.events = (events as BinlogEvent[]).map((e) => eventToJson(e, at, decoder));
    }
    return out;
  }
  if (ev.type === 'previousGtids') {
    const { raw, ...rest } = body as Record<string, unknown>;
    Object.assign(out, jsonSafe(rest));
    try {
      out.gtidSet = GtidSet.decode(raw as Uint8Array).toString();
    } catch {
      out.raw = jsonSafe(raw);
    }
    return out;
  }
  Object.assign(out, jsonSafe(body));
  return out;
}

function textValue(v: Value | undefined): string {
  if (v === null) return 'NULL';
  if (v === undefined) return '(absent)';
  if (typeof v === 'string') return JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v);
  if (v instanceof Uint8Array) {
    const hex = Buffer.from(v.subarray(0, 64)).toString('hex');
    return `x'${hex}'${v.length > 64 ? `…(${v.length} bytes)` : ''}`;
  }
  return String(v);
}

function textImage(image: RowImage, names: readonly string[]): string {
  const parts: string[] = [];
  image.forEach((v, i) => {
    if (v !== undefined) parts.push(`${names[i]}=${textValue(v)}`);
  });
  return parts.join(', ');
}

/** Readable lines: `# file:pos time type (size) ...`, then details indented. */
export function eventToText(ev: BinlogEvent, at: Position, decoder: BinlogDecoder): string {
  const h = ev.header;
  const time = h.timestamp ? new Date(h.timestamp * 1000).toISOString().replace('.000Z', 'Z') : '-';
  let head = `# ${at.file}:${at.pos} ${time} server ${h.serverId} ${ev.type} (${h.eventSize} bytes, next ${h.logPos})`;
  const lines: string[] = [];
  switch (ev.type) {
    case 'formatDescription':
      head += ` ${ev.serverVersion} binlog v${ev.binlogVersion} checksum ${ev.checksumAlg === 1 ? 'CRC32' : 'none'}`;
      break;
    case 'rotate':
      head += ` → ${ev.nextFile}:${ev.position}`;
      break;
    case 'query':
      head += ` db=${ev.schema || '-'}`;
      lines.push(`  ${ev.sql.replace(/\n/g, '\n  ')}`);
      break;
    case 'xid':
      head += ` xid=${ev.xid}`;
      break;
    case 'gtid':
      head +=
        ev.flavor === 'mariadb'
          ? ` ${ev.gtid}${ev.standalone ? ' standalone' : ''}`
          : ` ${ev.uuid}:${ev.tag ? `${ev.tag}:` : ''}${ev.gno}`;
      break;
    case 'mariadbGtidList':
      head += ` [${ev.gtids.map((g) => `${g.domainId}-${g.serverId}-${g.seqNo}`).join(',')}]`;
      break;
    case 'previousGtids':
      try {
        head += ` [${GtidSet.decode(ev.raw).toString()}]`;
      } catch {
        head += ' [undecodable]';
      }
      break;
    case 'mariadbBinlogCheckpoint':
      head += ` ${ev.file}`;
      break;
    case 'mariadbAnnotateRows':
    case 'rowsQuery':
      lines.push(`  ${ev.sql.replace(/\n/g, '\n  ')}`);
      break;
    case 'tableMap': {
      const names = columnNames(decoder, ev.tableId, ev.columnCount);
      head += ` ${ev.schema}.${ev.table} id=${ev.tableId}`;
      lines.push(`  ${ev.columnTypesMapped.map((t, i) => `${names[i]} ${formatColumnType(t)}`).join(', ')}`);
      break;
    }
    case 'rows': {
      const names = columnNames(decoder, ev.tableId, ev.columnCount);
      const verb = ev.kind === 'write' ? 'INSERT' : ev.kind === 'update' ? 'UPDATE' : 'DELETE';
      head += ` ${verb} ${ev.schema}.${ev.table} ${ev.rows.length} row(s)${ev.compressed ? ' compressed' : ''}`;
      for (const r of ev.rows) {
        if (r.before) lines.push(`  before: ${textImage(r.before, names)}`);
        if (r.after) lines.push(`  ${r.before ? 'after:  ' : 'after: '}${textImage(r.after, names)}`);
      }
      break;
    }
    case 'heartbeat':
      head += ` ${ev.logFile}:${ev.position}`;
      break;
    case 'transactionPayload':
      head += ` compression=${ev.compression} ${ev.events?.length ?? '?'} inner event(s)`;
      for (const inner of ev.events ?? []) lines.push(eventToText(inner, at, decoder).replace(/^/gm, '  '));
      break;
    case 'unknown':
      head += ` type ${ev.typeCode}`;
      break;
    default:
      break;
  }
  return [head, ...lines].join('\n');
}

// ---- output with back-pressure ------------------------------------------------------------------

class Output {
  private buf: string[] = [];
  private size = 0;
  constructor(private readonly stream: NodeJS.WritableStream) {}
  async line(s: string): Promise<void> {
    this.buf.push(s, '\n');
    this.size += s.length + 1;
    if (this.size >= 64 * 1024) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const text = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (!this.stream.write(text)) await new Promise<void>((r) => this.stream.once('drain', () => r()));
  }
}

// ---- event sources -----------------------------------------------------------------------------

interface RawEvent {
  readonly buf: Buffer;
  /** Position when known from the source (files); undefined = follow the headers (server). */
  readonly at?: Position;
}

/** Where events start around a position: the one that starts there, or the ones before and after it. */
interface Boundaries {
  readonly exact: boolean;
  /** The last event start before the position (exact: the position). */
  readonly before: number;
  /** The next event start after it (the end of the file for its last event). */
  readonly after: number;
}

/** The error for a --start that is not where an event starts (`of`: the file or the server). */
function notABoundary(start: Position, b: Boundaries, of: string): TidemarkError {
  const at = (pos: number): string => `${start.file}:${pos}`;
  if (start.pos > b.after) {
    return invalid(
      `--start ${at(start.pos)} is past the end of ${of} (${b.after} bytes; its last event starts at ${at(b.before)})`,
    );
  }
  return invalid(
    `--start ${at(start.pos)} is not an event boundary of ${of}; the nearest boundaries are ${at(b.before)} and ${at(b.after)}`,
  );
}

/** Walks a file's events from its first one up to `target`. */
async function fileBoundaries(path: string, target: number): Promise<Boundaries> {
  let before = 4;
  let end = 4;
  for await (const batch of readBinlogFile(path, { start: 4, allowTruncatedTail: true })) {
    for (const e of batch) {
      if (e.pos === target) return { exact: true, before: target, after: target };
      end = e.pos + e.buf.length;
      if (target < end) return { exact: false, before: e.pos, after: end };
      before = e.pos;
    }
  }
  return { exact: end === target, before, after: end };
}

async function* fileEvents(pathOrGlob: string, start: Position | undefined): AsyncGenerator<RawEvent[]> {
  let files = await listBinlogFiles(pathOrGlob);
  if (files.length === 0) throw invalid(`no binlog files at ${pathOrGlob}`);
  if (start) {
    files = files.filter((f) => comparePositions(basename(f), 0, start.file, 0) >= 0);
    const first = files.find((f) => basename(f) === start.file);
    if (first === undefined) {
      throw invalid(`--start ${start.file}:${start.pos}: there is no file ${start.file} at ${pathOrGlob}`);
    }
    // A position inside an event would read its bytes as a header: check it first.
    if (start.pos > 4) {
      const b = await fileBoundaries(first, start.pos);
      if (!b.exact) throw notABoundary(start, b, first);
    }
  }
  for (const path of files) {
    const name = basename(path);
    const from = start && name === start.file ? start.pos : 4;
    for await (const batch of readBinlogFile(path, {
      start: from,
      allowTruncatedTail: path === files[files.length - 1],
    })) {
      yield batch.map((e) => ({ buf: e.buf, at: { file: e.file, pos: e.pos } }));
    }
  }
}

/** A real event of the log: not one the server made up for the dump, not a heartbeat. */
function inLog(buf: Buffer): boolean {
  return (buf.readUInt16LE(17) & LOG_EVENT_ARTIFICIAL_F) === 0 && buf.readUInt32LE(0) !== 0;
}

/** Walks a server's binlog file from its first event up to `target` (as a replica, non-blocking). */
async function serverBoundaries(
  conn: MysqlConnectionOptions,
  serverId: number,
  file: string,
  target: number,
): Promise<Boundaries> {
  const client = new BinlogClient({ connection: conn, serverId, start: { file, pos: 4 }, nonBlocking: true });
  let pos = 4;
  let before = 4;
  try {
    outer: for await (const batch of client.events()) {
      for (const buf of batch) {
        if (!inLog(buf)) continue;
        if (pos === target) return { exact: true, before: target, after: target };
        const logPos = buf.readUInt32LE(13);
        const end = logPos > 0 ? logPos : pos + buf.readUInt32LE(9);
        if (target < end) return { exact: false, before: pos, after: end };
        before = pos;
        pos = end;
        if (buf[4] === BinlogEventType.ROTATE) break outer; // the end of the file
      }
    }
  } finally {
    await client.close();
  }
  return { exact: pos === target, before, after: pos };
}

/**
 * Checks that the first event a server sends from `start` (a position inside a file) really starts
 * there: it decodes (its CRC32 matches) and its header says it ends where its size does. A server
 * asked for a position inside an event sends what it finds there, or an error.
 */
class ServerStartCheck {
  private readonly probe = new BinlogDecoder();
  private pending = true;
  constructor(
    private readonly start: Position,
    private readonly conn: MysqlConnectionOptions,
    private readonly serverId: number,
  ) {}

  /** Looks at a batch until the first event of the log is seen; throws when it is not one. */
  async check(batch: readonly Buffer[]): Promise<void> {
    for (const buf of batch) {
      if (!this.pending) return;
      if (buf[4] === BinlogEventType.ROTATE) {
        const ev = this.probe.decode(buf);
        if (ev.type === 'rotate' && ev.nextFile !== this.start.file) {
          this.pending = false; // the start was the end of its file
          return;
        }
      }
      if (!inLog(buf)) continue;
      if (buf[4] === BinlogEventType.FORMAT_DESCRIPTION && buf.readUInt32LE(13) === 0) {
        this.probe.decode(buf); // the dump's own Format_description: for the checksum setting
        continue;
      }
      try {
        this.probe.decode(buf, this.start);
      } catch (e) {
        throw await this.failure(e);
      }
      const logPos = buf.readUInt32LE(13);
      const crc = this.probe.formatDescription?.checksumAlg === 1;
      if (logPos === this.start.pos + buf.readUInt32LE(9) || (logPos === 0 && crc)) this.pending = false;
      else throw await this.failure(undefined);
    }
  }

  /** The error for a failed dump: why the start position is wrong, or `cause` when it is right. */
  async failure(cause: unknown): Promise<unknown> {
    if (!this.pending) return cause;
    this.pending = false;
    const b = await serverBoundaries(this.conn, this.serverId + 1, this.start.file, this.start.pos);
    if (b.exact)
      return (
        cause ??
        invalid(
          `--start ${this.start.file}:${this.start.pos}: the server sent an event that does not start there`,
        )
      );
    return notABoundary(this.start, b, `${this.start.file} on the server`);
  }
}

async function serverStart(o: BinlogDumpOptions, conn: MysqlConnectionOptions): Promise<BinlogStart> {
  if (o.gtid !== undefined) {
    return /^\s*\d+-\d+-\d+/.test(o.gtid)
      ? { mariadbGtid: MariadbGtidPosition.parse(o.gtid).toString() }
      : { mysqlGtid: GtidSet.parse(o.gtid) };
  }
  if (o.start !== undefined) return parsePosition(o.start, '--start');
  const c = await openMysqlConnection(conn);
  try {
    const logs = await listBinlogs(c);
    const first = logs[0];
    if (!first)
      throw new TidemarkError('SOURCE_BINLOG_CONFIG', 'the server lists no binary logs (is log_bin on?)');
    return { file: first.name, pos: 4 };
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function* serverEvents(o: BinlogDumpOptions, conn: MysqlConnectionOptions): AsyncGenerator<RawEvent[]> {
  const start = await serverStart(o, conn);
  const serverId =
    o.serverId !== undefined ? Number(o.serverId) : 4_000_000_000 + Math.floor(Math.random() * 1e8);
  const check = 'file' in start && start.pos > 4 ? new ServerStartCheck(start, conn, serverId) : undefined;
  const client = new BinlogClient({
    connection: conn,
    serverId,
    start,
    nonBlocking: !o.follow,
    heartbeatSeconds: 30,
  });
  try {
    for await (const batch of client.events()) {
      await check?.check(batch);
      yield batch.map((buf) => ({ buf }));
    }
  } catch (e) {
    await client.close();
    throw check ? await check.failure(e) : e;
  } finally {
    await client.close();
  }
}

// ---- the command -------------------------------------------------------------------------------

export async function runBinlogDump(
  o: BinlogDumpOptions,
  stdout: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  if ((o.file === undefined) === (o.host === undefined)) {
    throw invalid('binlog dump: give either --file PATH or --host HOST (with --user, --password...)');
  }
  if (o.file !== undefined && o.gtid !== undefined)
    throw invalid('--gtid needs a server (--host), not --file');
  if (o.gtid !== undefined && o.start !== undefined) throw invalid('give --start or --gtid, not both');
  const stopAt = o.stopAt !== undefined ? parsePosition(o.stopAt, '--stop-at') : undefined;
  const limit = o.count !== undefined ? Number(o.count) : Infinity;
  if (o.count !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw invalid(`--count "${o.count}": expected a whole number`);
  }
  let source: AsyncGenerator<RawEvent[]>;
  if (o.file !== undefined) {
    let start: Position | undefined;
    if (o.start !== undefined) {
      const files = await listBinlogFiles(o.file);
      start = parsePosition(o.start, '--start', files.length === 1 ? basename(files[0]!) : undefined);
    }
    source = fileEvents(o.file, start);
  } else {
    let password = o.password ?? '';
    if (o.passwordEnv !== undefined) {
      const v = process.env[o.passwordEnv];
      if (v === undefined) throw invalid(`--password-env ${o.passwordEnv}: the variable is not set`);
      password = v;
    }
    const port = Number(o.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw invalid(`--port "${o.port}": expected 1..65535`);
    source = serverEvents(o, { host: o.host!, port, user: o.user, password });
  }

  const out = new Output(stdout);
  const decoder = new BinlogDecoder();
  const counts = new Map<string, number>();
  let events = 0;
  let rows = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  let file = o.start !== undefined && o.file === undefined ? parsePosition(o.start, '--start').file : '';
  let pos = 4;
  try {
    outer: for await (const batch of source) {
      for (const raw of batch) {
        const at: Position = raw.at ?? { file, pos };
        if (stopAt && at.file && comparePositions(at.file, at.pos, stopAt.file, stopAt.pos) >= 0) break outer;
        if (events >= limit) break outer;
        const ev = decoder.decode(raw.buf, at);
        // Follow the position for server streams (files give it).
        const h = ev.header;
        if (ev.type === 'rotate') {
          file = ev.nextFile;
          pos = ev.position;
        } else if ((h.flags & LOG_EVENT_ARTIFICIAL_F) === 0 && h.timestamp !== 0) {
          // The Format_description a server sends first when a dump starts inside a file (end_log_pos
          // 0) is not in the log at that offset; MariaDB 11.4+ may write end_log_pos 0 for all events.
          if (h.logPos > 0) pos = h.logPos;
          else if (ev.type !== 'formatDescription' || pos <= 4) pos += h.eventSize;
        }
        // The server's fake Rotate and Format_description of the dump start are not in the log.
        if (raw.at === undefined && (h.flags & LOG_EVENT_ARTIFICIAL_F) !== 0) continue;
        if (raw.at === undefined && ev.type === 'formatDescription' && h.logPos === 0) continue;
        if (ev.type === 'heartbeat') continue;
        events++;
        bytes += h.eventSize;
        counts.set(ev.type, (counts.get(ev.type) ?? 0) + 1);
        if (ev.type === 'rows') rows += ev.rows.length;
        if (o.countOnly) continue;
        await out.line(
          o.format === 'json' ? JSON.stringify(eventToJson(ev, at, decoder)) : eventToText(ev, at, decoder),
        );
      }
    }
  } finally {
    await source.return(undefined);
  }
  if (o.countOnly) {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const summary = {
      events,
      rows,
      bytes,
      seconds: Number(seconds.toFixed(3)),
      eventsPerSecond: Math.round(events / Math.max(seconds, 1e-6)),
      byType: Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : 1))),
    };
    if (o.format === 'json') await out.line(JSON.stringify(summary));
    else {
      await out.line(`events: ${events}`);
      await out.line(`rows: ${rows}`);
      await out.line(`bytes: ${bytes}`);
      await out.line(`seconds: ${summary.seconds}`);
      await out.line(`events/s: ${summary.eventsPerSecond}`);
      for (const [t, n] of Object.entries(summary.byType)) await out.line(`  ${t}: ${n}`);
    }
  }
  await out.flush();
}

/** Adds `binlog dump` to the CLI. */
