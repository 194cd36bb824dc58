/**
 * Decoded MySQL/MariaDB binlog events: a union discriminated by `type`. Every event carries its
 * common header. Produced by BinlogDecoder (binlog-decoder.ts).
 */
import type { ColumnType, Value } from '../../../event/column-type.js';
import type { TableMapColumn } from './column-value.js';
import type { JsonDiff } from './mysql-json.js';

/** Binlog event type codes (MySQL, then MariaDB's 160+). */
export const BinlogEventType = {
  UNKNOWN: 0,
  START_V3: 1,
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  INTVAR: 5,
  RAND: 13,
  USER_VAR: 14,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  TABLE_MAP: 19,
  WRITE_ROWS_V0: 20,
  UPDATE_ROWS_V0: 21,
  DELETE_ROWS_V0: 22,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  INCIDENT: 26,
  HEARTBEAT: 27,
  IGNORABLE: 28,
  ROWS_QUERY: 29,
  WRITE_ROWS_V2: 30,
  UPDATE_ROWS_V2: 31,
  DELETE_ROWS_V2: 32,
  GTID: 33,
  ANONYMOUS_GTID: 34,
  PREVIOUS_GTIDS: 35,
  TRANSACTION_CONTEXT: 36,
  VIEW_CHANGE: 37,
  XA_PREPARE: 38,
  PARTIAL_UPDATE_ROWS: 39,
  TRANSACTION_PAYLOAD: 40,
  HEARTBEAT_V2: 41,
  GTID_TAGGED: 42,
  MARIADB_ANNOTATE_ROWS: 160,
  MARIADB_BINLOG_CHECKPOINT: 161,
  MARIADB_GTID: 162,
  MARIADB_GTID_LIST: 163,
  MARIADB_START_ENCRYPTION: 164,
  MARIADB_QUERY_COMPRESSED: 165,
  MARIADB_WRITE_ROWS_COMPRESSED_V1: 166,
  MARIADB_UPDATE_ROWS_COMPRESSED_V1: 167,
  MARIADB_DELETE_ROWS_COMPRESSED_V1: 168,
  MARIADB_WRITE_ROWS_COMPRESSED: 169,
  MARIADB_UPDATE_ROWS_COMPRESSED: 170,
  MARIADB_DELETE_ROWS_COMPRESSED: 171,
} as const;

/** The 19-byte common header of every event. */
export interface BinlogEventHeader {
  /** Seconds since the epoch (statement start). */
  readonly timestamp: number;
  readonly typeCode: number;
  readonly serverId: number;
  readonly eventSize: number;
  /** Position of the next event in the source binlog file (0 on some MariaDB 11.4+ events). */
  readonly logPos: number;
  readonly flags: number;
}

/** LOG_EVENT_BINLOG_IN_USE_F in the header flags of a Format_description event. */
export const LOG_EVENT_BINLOG_IN_USE_F = 0x1;
/** Rows event flag: last rows event of the statement. */
export const ROWS_STMT_END_F = 0x1;

export interface FormatDescriptionEvent {
  readonly type: 'formatDescription';
  readonly header: BinlogEventHeader;
  readonly binlogVersion: number;
  readonly serverVersion: string;
  readonly createTimestamp: number;
  readonly headerLength: number;
  /** Post-header length of event type `i` at index `i - 1`. */
  readonly postHeaderLens: Uint8Array;
  /** 0 = none, 1 = CRC32; undefined for servers before checksums existed (MySQL < 5.6.1). */
  readonly checksumAlg: number | undefined;
  readonly mariadb: boolean;
}

export interface RotateEvent {
  readonly type: 'rotate';
  readonly header: BinlogEventHeader;
  readonly nextFile: string;
  readonly position: number;
}

export interface QueryStatusVars {
  flags2?: number;
  sqlMode?: bigint;
  catalog?: string;
  autoIncrementIncrement?: number;
  autoIncrementOffset?: number;
  /** Collation ids of character_set_client, collation_connection, collation_server. */
  charsetClient?: number;
  collationConnection?: number;
  collationServer?: number;
  timeZone?: string;
  lcTimeNames?: number;
  collationDatabase?: number;
  tableMapForUpdate?: bigint;
  invoker?: { user: string; host: string };
  updatedDbNames?: string[];
  microseconds?: number;
  explicitDefaultsForTimestamp?: boolean;
  ddlXid?: bigint;
  defaultCollationForUtf8mb4?: number;
  sqlRequirePrimaryKey?: number;
  defaultTableEncryption?: number;
  /** MariaDB: microseconds of the statement's start (Q_HRNOW), when the statement used them. */
  hrNowMicros?: number;
  /** MariaDB: XID of a DDL statement (Q_XID). */
  xid?: bigint;
  /** MariaDB: Q_GTID_FLAGS3. */
  gtidFlags3?: number;
  /** Set when a status variable could not be decoded; the ones after it are missing. */
  unknownCode?: number;
}

