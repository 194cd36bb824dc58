/**
 * Stateful, pure decoder of MySQL/MariaDB binlog events: one whole event buffer in (starting at the
 * 19-byte common header, no leading OK byte), one BinlogEvent out. Keeps the Format_description in
 * force (checksum algorithm, post-header lengths) and the Table_map cache needed by row events.
 */
import { crc32, inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import type { ColumnType, Value } from '../../../event/column-type.js';
import { errorMessage, TidemarkError } from '../../../event/tidemark-error.js';
import {
  BinlogEventType as E,
  type AnonymousGtidEvent,
  type BinlogEvent,
  type BinlogEventHeader,
  type FormatDescriptionEvent,
  type HeartbeatEvent,
  type MysqlGtidEvent,
  type PreviousGtidsEvent,
  type QueryEvent,
  type QueryStatusVars,
  type RowChange,
  type RowImage,
  type RowsEvent,
  type RowsKind,
  type TableMapEvent,
  type TableMapOptionalMetadata,
  type TransactionPayloadEvent,
} from './binlog-event.js';
import {
  columnPlan,
  columnTypeOf,
  decodeColumnValue,
  textValueStart,
  isCharacterType,
  isEnumOrSetType,
  isNumericType,
  MysqlType,
  readTableMapMeta,
  resolveStringMeta,
  tableMapMetaLength,
  type ColumnPlan,
  type Cursor,
  type TableMapColumn,
} from './column-value.js';
import { BINARY_COLLATION, decodeWithCollation } from './charset.js';
import { Utf8Batch } from './utf8-batch.js';
import { applyJsonDiffs, parseJsonDiffs, parseMysqlJson, renderNode, type JsonDiff } from './mysql-json.js';

export const EVENT_HEADER_LENGTH = 19;

export interface BinlogPosition {
  readonly file: string;
  readonly pos: number;
}

export interface BinlogDecoderOptions {
  /**
   * The caller's tracked schema of a table (column types in table order), used where the
   * Table_map lacks optional metadata: signedness, charset, ENUM/SET members, fixed BINARY
   * length. Ignored when its column count differs from the Table_map's.
   */
  readonly columnTypesFor?: (schema: string, table: string) => readonly ColumnType[] | undefined;
  /** Verify CRC32 checksums when the Format_description says so (default true). */
  readonly verifyChecksums?: boolean;
  /**
   * Tables whose row values the caller does not need: their rows events come back with
   * `rows: []` (header, table and column bitmaps still decoded), at almost no cost. Asked once
   * per Table_map event.
   */
  readonly skipRowsOf?: (schema: string, table: string) => boolean;
}

interface CachedTable {
  /** The last Table_map event of this id (same maps are shared, only the header differs). */
  event: TableMapEvent;
  readonly plans: readonly ColumnPlan[];
  readonly jsonColumns: readonly number[];
  /** The Table_map body from the table id to the end (checksum excluded): equal bytes = same map. */
  readonly raw: Buffer;
  /** The caller's column types the plans were built with. */
  readonly hints: readonly ColumnType[] | undefined;
  /** skipRowsOf's answer at the last Table_map. */
  skip: boolean;
  /**
   * Built for a skipped table: no plans, and what could not be read of its columns (a charset or
   * type this decoder does not know) left out instead of thrown. Rebuilt when its rows are needed.
   */
  readonly lenient: boolean;
}

/** More columns than any server allows (MySQL 4096, MariaDB 4096): a corrupt count. */
const MAX_COLUMNS = 65535;

/** CRC-32 (zlib's) of any byte string followed by its own CRC-32, little-endian. */
const CRC32_RESIDUE = 0x2144df1c;

/** Upper bound of a decompressed TRANSACTION_PAYLOAD (MySQL's own limit is 1 GiB per event). */
const MAX_PAYLOAD_BYTES = 1 << 30;

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    pos: number,
    readonly end: number,
  ) {
    this.pos = pos;
  }
  need(n: number): void {
    if (this.pos + n > this.end) {
      throw new Error(
        `truncated event: need ${n} bytes at offset ${this.pos}, event body ends at ${this.end}`,
      );
    }
  }
  remaining(): number {
    return this.end - this.pos;
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u48(): number {
    this.need(6);
    const v = this.buf.readUIntLE(this.pos, 6);
    this.pos += 6;
    return v;
  }
  u56(): bigint {
    this.need(7);
    const v = BigInt(this.buf.readUIntLE(this.pos, 6)) | (BigInt(this.buf[this.pos + 6]!) << 48n);
    this.pos += 7;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  /** MySQL length-encoded ("packed") integer. */
  packed(): number {
    const b = this.u8();
    if (b < 0xfb) return b;
    if (b === 0xfc) return this.u16();
    if (b === 0xfd) {
      this.need(3);
      const v = this.buf.readUIntLE(this.pos, 3);
      this.pos += 3;
      return v;
    }
    if (b === 0xfe) {
      const v = this.u64();
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`packed integer too large: ${v}`);
      return Number(v);
    }
    throw new Error(`bad packed integer prefix 0x${b.toString(16)} at offset ${this.pos - 1}`);
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  str(n: number, encoding: BufferEncoding = 'utf8'): string {
    this.need(n);
    const v = this.buf.toString(encoding, this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  rest(): Buffer {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }
  bitmap(bits: number): boolean[] {
    const n = (bits + 7) >> 3;
    this.need(n);
    const out = new Array<boolean>(bits);
    for (let i = 0; i < bits; i++) out[i] = (this.buf[this.pos + (i >> 3)]! & (1 << (i & 7))) !== 0;
    this.pos += n;
    return out;
  }
}

function copy(b: Buffer): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

function uuidText(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Server version → whether its Format_description carries a checksum-algorithm byte. */
function versionHasChecksum(serverVersion: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(serverVersion);
  if (!m) return false;
  const v = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
  if (serverVersion.toLowerCase().includes('mariadb')) return v >= 50300;
  return v >= 50601;
}

interface RowsType {
  readonly kind: RowsKind;
  readonly version: 0 | 1 | 2;
  readonly compressed: boolean;
  readonly partial: boolean;
}

/** Rows event types by type code (an array: the lookup runs once per event). */
const ROWS_TYPES: (RowsType | undefined)[] = new Array<RowsType | undefined>(256).fill(undefined);
const rowsType = (kind: RowsKind, version: 0 | 1 | 2, compressed = false, partial = false): RowsType => ({
  kind,
  version,
  compressed,
  partial,
});
ROWS_TYPES[E.WRITE_ROWS_V0] = rowsType('write', 0);
ROWS_TYPES[E.UPDATE_ROWS_V0] = rowsType('update', 0);
ROWS_TYPES[E.DELETE_ROWS_V0] = rowsType('delete', 0);
ROWS_TYPES[E.WRITE_ROWS_V1] = rowsType('write', 1);
ROWS_TYPES[E.UPDATE_ROWS_V1] = rowsType('update', 1);
ROWS_TYPES[E.DELETE_ROWS_V1] = rowsType('delete', 1);
ROWS_TYPES[E.WRITE_ROWS_V2] = rowsType('write', 2);
ROWS_TYPES[E.UPDATE_ROWS_V2] = rowsType('update', 2);
ROWS_TYPES[E.DELETE_ROWS_V2] = rowsType('delete', 2);
ROWS_TYPES[E.PARTIAL_UPDATE_ROWS] = rowsType('update', 2, false, true);
ROWS_TYPES[E.MARIADB_WRITE_ROWS_COMPRESSED_V1] = rowsType('write', 1, true);
ROWS_TYPES[E.MARIADB_UPDATE_ROWS_COMPRESSED_V1] = rowsType('update', 1, true);
ROWS_TYPES[E.MARIADB_DELETE_ROWS_COMPRESSED_V1] = rowsType('delete', 1, true);
ROWS_TYPES[E.MARIADB_WRITE_ROWS_COMPRESSED] = rowsType('write', 2, true);
ROWS_TYPES[E.MARIADB_UPDATE_ROWS_COMPRESSED] = rowsType('update', 2, true);
ROWS_TYPES[E.MARIADB_DELETE_ROWS_COMPRESSED] = rowsType('delete', 2, true);

/** Whether a type code is a rows event (any version, MariaDB compressed included). */
export function isRowsEventType(typeCode: number): boolean {
  return ROWS_TYPES[typeCode] !== undefined;
}

/** MariaDB's compressed block: 1 header byte (0x80 | length-of-length), big-endian length, zlib. */
export function mariadbUncompress(data: Buffer): Buffer {
  if (data.length < 1) throw new Error('empty compressed block');
  const h = data[0]!;
  const lenlen = h & 0x07;
  if (lenlen < 1 || lenlen > 4 || data.length < 1 + lenlen)
    throw new Error(`bad compressed header 0x${h.toString(16)}`);
  const length = data.readUIntBE(1, lenlen);
  const out = inflateSync(data.subarray(1 + lenlen), { maxOutputLength: Math.max(length, 1) });
  if (out.length !== length)
    throw new Error(`compressed block inflates to ${out.length} bytes, header says ${length}`);
  return out;
}

/** Rows-event bitmaps with every bit set, shared by column count (the FULL row image case). */
const ALL_PRESENT: boolean[][] = [];

function allPresent(n: number): boolean[] {
  let a = ALL_PRESENT[n];
  if (a === undefined) {
    a = new Array<boolean>(n).fill(true);
    if (n < 4096) ALL_PRESENT[n] = a;
  }
  return a;
}

/** A column bitmap of a rows event: the shared all-true array when every bit is set. */
function readColumnBitmap(buf: Buffer, pos: number, bits: number, end: number): boolean[] {
  const n = (bits + 7) >> 3;
  if (pos + n > end) throw new Error(`column bitmap runs past the end of the event`);
  let full = true;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) {
    if (buf[pos + i] !== 0xff) {
      full = false;
      break;
    }
  }
  const restMask = (1 << (bits & 7)) - 1;
  if (full && restMask !== 0 && (buf[pos + whole]! & restMask) !== restMask) full = false;
  if (full) return allPresent(bits);
  const out = new Array<boolean>(bits);
  for (let i = 0; i < bits; i++) out[i] = (buf[pos + (i >> 3)]! & (1 << (i & 7))) !== 0;
  return out;
}

function sameHints(a: readonly ColumnType[] | undefined, b: readonly ColumnType[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class BinlogDecoder {
  private fde: FormatDescriptionEvent | undefined;
  /** Keyed by the table id as a number (ids are at most 48 bits). */
  private readonly tables = new Map<number, CachedTable>();
  private readonly cursor: Cursor = { pos: 0 };
  /** Where each value of an UPDATE's before image lies: [start, end) per column. */
  private spans = new Int32Array(96);
  /** UTF-8 text values of the rows event being decoded (see readImage). */
  private readonly texts = new Utf8Batch();
  private readonly options: BinlogDecoderOptions;
  private readonly verify: boolean;

  constructor(options: BinlogDecoderOptions = {}) {
    this.options = options;
    this.verify = options.verifyChecksums !== false;
  }

  /** The Format_description in force, if one was seen. */
  get formatDescription(): FormatDescriptionEvent | undefined {
    return this.fde;
  }

  /** The cached Table_map of a table id. */
  tableMap(tableId: bigint): TableMapEvent | undefined {
    return this.tables.get(Number(tableId))?.event;
  }

  /** Forgets cached Table_maps (e.g. after a reconnect), keeping the Format_description. */
  clearTableMaps(): void {
    this.tables.clear();
  }

  private valueSpans(columns: number): Int32Array {
    if (this.spans.length < 3 * columns) this.spans = new Int32Array(3 * columns);
    return this.spans;
  }

  /**
   * Decodes one whole event. Throws TidemarkError SOURCE_BINLOG_DECODE (naming `at`) on a
   * checksum mismatch or undecodable bytes; never another error type.
   */
  decode(buf: Buffer, at?: BinlogPosition): BinlogEvent {
    let typeCode = -1;
    try {
      if (buf.length < EVENT_HEADER_LENGTH) {
        throw new Error(`event of ${buf.length} bytes is shorter than the 19-byte header`);
      }
      typeCode = buf[4]!;
      const eventSize = buf.readUInt32LE(9);
      if (eventSize < EVENT_HEADER_LENGTH || eventSize > buf.length) {
        throw new Error(`event_size ${eventSize} does not fit the ${buf.length}-byte buffer`);
      }
      const header: BinlogEventHeader = {
        timestamp: buf.readUInt32LE(0),
        typeCode,
        serverId: buf.readUInt32LE(5),
        eventSize,
        logPos: buf.readUInt32LE(13),
        flags: buf.readUInt16LE(17),
      };
      if (typeCode === E.FORMAT_DESCRIPTION) {
        const fde = this.decodeFormatDescription(buf, header);
        // Table_maps are folded by flavor (see foldColumns): another flavor's maps do not carry over.
        if (this.fde !== undefined && this.fde.mariadb !== fde.mariadb) this.tables.clear();
        this.fde = fde;
        return fde;
      }
      return this.decodeBody(buf, header, this.stripChecksum(buf, eventSize, typeCode));
    } catch (e) {
      throw this.decodeError(e, buf, typeCode, at);
    }
  }

  private decodeError(
    e: unknown,
    buf: Buffer,
    typeCode: number,
    at: BinlogPosition | undefined,
  ): TidemarkError {
    if (e instanceof TidemarkError) return e;
    const where = at
      ? `${at.file}:${at.pos}`
      : buf.length >= 17
        ? `log_pos ${buf.readUInt32LE(13)}`
        : 'unknown position';
    // RangeError & co. from reads past the end: say so in the message.
    const what =
      e instanceof RangeError ? `truncated or corrupt event (${errorMessage(e)})` : errorMessage(e);
    return new TidemarkError(
      'SOURCE_BINLOG_DECODE',
      `cannot decode binlog event (type ${typeCode}) at ${where}: ${what}`,
      {
        cause: e,
        details: { file: at?.file, pos: at?.pos, typeCode },
      },
    );
  }

  private stripChecksum(buf: Buffer, end: number, typeCode: number): number {
    const alg = this.fde?.checksumAlg;
    if (alg === 1) {
      if (end < EVENT_HEADER_LENGTH + 4) throw new Error('event too short for its CRC32 checksum');
      // The CRC32 of the bytes followed by their own (little-endian) CRC32 is a constant: one
      // pass over the whole event, and no subarray when the buffer is exactly the event.
      if (this.verify && crc32(end === buf.length ? buf : buf.subarray(0, end)) !== CRC32_RESIDUE) {
        const expected = buf.readUInt32LE(end - 4);
        const actual = crc32(buf.subarray(0, end - 4));
        throw new Error(
          `CRC32 mismatch: event says 0x${expected.toString(16)}, bytes give 0x${actual.toString(16)}`,
        );
      }
      return end - 4;
    }
    if (this.fde === undefined && typeCode === E.ROTATE && end >= EVENT_HEADER_LENGTH + 12) {
      // Before any Format_description (the server's fake Rotate), the checksum setting is unknown:
      // strip a trailing CRC32 if it matches.
      if (buf.readUInt32LE(end - 4) === crc32(buf.subarray(0, end - 4))) return end - 4;
    }
    return end;
  }

  private postHeaderLen(typeCode: number, fallback: number): number {
    const lens = this.fde?.postHeaderLens;
    if (lens === undefined || typeCode < 1 || typeCode > lens.length) return fallback;
    return lens[typeCode - 1]!;
  }

  private decodeFormatDescription(buf: Buffer, header: BinlogEventHeader): FormatDescriptionEvent {
    const end = header.eventSize;
    const r = new Reader(buf, EVENT_HEADER_LENGTH, end);
    const binlogVersion = r.u16();
    const rawVersion = r.bytes(50);
    const nul = rawVersion.indexOf(0);
    const serverVersion = rawVersion.toString('latin1', 0, nul < 0 ? 50 : nul);
    const createTimestamp = r.u32();
    const headerLength = r.u8();
    let checksumAlg: number | undefined;
    let lensEnd = end;
    if (versionHasChecksum(serverVersion)) {
      if (end - 5 < r.pos) throw new Error('Format_description too short for its checksum fields');
      checksumAlg = buf[end - 5]!;
      lensEnd = end - 5;
      if (checksumAlg === 1 && this.options.verifyChecksums !== false) {
        const expected = buf.readUInt32LE(end - 4);
        const plain = crc32(buf.subarray(0, end - 4));
        if (plain !== expected) {
          // MySQL computes it with LOG_EVENT_BINLOG_IN_USE_F cleared.
          const flags = Buffer.from([buf[17]! & ~1, buf[18]!]);
          let c = crc32(buf.subarray(0, 17));
          c = crc32(flags, c);
          c = crc32(buf.subarray(19, end - 4), c);
          if (c !== expected) {
            throw new Error(
              `CRC32 mismatch in Format_description: event says 0x${expected.toString(16)}, bytes give 0x${plain.toString(16)}`,
            );
          }
        }
      }
    }
    const postHeaderLens = copy(buf.subarray(r.pos, lensEnd));
    return {
      type: 'formatDescription',
      header,
      binlogVersion,
      serverVersion,
      createTimestamp,
      headerLength,
      postHeaderLens,
      checksumAlg,
      mariadb: serverVersion.toLowerCase().includes('mariadb'),
    };
  }

  private decodeBody(buf: Buffer, header: BinlogEventHeader, end: number): BinlogEvent {
    const t = header.typeCode;
    const rowsType = ROWS_TYPES[t];
    if (rowsType !== undefined) return this.decodeRows(buf, header, end, rowsType);
    const r = new Reader(buf, EVENT_HEADER_LENGTH, end);
    switch (t) {
      case E.TABLE_MAP:
        return this.decodeTableMap(r, header);
      case E.QUERY:
        return this.decodeQuery(r, header, false);
      case E.MARIADB_QUERY_COMPRESSED:
        return this.decodeQuery(r, header, true);
      case E.XID:
        return { type: 'xid', header, xid: r.u64() };
      case E.ROTATE: {
        const position = Number(r.u64());
        return { type: 'rotate', header, position, nextFile: r.rest().toString('utf8') };
      }
      case E.STOP:
        return { type: 'stop', header };
      case E.INTVAR: {
        const subtype = r.u8();
        return { type: 'intvar', header, subtype, value: r.u64() };
      }
      case E.ROWS_QUERY: {
        r.u8(); // length byte (truncated to 255; the text runs to the end of the event)
        return new LazySqlEvent('rowsQuery', header, buf, r.pos, end);
      }
      case E.MARIADB_ANNOTATE_ROWS:
        return new LazySqlEvent('mariadbAnnotateRows', header, buf, EVENT_HEADER_LENGTH, end);
      case E.HEARTBEAT:
        return { type: 'heartbeat', header, logFile: r.rest().toString('utf8'), position: header.logPos };
      case E.HEARTBEAT_V2:
        return decodeHeartbeatV2(r, header);
      case E.GTID:
      case E.ANONYMOUS_GTID:
        return this.decodeMysqlGtid(r, header);
      case E.GTID_TAGGED:
        return decodeTaggedGtid(r, header);
      case E.PREVIOUS_GTIDS:
        return this.decodePreviousGtids(r, header);
      case E.XA_PREPARE: {
        const onePhase = r.u8() !== 0;
        const formatId = r.u32();
        const gl = r.u32();
        const bl = r.u32();
        return {
          type: 'xaPrepare',
          header,
          onePhase,
          formatId,
          gtrid: copy(r.bytes(gl)),
          bqual: copy(r.bytes(bl)),
        };
      }
      case E.MARIADB_GTID: {
        const seqNo = r.u64();
        const domainId = r.u32();
        const flags = r.u8();
        const commitId = (flags & 2) !== 0 && r.remaining() >= 8 ? r.u64() : undefined;
        return {
          type: 'gtid',
          flavor: 'mariadb',
          header,
          seqNo,
          domainId,
          serverId: header.serverId,
          flags,
          standalone: (flags & 1) !== 0,
          ...(commitId !== undefined ? { commitId } : {}),
          gtid: `${domainId}-${header.serverId}-${seqNo}`,
        };
      }
      case E.MARIADB_GTID_LIST: {
        const v = r.u32();
        const count = v & 0x0fffffff;
        const gtids: { domainId: number; serverId: number; seqNo: bigint }[] = [];
        for (let i = 0; i < count; i++) gtids.push({ domainId: r.u32(), serverId: r.u32(), seqNo: r.u64() });
        return { type: 'mariadbGtidList', header, flags: v >>> 28, gtids };
      }
      case E.MARIADB_BINLOG_CHECKPOINT: {
        const len = r.u32();
        return { type: 'mariadbBinlogCheckpoint', header, file: r.str(len) };
      }
      case E.TRANSACTION_PAYLOAD:
        return this.decodeTransactionPayload(r, header);
      default:
        return { type: 'unknown', header, typeCode: t, body: copy(buf.subarray(EVENT_HEADER_LENGTH, end)) };
    }
  }

  private decodeQuery(r: Reader, header: BinlogEventHeader, compressed: boolean): QueryEvent {
    let phl = this.postHeaderLen(header.typeCode, 13);
    if (phl < 11) phl = this.postHeaderLen(E.QUERY, 13);
    const start = r.pos;
    const threadId = r.u32();
    const execTime = r.u32();
    const schemaLen = r.u8();
    const errorCode = r.u16();
    const statusLen = phl >= 13 ? r.u16() : 0;
    r.pos = start + phl;
    const statusVars = parseStatusVars(r.buf, r.pos, r.pos + statusLen);
    r.pos += statusLen;
    const schema = r.str(schemaLen);
    r.u8(); // NUL
    const sqlBytes = compressed ? mariadbUncompress(r.rest()) : r.rest();
    return {
      type: 'query',
      header,
      threadId,
      execTime,
      errorCode,
      schema,
      sql: sqlBytes.toString('utf8'),
      statusVars,
      compressed,
    };
  }

  private decodeMysqlGtid(r: Reader, header: BinlogEventHeader): MysqlGtidEvent | AnonymousGtidEvent {
    const gtidFlags = r.u8();
    const sid = r.bytes(16);
    const gno = r.i64();
    const extra: {
      lastCommitted?: bigint;
      sequenceNumber?: bigint;
      immediateCommitTimestamp?: bigint;
      originalCommitTimestamp?: bigint;
      transactionLength?: bigint;
      immediateServerVersion?: number;
      originalServerVersion?: number;
    } = {};
    if (r.remaining() >= 17 && r.buf[r.pos] === 2) {
      r.u8();
      extra.lastCommitted = r.i64();
      extra.sequenceNumber = r.i64();
    }
    if (r.remaining() >= 7) {
      let ts = r.u56();
      const hasOriginal = (ts & (1n << 55n)) !== 0n;
      ts &= (1n << 55n) - 1n;
      extra.immediateCommitTimestamp = ts;
      extra.originalCommitTimestamp = hasOriginal ? r.u56() : ts;
      if (r.remaining() >= 1) extra.transactionLength = BigInt(r.packed());
      if (r.remaining() >= 4) {
        let v = r.u32();
        const hasOrig = (v & 0x80000000) !== 0;
        v &= 0x7fffffff;
        extra.immediateServerVersion = v;
        extra.originalServerVersion = hasOrig && r.remaining() >= 4 ? r.u32() : v;
      }
    }
    if (header.typeCode === E.ANONYMOUS_GTID) {
      const { immediateServerVersion: _a, originalServerVersion: _b, ...rest } = extra;
      return { type: 'anonymousGtid', header, gtidFlags, ...rest };
    }
    return { type: 'gtid', flavor: 'mysql', header, gtidFlags, uuid: uuidText(sid), gno, ...extra };
  }

  private decodePreviousGtids(r: Reader, header: BinlogEventHeader): PreviousGtidsEvent {
    const raw = r.rest();
    const ev: PreviousGtidsEvent = { type: 'previousGtids', header, raw: copy(raw) };
    try {
      const rr = new Reader(raw, 0, raw.length);
      const n = rr.u64();
      if (n >> 56n !== 0n) return ev; // tagged format (8.3+): left raw
      const parts: string[] = [];
      for (let i = 0n; i < n; i++) {
        const uuid = uuidText(rr.bytes(16));
        const ni = rr.u64();
        let s = uuid;
        for (let j = 0n; j < ni; j++) {
          const a = rr.i64();
          const b = rr.i64() - 1n;
          s += a === b ? `:${a}` : `:${a}-${b}`;
        }
        parts.push(s);
      }
      return { ...ev, text: parts.join(',') };
    } catch {
      return ev;
    }
  }

  private decodeTransactionPayload(r: Reader, header: BinlogEventHeader): TransactionPayloadEvent {
    let compression = 255;
    let payloadSize = 0;
    let uncompressedSize = 0;
    while (r.remaining() > 0) {
      const field = r.packed();
      if (field === 0) break;
      const len = r.packed();
      const valueEnd = r.pos + len;
      const value = r.packed();
      if (field === 1) payloadSize = value;
      else if (field === 2) compression = value;
      else if (field === 3) uncompressedSize = value;
      r.pos = valueEnd;
    }
    const payload = r.rest();
    const ev: TransactionPayloadEvent = {
      type: 'transactionPayload',
      header,
      compression,
      payloadSize,
      uncompressedSize,
      payload: copy(payload),
    };
    let data: Buffer;
    if (compression === 255) {
      data = payload;
    } else if (compression === 0) {
      if (uncompressedSize > MAX_PAYLOAD_BYTES) {
        throw new Error(
          `transaction payload says it inflates to ${uncompressedSize} bytes (limit ${MAX_PAYLOAD_BYTES})`,
        );
      }
      const out = zstdDecompress(
        payload,
        uncompressedSize > 0 ? new Uint8Array(uncompressedSize) : undefined,
      );
      if (uncompressedSize > 0 && out.length !== uncompressedSize) {
        throw new Error(
          `transaction payload inflates to ${out.length} bytes, header says ${uncompressedSize}`,
        );
      }
      data = Buffer.from(out.buffer, out.byteOffset, out.length);
    } else {
      return ev; // an unknown compression: the events stay inside the payload
    }
    return { ...ev, events: this.decodeInnerEvents(data) };
  }

  /** The events inside a TRANSACTION_PAYLOAD: back to back, each with its header, no checksum. */
  private decodeInnerEvents(data: Buffer): BinlogEvent[] {
    const events: BinlogEvent[] = [];
    let p = 0;
    while (p < data.length) {
      if (p + EVENT_HEADER_LENGTH > data.length)
        throw new Error(`truncated event inside transaction payload at offset ${p}`);
      const size = data.readUInt32LE(p + 9);
      if (size < EVENT_HEADER_LENGTH || p + size > data.length) {
        throw new Error(
          `event of ${size} bytes at offset ${p} does not fit the ${data.length}-byte transaction payload`,
        );
      }
      const inner = data.subarray(p, p + size);
      const typeCode = inner[4]!;
      if (typeCode === E.FORMAT_DESCRIPTION || typeCode === E.TRANSACTION_PAYLOAD) {
        throw new Error(`event type ${typeCode} inside a transaction payload`);
      }
      const innerHeader: BinlogEventHeader = {
        timestamp: inner.readUInt32LE(0),
        typeCode,
        serverId: inner.readUInt32LE(5),
        eventSize: size,
        logPos: inner.readUInt32LE(13),
        flags: inner.readUInt16LE(17),
      };
      events.push(this.decodeBody(inner, innerHeader, size));
      p += size;
    }
    return events;
  }

  private decodeTableMap(r: Reader, header: BinlogEventHeader): TableMapEvent {
    const phl = this.postHeaderLen(E.TABLE_MAP, 8);
    const idStart = r.pos;
    const id = phl === 6 ? r.u32() : r.u48();
    const cached = this.tables.get(id);
    const rawLen = r.end - idStart;
    if (
      cached !== undefined &&
      cached.raw.length === rawLen &&
      r.buf.compare(cached.raw, 0, rawLen, idStart, r.end) === 0
    ) {
      // The same map again (MySQL and MariaDB write one before every rows event): reuse its plans.
      const ce = cached.event;
      let hints = this.options.columnTypesFor?.(ce.schema, ce.table);
      if (hints !== undefined && hints.length !== ce.columnCount) hints = undefined;
      const skip = this.options.skipRowsOf?.(ce.schema, ce.table) ?? false;
      if (sameHints(hints, cached.hints) && (skip || !cached.lenient)) {
        cached.skip = skip;
        const event: TableMapEvent = {
          type: 'tableMap',
          header,
          tableId: ce.tableId,
          flags: ce.flags,
          schema: ce.schema,
          table: ce.table,
          columnCount: ce.columnCount,
          columnTypes: ce.columnTypes,
          columnMeta: ce.columnMeta,
          nullability: ce.nullability,
          optionalMetadata: ce.optionalMetadata,
          columns: ce.columns,
          columnTypesMapped: ce.columnTypesMapped,
        };
        cached.event = event;
        return event;
      }
    }
    const tableId = BigInt(id);
    const flags = r.u16();
    const schemaLen = r.u8();
    const schema = r.str(schemaLen);
    r.u8();
    const tableLen = r.u8();
    const table = r.str(tableLen);
    r.u8();
    const n = r.packed();
    const columnTypes = copy(r.bytes(n));
    const metaLen = r.packed();
    const metaEnd = r.pos + metaLen;
    r.need(metaLen);
    const columnMeta: number[] = new Array<number>(n);
    let mp = r.pos;
    for (let i = 0; i < n; i++) {
      const t = columnTypes[i]!;
      columnMeta[i] = readTableMapMeta(t, r.buf, mp);
      mp += tableMapMetaLength(t);
    }
    if (mp > metaEnd)
      throw new Error(`Table_map metadata of ${metaLen} bytes is shorter than its column types need`);
    r.pos = metaEnd;
    const nullability = r.bitmap(n);
    const optionalMetadata = parseOptionalMetadata(r);
    // A table whose rows are skipped must never stop the stream: nothing of it is decoded that
    // could fail on a charset or type this decoder does not know.
    const skip = this.options.skipRowsOf?.(schema, table) ?? false;
    let columns: TableMapColumn[];
    try {
      columns = foldColumns(
        columnTypes,
        columnMeta,
        nullability,
        optionalMetadata,
        this.fde?.mariadb === true,
        skip,
      );
    } catch (e) {
      throw new Error(`${schema}.${table}: ${errorMessage(e)}`, { cause: e });
    }
    let hints = this.options.columnTypesFor?.(schema, table);
    if (hints !== undefined && hints.length !== n) hints = undefined;
    const columnTypesMapped = columns.map((c, i) =>
      skip
        ? columnTypeOrBytes(c, hints?.[i])
        : columnOf(schema, table, c, i, () => columnTypeOf(c, hints?.[i])),
    );
    const event: TableMapEvent = {
      type: 'tableMap',
      header,
      tableId,
      flags,
      schema,
      table,
      columnCount: n,
      columnTypes,
      columnMeta,
      nullability,
      optionalMetadata,
      columns,
      columnTypesMapped,
    };
    const plans = skip
      ? []
      : columns.map((c, i) => columnOf(schema, table, c, i, () => columnPlan(c, hints?.[i], `@${i + 1}`)));
    const jsonColumns: number[] = [];
    columns.forEach((c, i) => {
      if (c.realType === MysqlType.JSON) jsonColumns.push(i);
    });
    this.tables.set(id, {
      event,
      plans,
      jsonColumns,
      raw: Buffer.from(r.buf.subarray(idStart, r.end)),
      hints,
      skip,
      lenient: skip,
    });
    return event;
  }

  private decodeRows(buf: Buffer, header: BinlogEventHeader, end: number, rt: RowsType): RowsEvent {
    const phl = this.postHeaderLen(header.typeCode, rt.version === 2 ? 10 : 8);
    let pos = EVENT_HEADER_LENGTH;
    if (pos + (phl === 6 ? 6 : 8) > end) throw new Error('rows event too short for its post-header');
    const id = phl === 6 ? buf.readUInt32LE(pos) : buf.readUIntLE(pos, 6);
    pos += phl === 6 ? 4 : 6;
    const flags = buf.readUInt16LE(pos);
    pos += 2;
    if (rt.version === 2 && phl !== 8 && phl !== 6) {
      if (pos + 2 > end) throw new Error('rows event too short for its extra-data length');
      const extraLen = buf.readUInt16LE(pos);
      if (extraLen < 2) throw new Error(`bad rows extra-data length ${extraLen}`);
      pos += extraLen;
      if (pos > end) throw new Error(`rows extra data of ${extraLen} bytes runs past the end of the event`);
    }
    if (pos >= end) throw new Error('rows event too short for its column count');
    let columnCount = buf[pos]!;
    if (columnCount < 0xfb) {
      pos++;
    } else {
      const r = new Reader(buf, pos, end);
      columnCount = r.packed();
      pos = r.pos;
    }
    if (columnCount > MAX_COLUMNS) throw new Error(`rows event says it has ${columnCount} columns`);
    const columnsPresent = readColumnBitmap(buf, pos, columnCount, end);
    pos += (columnCount + 7) >> 3;
    let columnsPresentUpdate: boolean[] | undefined;
    if (rt.kind === 'update') {
      columnsPresentUpdate = readColumnBitmap(buf, pos, columnCount, end);
      pos += (columnCount + 7) >> 3;
    }
    const cached = this.tables.get(id);
    let tm: TableMapEvent | undefined;
    let rows: RowChange[];
    if (cached === undefined) {
      // A dummy rows event (table id 0x00ffffff with only STMT_END_F) has no rows and no map.
      if (pos !== end) throw new Error(`rows event for table id ${id} without a preceding Table_map`);
      rows = [];
    } else {
      tm = cached.event;
      if (columnCount !== tm.columnCount) {
        throw new Error(
          `rows event has ${columnCount} columns, Table_map of ${tm.schema}.${tm.table} has ${tm.columnCount}`,
        );
      }
      rows = cached.skip
        ? []
        : this.decodeRowImages(buf, pos, end, rt, cached, columnsPresent, columnsPresentUpdate);
    }
    const tableId = tm !== undefined ? tm.tableId : BigInt(id);
    const schema = tm !== undefined ? tm.schema : '';
    const table = tm !== undefined ? tm.table : '';
    // Two literals (not a spread of one): one object per event, built in place.
    if (columnsPresentUpdate === undefined) {
      return {
        type: 'rows',
        header,
        kind: rt.kind,
        version: rt.version,
        partial: rt.partial,
        compressed: rt.compressed,
        tableId,
        schema,
        table,
        flags,
        columnCount,
        columnsPresent,
        rows,
      };
    }
    return {
      type: 'rows',
      header,
      kind: rt.kind,
      version: rt.version,
      partial: rt.partial,
      compressed: rt.compressed,
      tableId,
      schema,
      table,
      flags,
      columnCount,
      columnsPresent,
      rows,
      columnsPresentUpdate,
    };
  }

  private decodeRowImages(
    buf: Buffer,
    pos: number,
    end: number,
    rt: RowsType,
    cached: CachedTable,
    present: boolean[],
    presentUpdate: boolean[] | undefined,
  ): RowChange[] {
    let data = buf;
    let dataEnd = end;
    if (rt.compressed) {
      data = mariadbUncompress(buf.subarray(pos, end));
      pos = 0;
      dataEnd = data.length;
    }
    const rows: RowChange[] = [];
    const cur = this.cursor;
    const plans = cached.plans;
    const kind = rt.kind;
    const presentCount = countTrue(present);
    const presentUpdateCount = presentUpdate === undefined ? 0 : countTrue(presentUpdate);
    // A small event decodes its texts one by one: a batch's fixed cost (a few native calls) pays off only on more bytes.
    const texts = dataEnd - pos >= TEXT_BATCH_MIN_BYTES ? this.texts : undefined;
    const columnName = (col: number): string => plans[col]?.columnName ?? `@${col + 1}`;
    try {
      while (pos < dataEnd) {
        cur.pos = pos;
        if (kind === 'write') {
          rows.push({ after: readImage(data, cur, plans, present, presentCount, dataEnd, texts) });
        } else if (kind === 'delete') {
          rows.push({ before: readImage(data, cur, plans, present, presentCount, dataEnd, texts) });
        } else if (!rt.partial) {
          const spans = this.valueSpans(plans.length);
          const before = readImage(data, cur, plans, present, presentCount, dataEnd, texts, undefined, spans);
          const after = readImage(
            data,
            cur,
            plans,
            presentUpdate!,
            presentUpdateCount,
            dataEnd,
            texts,
            before,
            spans,
          );
          rows.push({ before, after });
        } else {
          rows.push(this.readPartialUpdate(data, cur, cached, present, presentUpdate!, dataEnd));
        }
        if (cur.pos <= pos) throw new Error('row image of zero bytes');
        pos = cur.pos;
        if (texts !== undefined && texts.bytes > TEXT_BATCH_BYTES) texts.resolve(columnName);
      }
      texts?.resolve(columnName);
    } catch (e) {
      texts?.clear();
      const tm = cached.event;
      throw new Error(`${tm.schema}.${tm.table} row ${rows.length + 1}: ${errorMessage(e)}`, { cause: e });
    }
    return rows;
  }

  /**
   * Reads one row image (the general form, for PARTIAL_UPDATE_ROWS). `partialJson` (PARTIAL_UPDATE_ROWS after-images): columns whose value is a
   * JSON diff list; their raw diff ranges are reported through `diffRanges`.
   */
  private readImageGeneral(
    buf: Buffer,
    cur: Cursor,
    plans: readonly ColumnPlan[],
    present: readonly boolean[],
    end: number,
    partialJson: { columns: Set<number>; ranges: Map<number, [number, number]> } | undefined,
    jsonRanges?: Map<number, [number, number]>,
  ): RowImage {
    const n = plans.length;
    let presentCount = 0;
    for (let i = 0; i < n; i++) if (present[i]) presentCount++;
    const nullStart = cur.pos;
    const nullBytes = (presentCount + 7) >> 3;
    if (nullStart + nullBytes > end) throw new Error('row image null bitmap runs past the end of the event');
    cur.pos = nullStart + nullBytes;
    const row: RowImage = new Array<Value | undefined>(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (!present[i]) {
        row[i] = undefined;
        continue;
      }
      const isNull = (buf[nullStart + (k >> 3)]! & (1 << (k & 7))) !== 0;
      k++;
      if (isNull) {
        row[i] = null;
        continue;
      }
      const plan = plans[i]!;
      if (partialJson !== undefined && partialJson.columns.has(i)) {
        const lb = plan.meta;
        const len = buf.readUIntLE(cur.pos, lb);
        const s = cur.pos + lb;
        if (s + len > end) throw new Error(`JSON diff of column ${i + 1} runs past the end of the event`);
        partialJson.ranges.set(i, [s, s + len]);
        cur.pos = s + len;
        row[i] = undefined;
        continue;
      }
      if (jsonRanges !== undefined && plan.type === MysqlType.JSON) {
        const lb = plan.meta;
        const len = buf.readUIntLE(cur.pos, lb);
        jsonRanges.set(i, [cur.pos + lb, cur.pos + lb + len]);
      }
      try {
        row[i] = decodeColumnValue(buf, cur, plan);
      } catch (e) {
        throw new Error(`column ${plan.columnName}: ${errorMessage(e)}`, { cause: e });
      }
      if (cur.pos > end) throw new Error(`column ${plan.columnName} runs past the end of the event`);
    }
    return row;
  }

  private readPartialUpdate(
    buf: Buffer,
    cur: Cursor,
    table: CachedTable,
    present: readonly boolean[],
    presentAfter: readonly boolean[],
    end: number,
  ): RowChange {
    const jsonRanges = new Map<number, [number, number]>();
    const before = this.readImageGeneral(buf, cur, table.plans, present, end, undefined, jsonRanges);
    const r = new Reader(buf, cur.pos, end);
    const valueOptions = r.packed();
    const partialColumns = new Set<number>();
    if ((valueOptions & 1) !== 0) {
      const bits = r.bitmap(table.jsonColumns.length);
      table.jsonColumns.forEach((col, j) => {
        if (bits[j]) partialColumns.add(col);
      });
    }
    cur.pos = r.pos;
    const ranges = new Map<number, [number, number]>();
    const after = this.readImageGeneral(buf, cur, table.plans, presentAfter, end, {
      columns: partialColumns,
      ranges,
    });
    let unapplied: Map<number, readonly JsonDiff[]> | undefined;
    for (const [col, [s, e]] of ranges) {
      const diffs = parseJsonDiffs(buf, s, e);
      const src = jsonRanges.get(col);
      if (src === undefined) {
        (unapplied ??= new Map()).set(col, diffs);
        continue;
      }
      after[col] = renderNode(applyJsonDiffs(parseMysqlJson(buf, src[0], src[1]), diffs));
    }
    return unapplied ? { before, after, partialJson: unapplied } : { before, after };
  }
}

/** A rows event's queued text values are decoded at the next row boundary past this many bytes. */
const TEXT_BATCH_BYTES = 256 * 1024;
/** Rows events smaller than this decode their text values one by one. */
const TEXT_BATCH_MIN_BYTES = 2048;

function countTrue(bits: readonly boolean[]): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) if (bits[i]) n++;
  return n;
}

/**
 * Reads one row image at `cur.pos` (null bitmap, then the non-NULL present values) and advances
 * the cursor. The hot path of the decoder: one bounds check per value (`cur.pos` against `end`).
 *
 * UTF-8 text values are queued in `texts`, when given (set when the caller resolves the batch, see Utf8Batch).
 *
 * UPDATE images: the before image records where each value lies in `spans` ([start, end) per
 * column, 0/0 for NULL or absent, then 1 + the value's entry in `texts`, or 0); the after image takes
 * the before image's value for a column whose bytes are the same (a column the UPDATE did not
 * change), instead of decoding them again. Only for immutable values (strings): never a shared
 * Uint8Array.
 */
function readImage(
  buf: Buffer,
  cur: Cursor,
  plans: readonly ColumnPlan[],
  present: readonly boolean[],
  presentCount: number,
  end: number,
  texts: Utf8Batch | undefined,
  before?: RowImage,
  spans?: Int32Array,
): RowImage {
  const n = plans.length;
  const nullStart = cur.pos;
  cur.pos = nullStart + ((presentCount + 7) >> 3);
  if (cur.pos > end) throw new Error('row image null bitmap runs past the end of the event');
  const row: RowImage = new Array<Value | undefined>(n);
  const all = presentCount === n;
  const record = spans !== undefined && before === undefined;
  let k = 0;
  let i = 0;
  try {
    for (; i < n; i++) {
      if (!all && !present[i]) {
        row[i] = undefined;
        if (record) spans[3 * i] = spans[3 * i + 1] = spans[3 * i + 2] = 0;
        continue;
      }
      if ((buf[nullStart + (k >> 3)]! & (1 << (k & 7))) !== 0) {
        k++;
        row[i] = null;
        if (record) spans[3 * i] = spans[3 * i + 1] = spans[3 * i + 2] = 0;
        continue;
      }
      k++;
      const plan = plans[i]!;
      const start = cur.pos;
      if (before !== undefined && plan.reuse) {
        const entry = spans![3 * i + 2]!;
        if (entry > 0 || typeof before[i] === 'string') {
          const ps = spans![3 * i]!;
          const len = spans![3 * i + 1]! - ps;
          if (start + len <= end && sameBytes(buf, ps, start, len)) {
            // The encoding is self-delimiting: equal bytes up to the before value's end are that value.
            if (entry > 0) {
              row[i] = null;
              texts!.repeat(row, i, entry - 1);
            } else {
              row[i] = before[i];
            }
            cur.pos = start + len;
            continue;
          }
        }
      }
      let entry = 0;
      if (plan.batchText && texts !== undefined) {
        const textStart = textValueStart(buf, cur, plan);
        row[i] = null;
        entry = texts.add(buf, textStart, cur.pos, row, i) + 1;
      } else {
        row[i] = decodeColumnValue(buf, cur, plan);
      }
      if (cur.pos > end) throw new Error('value runs past the end of the event');
      if (record) {
        spans[3 * i] = start;
        spans[3 * i + 1] = cur.pos;
        spans[3 * i + 2] = entry;
      }
    }
  } catch (e) {
    throw new Error(`column ${plans[i]?.columnName ?? i + 1}: ${errorMessage(e)}`, { cause: e });
  }
  return row;
}

/** buf[a, a + len) equals buf[b, b + len): a JS loop for short runs, memcmp (one native call) above. */
function sameBytes(buf: Buffer, a: number, b: number, len: number): boolean {
  if (len > 48) return buf.compare(buf, b, b + len, a, a + len) === 0;
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    if (
      buf[a + j] !== buf[b + j] ||
      buf[a + j + 1] !== buf[b + j + 1] ||
      buf[a + j + 2] !== buf[b + j + 2] ||
      buf[a + j + 3] !== buf[b + j + 3]
    ) {
      return false;
    }
  }
  for (; j < len; j++) if (buf[a + j] !== buf[b + j]) return false;
  return true;
}

function parseStatusVars(buf: Buffer, start: number, end: number): QueryStatusVars {
  const v: QueryStatusVars = {};
  const r = new Reader(buf, start, end);
  try {
    while (r.remaining() > 0) {
      const code = r.u8();
      switch (code) {
        case 0:
          v.flags2 = r.u32();
          break;
        case 1:
          v.sqlMode = r.u64();
          break;
        case 2: {
          const len = r.u8();
          v.catalog = r.str(len);
          r.u8();
          break;
        }
        case 3:
          v.autoIncrementIncrement = r.u16();
          v.autoIncrementOffset = r.u16();
          break;
        case 4:
          v.charsetClient = r.u16();
          v.collationConnection = r.u16();
          v.collationServer = r.u16();
          break;
        case 5:
          v.timeZone = r.str(r.u8());
          break;
        case 6:
          v.catalog = r.str(r.u8());
          break;
        case 7:
          v.lcTimeNames = r.u16();
          break;
        case 8:
          v.collationDatabase = r.u16();
          break;
        case 9:
          v.tableMapForUpdate = r.u64();
          break;
        case 10:
          r.u32();
          break;
        case 11: {
          const user = r.str(r.u8());
          const host = r.str(r.u8());
          v.invoker = { user, host };
          break;
        }
        case 12: {
          const count = r.u8();
          const names: string[] = [];
          if (count !== 254) {
            for (let i = 0; i < count; i++) {
              const nul = r.buf.indexOf(0, r.pos);
              if (nul < 0 || nul >= r.end) throw new Error('unterminated db name');
              names.push(r.str(nul - r.pos));
              r.u8();
            }
          }
          v.updatedDbNames = names;
          break;
        }
        case 13:
          r.need(3);
          v.microseconds = r.buf.readUIntLE(r.pos, 3);
          r.pos += 3;
          break;
        case 14:
        case 15:
          throw new Error('commit-ts status var');
        case 16:
          v.explicitDefaultsForTimestamp = r.u8() !== 0;
          break;
        case 17:
          v.ddlXid = r.u64();
          break;
        case 18:
          v.defaultCollationForUtf8mb4 = r.u16();
          break;
        case 19:
          v.sqlRequirePrimaryKey = r.u8();
          break;
        case 20:
          v.defaultTableEncryption = r.u8();
          break;
        case 128: // MariaDB Q_HRNOW
          v.hrNowMicros = r.buf.readUIntLE(r.pos, 3);
          r.bytes(3);
          break;
        case 129: // MariaDB Q_XID
          v.xid = r.u64();
          break;
        case 130:
          v.gtidFlags3 = r.u8();
          break;
        default:
          v.unknownCode = code;
          return v;
      }
    }
  } catch {
    v.unknownCode ??= -1;
  }
  return v;
}

function readPackedList(r: Reader, end: number): number[] {
  const out: number[] = [];
  while (r.pos < end) out.push(r.packed());
  return out;
}

function readStrList(r: Reader, end: number): string[] {
  const out: string[] = [];
  while (r.pos < end) out.push(r.str(r.packed()));
  return out;
}

function readMsbBitmap(r: Reader, end: number): boolean[] {
  const out: boolean[] = [];
  while (r.pos < end) {
    const b = r.u8();
    for (let i = 7; i >= 0; i--) out.push((b & (1 << i)) !== 0);
  }
  return out;
}

function readDefaultCharset(
  r: Reader,
  end: number,
): {
  collationId: number;
  exceptions: { columnIndex: number; collationId: number }[];
} {
  const collationId = r.packed();
  const exceptions: { columnIndex: number; collationId: number }[] = [];
  while (r.pos < end) exceptions.push({ columnIndex: r.packed(), collationId: r.packed() });
  return { collationId, exceptions };
}

function parseOptionalMetadata(r: Reader): TableMapOptionalMetadata {
  const m: TableMapOptionalMetadata = {};
  while (r.remaining() > 0) {
    const type = r.u8();
    const len = r.packed();
    r.need(len);
    const end = r.pos + len;
    const sub = new Reader(r.buf, r.pos, end);
    switch (type) {
      case 1:
        m.signedness = readMsbBitmap(sub, end);
        break;
      case 2:
        m.defaultCharset = readDefaultCharset(sub, end);
        break;
      case 3:
        m.columnCharsets = readPackedList(sub, end);
        break;
      case 4:
        m.columnNames = readStrList(sub, end);
        break;
      case 5:
      case 6: {
        const lists: string[][] = [];
        while (sub.pos < end) {
          const count = sub.packed();
          const values: string[] = [];
          // byte-preserving here; foldColumns decodes them with the column's charset
          for (let i = 0; i < count; i++) values.push(sub.str(sub.packed(), 'latin1'));
          lists.push(values);
        }
        if (type === 5) m.setValues = lists;
        else m.enumValues = lists;
        break;
      }
      case 7:
        m.geometryTypes = readPackedList(sub, end);
        break;
      case 8:
        m.simplePrimaryKey = readPackedList(sub, end);
        break;
      case 9: {
        const pk: { columnIndex: number; prefixLength: number }[] = [];
        while (sub.pos < end) pk.push({ columnIndex: sub.packed(), prefixLength: sub.packed() });
        m.primaryKeyWithPrefix = pk;
        break;
      }
      case 10:
        m.enumAndSetDefaultCharset = readDefaultCharset(sub, end);
        break;
      case 11:
        m.enumAndSetColumnCharsets = readPackedList(sub, end);
        break;
      case 12:
        m.columnVisibility = readMsbBitmap(sub, end);
        break;
      case 13:
        m.vectorDimensionality = readPackedList(sub, end);
        break;
      default:
        break; // unknown field: skipped by its length
    }
    r.pos = end;
  }
  return m;
}

function charsetLookup(
  def: { collationId: number; exceptions: { columnIndex: number; collationId: number }[] } | undefined,
  perColumn: number[] | undefined,
): ((idx: number) => number | undefined) | undefined {
  if (perColumn !== undefined) return (idx) => perColumn[idx];
  if (def !== undefined) {
    const ex = new Map(def.exceptions.map((e) => [e.columnIndex, e.collationId]));
    return (idx) => ex.get(idx) ?? def.collationId;
  }
  return undefined;
}

/**
 * HEARTBEAT_LOG_EVENT_V2 (MySQL 8.0.26+): sent instead of HEARTBEAT when COM_BINLOG_DUMP carries
 * USE_HEARTBEAT_EVENT_V2 (0x02, the bit MariaDB reads as BINLOG_SEND_ANNOTATE_ROWS_EVENT). Its
 * body: (type, length, value) fields with packed-integer type and length, ended by type 0 —
 * 1 = log file name (`length` bytes), 2 = log position (a packed integer of `length` bytes);
 * unknown fields are skipped by their length. The position comes from the body (64 bits); the
 * header's 32-bit log_pos is the fallback.
 */
function decodeHeartbeatV2(r: Reader, header: BinlogEventHeader): HeartbeatEvent {
  let logFile = '';
  let position = header.logPos;
  while (r.remaining() > 0) {
    const field = r.packed();
    if (field === 0) break;
    const len = r.packed();
    r.need(len);
    const valueEnd = r.pos + len;
    if (field === 1) {
      logFile = r.str(len);
    } else if (field === 2) {
      const sub = new Reader(r.buf, r.pos, valueEnd);
      position = sub.packed();
      if (sub.pos !== valueEnd) throw new Error(`heartbeat log position field of ${len} bytes is malformed`);
    }
    r.pos = valueEnd;
  }
  return { type: 'heartbeat', header, logFile, position };
}

/**
 * MySQL's serialization format (libs/mysql/serialization), used by GTID_TAGGED_LOG_EVENT (8.3+):
 * variable-length integers whose first byte says, by its number of trailing one bits, how many
 * more bytes follow (little-endian, the value shifted left by the byte count); signed fields are
 * zig-zag coded; a message is [version][size][last non-ignorable field id] then (field id, value)
 * pairs for the fields that are present.
 */
function readVarlen(r: Reader): bigint {
  const first = r.u8();
  if (first === 0xff) return r.u64();
  let n = 1;
  while ((first >> (n - 1)) & 1) n++;
  let v = BigInt(first);
  for (let i = 1; i < n; i++) v |= BigInt(r.u8()) << BigInt(8 * i);
  return v >> BigInt(n);
}

function zigzag(v: bigint): bigint {
  return (v & 1n) === 0n ? v >> 1n : -((v + 1n) >> 1n);
}

function decodeTaggedGtid(r: Reader, header: BinlogEventHeader): MysqlGtidEvent {
  const start = r.pos;
  readVarlen(r); // format version
  const size = Number(readVarlen(r)); // of the whole message, these header fields included
  const end = start + size;
  r.need(end - r.pos);
  readVarlen(r); // last non-ignorable field id
  let gtidFlags = 0;
  let uuid = '';
  let gno = 0n;
  const extra: { -readonly [K in keyof MysqlGtidEvent]?: MysqlGtidEvent[K] } = {};
  let originalTs: bigint | undefined;
  let originalVersion: number | undefined;
  loop: while (r.pos < end) {
    const field = Number(readVarlen(r));
    switch (field) {
      case 0:
        gtidFlags = Number(readVarlen(r));
        break;
      case 1: {
        const sid = Buffer.alloc(16);
        for (let i = 0; i < 16; i++) sid[i] = Number(readVarlen(r));
        uuid = uuidText(sid);
        break;
      }
      case 2:
        gno = zigzag(readVarlen(r));
        break;
      case 3:
        extra.tag = r.str(Number(readVarlen(r)));
        break;
      case 4:
        extra.lastCommitted = zigzag(readVarlen(r));
        break;
      case 5:
        extra.sequenceNumber = zigzag(readVarlen(r));
        break;
      case 6:
        extra.immediateCommitTimestamp = readVarlen(r);
        break;
      case 7:
        originalTs = readVarlen(r);
        break;
      case 8:
        extra.transactionLength = readVarlen(r);
        break;
      case 9:
        extra.immediateServerVersion = Number(readVarlen(r));
        break;
      case 10:
        originalVersion = Number(readVarlen(r));
        break;
      case 11:
        readVarlen(r); // commit group ticket
        break;
      default:
        break loop; // a newer, ignorable field: the ones we need come first
    }
  }
  if (!uuid) throw new Error('GTID_TAGGED event without a source uuid');
  if (extra.immediateCommitTimestamp !== undefined)
    extra.originalCommitTimestamp = originalTs ?? extra.immediateCommitTimestamp;
  if (extra.immediateServerVersion !== undefined)
    extra.originalServerVersion = originalVersion ?? extra.immediateServerVersion;
  return { ...extra, type: 'gtid', flavor: 'mysql', header, gtidFlags, uuid, gno };
}

/**
 * The statement text of ROWS_QUERY / ANNOTATE_ROWS events, decoded only when read: a CDC reader
 * rarely needs it, and for multi-row INSERTs it is as large as the rows themselves.
 */
class LazySqlEvent<K extends 'rowsQuery' | 'mariadbAnnotateRows'> {
  private text: string | undefined;
  constructor(
    readonly type: K,
    readonly header: BinlogEventHeader,
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {}
  get sql(): string {
    return (this.text ??= this.buf.toString('utf8', this.start, this.end));
  }
  toJSON(): { type: K; header: BinlogEventHeader; sql: string } {
    return { type: this.type, header: this.header, sql: this.sql };
  }
}

/** `f()` for one column of a Table_map, its errors naming the table and column. */
function columnOf<T>(schema: string, table: string, col: TableMapColumn, i: number, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${schema}.${table} column ${col.name ?? `@${i + 1}`}: ${errorMessage(e)}`, { cause: e });
  }
}

/** columnTypeOf, or bytes for a column type this decoder does not know (a skipped table's). */
function columnTypeOrBytes(col: TableMapColumn, hint: ColumnType | undefined): ColumnType {
  try {
    return columnTypeOf(col, hint);
  } catch {
    return { kind: 'binary' };
  }
}

/** ENUM/SET member names read byte-for-byte (latin1), decoded with the column's charset (UTF-8 when unknown). */
function memberNames(raw: readonly string[], collationId: number | undefined): string[] {
  return raw.map((v) => {
    const bytes = Buffer.from(v, 'latin1');
    if (collationId === undefined || collationId === BINARY_COLLATION) return bytes.toString('utf8');
    return decodeWithCollation(collationId, bytes);
  });
}

/**
 * What the Table_map's optional metadata says of each column. Its per-kind lists (signedness,
 * charsets, ENUM/SET members, geometry types) hold one entry per column of that kind, and MySQL and
 * MariaDB count different columns as numeric and as character ones (see isNumericType,
 * isCharacterType): `mariadb` is the flavor of the server that wrote the binlog. `lenient` (a skipped
 * table's columns) leaves out the ENUM/SET member names it cannot decode instead of throwing.
 */
function foldColumns(
  types: Uint8Array,
  meta: readonly number[],
  nullability: readonly boolean[],
  opt: TableMapOptionalMetadata,
  mariadb: boolean,
  lenient: boolean,
): TableMapColumn[] {
  /** ENUM/SET names; a lenient fold leaves out those it cannot decode. */
  const names = (raw: readonly string[], col: TableMapColumn, i: number): string[] | undefined => {
    try {
      return memberNames(raw, col.collationId);
    } catch (e) {
      if (lenient) return undefined;
      throw new Error(`column ${col.name ?? `@${i + 1}`} member names: ${errorMessage(e)}`, { cause: e });
    }
  };
  const charsetOf = charsetLookup(opt.defaultCharset, opt.columnCharsets);
  const enumSetCharsetOf = charsetLookup(opt.enumAndSetDefaultCharset, opt.enumAndSetColumnCharsets);
  let numeric = 0;
  let character = 0;
  let enumSet = 0;
  let enums = 0;
  let sets = 0;
  let geometry = 0;
  let vector = 0;
  const out: TableMapColumn[] = [];
  for (let i = 0; i < types.length; i++) {
    const typeCode = types[i]!;
    const m = meta[i]!;
    const realType = typeCode === MysqlType.STRING ? resolveStringMeta(m).realType : typeCode;
    const col: {
      typeCode: number;
      realType: number;
      meta: number;
      nullable: boolean;
      name?: string;
      unsigned?: boolean;
      collationId?: number;
      enumValues?: readonly string[];
      setValues?: readonly string[];
      geometryType?: number;
      visible?: boolean;
      vectorDimensions?: number;
    } = { typeCode, realType, meta: m, nullable: nullability[i] ?? true };
    const name = opt.columnNames?.[i];
    if (name !== undefined) col.name = name;
    if (isNumericType(realType, mariadb)) {
      const s = opt.signedness?.[numeric];
      if (s !== undefined) col.unsigned = s;
      numeric++;
    } else if (isCharacterType(realType, mariadb)) {
      const c = charsetOf?.(character);
      if (c !== undefined) col.collationId = c;
      character++;
    } else if (isEnumOrSetType(realType)) {
      const c = enumSetCharsetOf?.(enumSet);
      if (c !== undefined) col.collationId = c;
      enumSet++;
      if (realType === MysqlType.ENUM) {
        const v = opt.enumValues?.[enums];
        const decoded = v && names(v, col, i);
        if (decoded) col.enumValues = opt.enumValues![enums] = decoded;
        enums++;
      } else {
        const v = opt.setValues?.[sets];
        const decoded = v && names(v, col, i);
        if (decoded) col.setValues = opt.setValues![sets] = decoded;
        sets++;
      }
    }
    if (realType === MysqlType.GEOMETRY) {
      const g = opt.geometryTypes?.[geometry++];
      if (g !== undefined) col.geometryType = g;
    }
    if (realType === MysqlType.VECTOR) {
      const d = opt.vectorDimensionality?.[vector++];
      if (d !== undefined) col.vectorDimensions = d;
    }
    const vis = opt.columnVisibility?.[i];
    if (vis !== undefined) col.visible = vis;
    out.push(col);
  }
  return out;
}