export interface QueryEvent {
  readonly type: 'query';
  readonly header: BinlogEventHeader;
  readonly threadId: number;
  readonly execTime: number;
  readonly errorCode: number;
  readonly schema: string;
  readonly sql: string;
  readonly statusVars: QueryStatusVars;
  /** True when it came from a MariaDB QUERY_COMPRESSED event. */
  readonly compressed: boolean;
}

export interface XidEvent {
  readonly type: 'xid';
  readonly header: BinlogEventHeader;
  readonly xid: bigint;
}

export interface XaPrepareEvent {
  readonly type: 'xaPrepare';
  readonly header: BinlogEventHeader;
  readonly onePhase: boolean;
  readonly formatId: number;
  readonly gtrid: Uint8Array;
  readonly bqual: Uint8Array;
}

/** Optional metadata of a Table_map (MySQL 8.0.1+ binlog_row_metadata, MariaDB 10.5+). */
export interface TableMapOptionalMetadata {
  /** One entry per numeric column (in column order): true = UNSIGNED. */
  signedness?: boolean[];
  /** Default collation id of character columns, with per-column exceptions. */
  defaultCharset?: { collationId: number; exceptions: { columnIndex: number; collationId: number }[] };
  /** Collation id of each character column. */
  columnCharsets?: number[];
  columnNames?: string[];
  setValues?: string[][];
  enumValues?: string[][];
  geometryTypes?: number[];
  simplePrimaryKey?: number[];
  primaryKeyWithPrefix?: { columnIndex: number; prefixLength: number }[];
  enumAndSetDefaultCharset?: {
    collationId: number;
    exceptions: { columnIndex: number; collationId: number }[];
  };
  enumAndSetColumnCharsets?: number[];
  /** One entry per column: false = INVISIBLE. */
  columnVisibility?: boolean[];
  vectorDimensionality?: number[];
}

export interface TableMapEvent {
  readonly type: 'tableMap';
  readonly header: BinlogEventHeader;
  readonly tableId: bigint;
  readonly flags: number;
  readonly schema: string;
  readonly table: string;
  readonly columnCount: number;
  readonly columnTypes: Uint8Array;
  /** Per column, in MySQL's convention (what mysqlbinlog prints as `meta=`). */
  readonly columnMeta: readonly number[];
  readonly nullability: readonly boolean[];
  readonly optionalMetadata: TableMapOptionalMetadata;
  /** Per column: the above folded together. */
  readonly columns: readonly TableMapColumn[];
  /** Our ColumnType per column (with the caller's tracked schema filling gaps). */
  readonly columnTypesMapped: readonly ColumnType[];
}

/** One row image: a value per table column; `undefined` = absent from this image. */
export type RowImage = (Value | undefined)[];

export interface RowChange {
  readonly before?: RowImage;
  readonly after?: RowImage;
  /** PARTIAL_UPDATE_ROWS: JSON diffs per column index that could not be applied (no before). */
  readonly partialJson?: ReadonlyMap<number, readonly JsonDiff[]>;
}

export type RowsKind = 'write' | 'update' | 'delete';

export interface RowsEvent {
  readonly type: 'rows';
  readonly header: BinlogEventHeader;
  readonly kind: RowsKind;
  /** 0 (pre-GA), 1, 2; PARTIAL_UPDATE_ROWS is version 2 with `partial`. */
  readonly version: 0 | 1 | 2;
  readonly partial: boolean;
  readonly compressed: boolean;
  readonly tableId: bigint;
  /** Schema and table from the Table_map in force. */
  readonly schema: string;
  readonly table: string;
  readonly flags: number;
  readonly columnCount: number;
  readonly columnsPresent: readonly boolean[];
  /** Update events only: columns present in the after image. */
  readonly columnsPresentUpdate?: readonly boolean[];
  readonly rows: readonly RowChange[];
}

/** A transaction's GTID: MySQL's (`flavor: 'mysql'`) or MariaDB's (`flavor: 'mariadb'`). */
export type GtidEvent = MysqlGtidEvent | MariadbGtidEvent;

export interface MysqlGtidEvent {
  readonly type: 'gtid';
  readonly flavor: 'mysql';
  readonly header: BinlogEventHeader;
  /** GTID_FLAGS: bit 0 = may have been committed (commit flag). */
  readonly gtidFlags: number;
  /** Source UUID in canonical text. */
  readonly uuid: string;
  readonly gno: bigint;
  readonly tag?: string;
  readonly lastCommitted?: bigint;
  readonly sequenceNumber?: bigint;
  readonly immediateCommitTimestamp?: bigint;
  readonly originalCommitTimestamp?: bigint;
  readonly transactionLength?: bigint;
  readonly immediateServerVersion?: number;
  readonly originalServerVersion?: number;
}

export interface AnonymousGtidEvent {
  readonly type: 'anonymousGtid';
  readonly header: BinlogEventHeader;
  readonly gtidFlags: number;
  readonly lastCommitted?: bigint;
  readonly sequenceNumber?: bigint;
  readonly immediateCommitTimestamp?: bigint;
  readonly originalCommitTimestamp?: bigint;
  readonly transactionLength?: bigint;
}

export interface PreviousGtidsEvent {
  readonly type: 'previousGtids';
  readonly header: BinlogEventHeader;
  /** The encoded GTID set as written. */
  readonly raw: Uint8Array;
  /** The set as text (`uuid:1-5:7,uuid2:1-3`), when it is in the untagged format. */
  readonly text?: string;
}

export interface MariadbGtidEvent {
  readonly type: 'gtid';
  readonly flavor: 'mariadb';
  readonly header: BinlogEventHeader;
  readonly domainId: number;
  /** From the event header. */
  readonly serverId: number;
  readonly seqNo: bigint;
  readonly flags: number;
  /** FL_STANDALONE: a single statement (DDL or non-transactional), no XID/COMMIT follows. */
  readonly standalone: boolean;
  readonly commitId?: bigint;
  /** "domain-server-seq". */
  readonly gtid: string;
}

export interface MariadbGtidListEvent {
  readonly type: 'mariadbGtidList';
  readonly header: BinlogEventHeader;
  readonly flags: number;
  readonly gtids: readonly { domainId: number; serverId: number; seqNo: bigint }[];
}

export interface MariadbBinlogCheckpointEvent {
  readonly type: 'mariadbBinlogCheckpoint';
  readonly header: BinlogEventHeader;
  readonly file: string;
}

export interface MariadbAnnotateRowsEvent {
  readonly type: 'mariadbAnnotateRows';
  readonly header: BinlogEventHeader;
  readonly sql: string;
}

export interface RowsQueryEvent {
  readonly type: 'rowsQuery';
  readonly header: BinlogEventHeader;
  readonly sql: string;
}

export interface HeartbeatEvent {
  readonly type: 'heartbeat';
  readonly header: BinlogEventHeader;
  readonly logFile: string;
  readonly position: number;
}

export interface StopEvent {
  readonly type: 'stop';
  readonly header: BinlogEventHeader;
}

export interface IntvarEvent {
  readonly type: 'intvar';
  readonly header: BinlogEventHeader;
  /** 1 = LAST_INSERT_ID, 2 = INSERT_ID. */
  readonly subtype: number;
  readonly value: bigint;
}

export interface TransactionPayloadEvent {
  readonly type: 'transactionPayload';
  readonly header: BinlogEventHeader;
  /** 0 = zstd, 255 = none. */
  readonly compression: number;
  readonly payloadSize: number;
  readonly uncompressedSize: number;
  /** The payload as written (compressed). */
  readonly payload: Uint8Array;
  /** The events inside, when the payload could be decompressed (none, or zstd when available). */
  readonly events?: readonly BinlogEvent[];
}

export interface UnknownEvent {
  readonly type: 'unknown';
  readonly header: BinlogEventHeader;
  readonly typeCode: number;
  /** Event body after the header (checksum stripped). */
  readonly body: Uint8Array;
}

export type BinlogEvent =
  | FormatDescriptionEvent
  | RotateEvent
  | QueryEvent
  | XidEvent
  | XaPrepareEvent
  | TableMapEvent
  | RowsEvent
  | MysqlGtidEvent
  | AnonymousGtidEvent
  | PreviousGtidsEvent
  | MariadbGtidEvent
  | MariadbGtidListEvent
  | MariadbBinlogCheckpointEvent
  | MariadbAnnotateRowsEvent
  | RowsQueryEvent
  | HeartbeatEvent
  | StopEvent
  | IntvarEvent
  | TransactionPayloadEvent
  | UnknownEvent;

export type BinlogEventKind = BinlogEvent['type'];
