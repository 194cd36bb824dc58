import type { DataChangeEvent, Row, SchemaChange, SchemaChangeEvent } from '../../event/change-event.js';
import type { ColumnType, Value } from '../../event/column-type.js';
import { assertNever } from '../../event/column-type.js';
import type { JsonValue } from '../../event/json-value.js';
import { applySchemaChange } from '../../event/schema-change.js';
import type { TableId, TableSchema } from '../../event/table-schema.js';
import { tableId, tableIdToString } from '../../event/table-schema.js';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import type { Logger } from '../../runtime/logger.js';
import type { SourceRecord } from '../../runtime/source.js';
import type { TableSelector } from '../../routing/table-selector.js';
import type { BinlogDecoder } from './binlog/binlog-decoder.js';
import type { BinlogEvent, RowsEvent, TableMapEvent } from './binlog/binlog-event.js';
import { AlterMismatch, applyAlterTable, type AlterResult } from './alter-table.js';
import { charsetOfCollation } from './binlog/charset.js';
import type { TableMapColumn } from './binlog/column-value.js';
import { parseDdl, type AlterClause, type DdlStatement } from './ddl-parser.js';
import { existingRowValue, type DdlClock } from './existing-row-value.js';
import { tableMapDifferences } from './table-map-check.js';
import { strictMode } from './type-conversion.js';
import { tableSchemaFromTableMap } from './table-map-schema.js';
import { GtidSet, type Gtid } from './gtid-set.js';
import { parseMysqlTimeZone, type MysqlTimeZone } from './mysql-time-zone.js';

/** A tracked table: its id and the schema valid at the reader's position. */
export interface TrackedTable {
  readonly table: string;
  readonly id: TableId;
  readonly schema: TableSchema;
  /** The last DDL that changed the table (for errors when the binlog disagrees with the schema). */
  readonly lastDdl?: { readonly sql: string; readonly at: string };
}

/** What a checkpoint holds for a MySQL binlog source: the position and the schemas valid there. */
export interface MysqlSourceState {
  readonly phase: 'binlog';
  readonly file: string;
  readonly pos: number;
  /** MariaDB GTID position after the last committed transaction, for information and failover. */
  readonly gtid?: string;
  /**
   * MySQL: the executed GTID set after the last committed transaction (`gtid_executed` text form),
   * for information and failover; absent while unknown (GTIDs off, or a start inside a binlog file
   * without a known set, until the next file's PREVIOUS_GTIDS event tells it).
   */
  readonly gtidSet?: string;
  /**
   * XA transactions prepared before `file`/`pos` and neither committed nor rolled back there: XID
   * text (`X'61',X'',1`) and where its event group starts. A restart reads those groups again (and
   * nothing else) up to `file`/`pos`, and emits their rows at their XA COMMIT.
   */
  readonly pendingXa?: readonly PendingXa[];
  readonly schemas: readonly TrackedTable[];
}

export interface PendingXa {
  readonly xid: string;
  readonly file: string;
  readonly pos: number;
}

interface Pos {
  readonly file: string;
  readonly pos: number;
}

export interface BinlogChangeReaderOptions {
  readonly selector: TableSelector;
  readonly start: MysqlSourceState;
  readonly logger: Logger;
  /**
   * The server's time zone (`+05:30`, `UTC`, `Europe/Berlin`): the session zone of a DDL whose
   * QUERY event does not name one, for the values that existing rows get in added columns.
   */
  readonly serverTimeZone?: string;
}

const LOG_EVENT_ARTIFICIAL_F = 0x20;
/** MariaDB GTID flag: the group is an XA transaction's PREPARE. */
const FL_PREPARED_XA = 0x40;
const XA_RE = /^XA\s+(START|BEGIN|END|PREPARE|COMMIT|ROLLBACK)\s+(.*?)(\s+ONE\s+PHASE)?\s*;?$/is;

/**
 * Turns decoded binlog events into change events: follows the position (file, offset, MariaDB
 * GTID position, MySQL executed GTID set), transaction boundaries (a checkpoint after every XID, COMMIT and DDL), and the schemas of
 * captured tables (DDL parsed from QUERY events). Shared by the live source and the binlog-files
 * source, so both read a binlog the same way.
 */
export class BinlogChangeReader {
  private readonly schemas: Map<string, TrackedTable>;
  private schemaList: readonly TrackedTable[];
  private file: string;
  private pos: number;
  private committedFile: string;
  private committedPos: number;
  private readonly gtidDomains = new Map<string, string>();
  /** MySQL executed GTID set at the committed position; undefined while unknown. */
  private gtidSet: GtidSet | undefined;
  private gtidSetText: string | undefined;
  private pendingMysqlGtid: Gtid | undefined;
  private inTx = false;
  /**
   * Inside BEGIN … COMMIT (or a MariaDB non-standalone GTID group): a QUERY event here is a
   * statement of the transaction (MIXED/STATEMENT format), not a transaction of its own.
   */
  private explicitTx = false;
  private readonly serverZone: MysqlTimeZone | undefined;
  /** Session zones named by QUERY events, parsed once each (a named zone builds an Intl formatter). */
  private readonly zones = new Map<string, MysqlTimeZone | undefined>();
  /** Where the current event group (transaction) starts: its GTID, or its BEGIN without GTIDs. */
  private groupStart: Pos | undefined;
  /** The XA transaction being read: its rows wait until its XA COMMIT (or are dropped at XA ROLLBACK). */
  private xaGroup: { start: Pos; records: DataChangeEvent[]; xid?: string } | undefined;
  /** Prepared XA transactions by XID; `records` undefined while a restart has not read them again. */
  private readonly preparedXa = new Map<string, { start: Pos; records: DataChangeEvent[] | undefined }>();
  /** After a restart with pending XA transactions: up to here only their groups are read. */
  private replayUntil: Pos | undefined;

  constructor(private readonly opts: BinlogChangeReaderOptions) {
    this.schemas = new Map(opts.start.schemas.map((s) => [s.table, s]));
    this.schemaList = opts.start.schemas;
    this.file = this.committedFile = opts.start.file;
    this.pos = this.committedPos = opts.start.pos;
    if (opts.start.gtid) {
      for (const g of opts.start.gtid.split(',')) {
        const domain = g.trim().split('-')[0];
        if (domain) this.gtidDomains.set(domain, g.trim());
      }
    }
    if (opts.start.gtidSet !== undefined) this.gtidSet = GtidSet.parse(opts.start.gtidSet);
    this.serverZone = opts.serverTimeZone === undefined ? undefined : parseMysqlTimeZone(opts.serverTimeZone);
    for (const x of opts.start.pendingXa ?? []) {
      this.preparedXa.set(x.xid, { start: { file: x.file, pos: x.pos }, records: undefined });
    }
    if (this.preparedXa.size) {
      this.replayUntil = { file: this.committedFile, pos: this.committedPos };
      const from = this.resumePosition;
      this.file = from.file;
      this.pos = from.pos;
    }
  }

  /**
   * Where a (re)connection must start reading: the committed position, or the start of the first
   * pending XA transaction whose rows are not in memory (after a restart).
   */
  get resumePosition(): Pos {
    let from: Pos = { file: this.committedFile, pos: this.committedPos };
    for (const x of this.preparedXa.values()) {
      if (x.records === undefined && comparePositions(x.start.file, x.start.pos, from.file, from.pos) < 0) {
        from = x.start;
      }
    }
    return from;
  }

  /** Starts tracking a table (a schema learnt from elsewhere, e.g. a TABLE_MAP with full metadata). */
  addTable(t: TrackedTable): void {
    this.schemas.set(t.table, t);
    this.schemaList = [...this.schemas.values()];
  }

  /** The next events come from the start of another file (a file that ended without a Rotate event). */
  continueInFile(file: string): void {
    this.file = file;
    this.pos = 4;
    if (!this.inTx) this.commit(undefined);
  }

  /** True inside a transaction: records since the last checkpoint belong to an open transaction. */
  get inTransaction(): boolean {
    return this.inTx;
  }

  /** The position after the last complete transaction. */
  get committed(): { readonly file: string; readonly pos: number } {
    return { file: this.committedFile, pos: this.committedPos };
  }

  /** Where the next event starts (for error messages). */
  get position(): { readonly file: string; readonly pos: number } {
    return { file: this.file, pos: this.pos };
  }

  private zone(name: string): MysqlTimeZone | undefined {
    if (!this.zones.has(name)) this.zones.set(name, parseMysqlTimeZone(name));
    return this.zones.get(name);
  }

  /** The decoder hook: tracked column types of a table (charsets, unsigned, ENUM values). */
  readonly columnTypesFor = (db: string, table: string): readonly ColumnType[] | undefined =>
    this.schemas.get(`${db}.${table}`)?.schema.columns.map((c) => c.type);

  /** The decoder hook: rows of tables the reader does not track are not decoded at all. */
  readonly skipRowsOf = (db: string, table: string): boolean =>
    !this.schemas.has(`${db}.${table}`) && !this.pending.has(`${db}.${table}`);

  state(): MysqlSourceState {
    return {
      phase: 'binlog',
      file: this.committedFile,
      pos: this.committedPos,
      ...(this.gtidDomains.size ? { gtid: [...this.gtidDomains.values()].join(',') } : {}),
      ...(this.gtidSet ? { gtidSet: (this.gtidSetText ??= this.gtidSet.toString()) } : {}),
      ...(this.preparedXa.size
        ? {
            pendingXa: [...this.preparedXa].map(([xid, x]) => ({
              xid,
              file: x.start.file,
              pos: x.start.pos,
            })),
          }
        : {}),
      schemas: this.schemaList,
    };
  }

  /** Decodes one raw event (starting at its header) and appends what it means to `out`. */
  processRaw(decoder: BinlogDecoder, buf: Buffer, out: SourceRecord[]): void {
    const at = { file: this.file, pos: this.pos };
    this.process(decoder.decode(buf, at), at, decoder, out);
  }

  process(
    ev: BinlogEvent,
    at: { file: string; pos: number },
    decoder: BinlogDecoder,
    out: SourceRecord[],
  ): void {
    const h = ev.header;
    if ((h.flags & LOG_EVENT_ARTIFICIAL_F) === 0 && h.timestamp !== 0) {
      // MariaDB 11.4+ may write end_log_pos = 0: count ourselves then. The Format_description a
      // server sends first when a dump starts inside a file (end_log_pos 0) is not at this offset.
      if (h.logPos > 0) this.pos = h.logPos;
      else if (ev.type !== 'formatDescription' || this.pos <= 4) this.pos += h.eventSize;
    }
    if (this.replayUntil) {
      if (
        ev.type !== 'rotate' &&
        at.file &&
        comparePositions(at.file, at.pos, this.replayUntil.file, this.replayUntil.pos) >= 0
      ) {
        this.endReplay();
      } else {
        this.replay(ev, at, decoder);
        return;
      }
    }
    switch (ev.type) {
      case 'rotate':
        this.file = ev.nextFile;
        this.pos = ev.position;
        if (!this.inTx) this.commit(undefined);
        break;
      case 'anonymousGtid':
        this.groupStart = at;
        break;
      case 'gtid':
        this.groupStart = at;
        if (ev.flavor === 'mariadb') {
          if ((ev.flags & FL_PREPARED_XA) !== 0) this.xaGroup = { start: at, records: [] };
          this.inTx = this.explicitTx = !ev.standalone;
          this.pendingGtid = [String(ev.domainId), `${ev.domainId}-${h.serverId}-${ev.seqNo}`];
        } else {
          this.inTx = true;
          this.pendingMysqlGtid = { uuid: ev.uuid, gno: ev.gno, ...(ev.tag ? { tag: ev.tag } : {}) };
        }
        break;
      case 'previousGtids': {
        // Every transaction of the earlier files: the executed set at the start of this file.
        let prev: GtidSet;
        try {
          prev = GtidSet.decode(ev.raw);
        } catch (e) {
          this.opts.logger.warn('PREVIOUS_GTIDS event not understood; the GTID set is not recorded', {
            at: `${at.file}:${at.pos}`,
            error: errorMessage(e),
          });
          this.gtidSet = this.gtidSetText = undefined;
          break;
        }
        this.gtidSet = this.gtidSet ? this.gtidSet.union(prev) : prev;
        this.gtidSetText = undefined;
        this.passBetweenGroups();
        break;
      }
      case 'formatDescription':
      case 'mariadbGtidList':
      case 'mariadbBinlogCheckpoint':
      case 'stop':
        this.passBetweenGroups();
        break;
      case 'query': {
        const sql = ev.sql.trim();
        const head = sql.slice(0, 6).toUpperCase();
        if (head.startsWith('BEGIN')) {
          if (!this.inTx) this.groupStart = at;
          this.inTx = this.explicitTx = true;
          break;
        }
        if (head.startsWith('COMMIT')) {
          this.commit(out);
          break;
        }
        if (head.startsWith('XA ')) {
          this.xaStatement(sql, at, out);
          break;
        }
        if (head.startsWith('SAVEPO') || head.startsWith('ROLLBA')) break;
        // When and where the statement ran: needed only for a column added with a time default.
        const clock = (): DdlClock => {
          const micros = ev.statusVars.microseconds ?? ev.statusVars.hrNowMicros;
          const named = ev.statusVars.timeZone;
          const zone = named === undefined ? this.serverZone : this.zone(named);
          return {
            seconds: h.timestamp,
            ...(micros !== undefined ? { micros } : {}),
            ...(zone ? { zone } : {}),
          };
        };
        const collation = ev.statusVars.collationDatabase ?? ev.statusVars.collationServer;
        const changes = this.trackDdl(sql, {
          defaultDb: ev.schema || undefined,
          defaultCharset: collation === undefined ? undefined : charsetOfCollation(collation),
          location: `${at.file}:${at.pos}`,
          seconds: h.timestamp,
          clock,
          strict: strictMode(ev.statusVars.sqlMode),
        });
        out.push(...changes);
        if (changes.length) this.schemaList = [...this.schemas.values()];
        // A DDL commits on its own; a statement inside BEGIN … COMMIT waits for the COMMIT/XID.
        if (!this.explicitTx) this.commit(out);
        break;
      }
      case 'xid':
        this.commit(out);
        break;
      case 'xaPrepare': {
        // The end of an XA transaction's PREPARE group: its rows wait for XA COMMIT / XA ROLLBACK.
        const group = this.xaGroup ?? { start: this.groupStart ?? at, records: [] };
        const xid = group.xid ?? xidText(ev.gtrid, ev.bqual, ev.formatId);
        this.preparedXa.set(xid, { start: group.start, records: group.records });
        this.xaGroup = undefined;
        this.commit(out);
        break;
      }
      case 'tableMap':
        if (this.pending.size && this.pending.has(`${ev.schema}.${ev.table}`)) this.adoptPending(ev, at, out);
        break;
      case 'rows':
        this.rowRecords(ev, at, decoder, this.xaGroup ? this.xaGroup.records : out);
        break;
      default:
        break;
    }
  }

  /** The change events of a rows event of a tracked table. */
  private rowRecords(
    ev: RowsEvent,
    at: Pos,
    decoder: BinlogDecoder,
    into: { push(e: DataChangeEvent): void },
  ): void {
    const h = ev.header;
    const key = `${ev.schema}.${ev.table}`;
    const tracked = this.schemas.get(key);
    if (!tracked) return;
    const tm = decoder.tableMap(ev.tableId);
    if (tm && this.verified.get(tm.columns) !== tracked.schema) {
      this.verify(tracked, tm.columns, at);
      this.verified.set(tm.columns, tracked.schema);
    }
    const meta = { tsMs: h.timestamp * 1000, location: `${at.file}:${at.pos}` };
    for (const r of ev.rows)
      into.push(rowEvent(tracked.id, ev.kind, r.before ?? null, r.after ?? null, meta));
  }

  /** TABLE_MAP columns found to agree with a tracked schema (the decoder reuses them per table). */
  private readonly verified = new WeakMap<readonly TableMapColumn[], TableSchema>();

  /**
   * The safety net under DDL tracking: the server's own description of a captured table's rows
   * must agree with the tracked schema, or the rows would be read into the wrong columns.
   */
  private verify(tracked: TrackedTable, columns: readonly TableMapColumn[], at: Pos): void {
    const diff = tableMapDifferences(tracked.schema, columns);
    if (diff.length === 0) return;
    const since = tracked.lastDdl ? ` since the DDL at ${tracked.lastDdl.at} (${tracked.lastDdl.sql})` : '';
    throw new TidemarkError(
      'SOURCE_SCHEMA',
      `table ${tracked.table}: the binlog at ${at.file}:${at.pos} describes its rows differently from the schema ` +
        `tidemark tracks${since}: ${diff.join('; ')}. tidemark cannot apply these rows exactly; restart from a new snapshot`,
      {
        details: {
          table: tracked.table,
          position: `${at.file}:${at.pos}`,
          ...(tracked.lastDdl ? { ddl: tracked.lastDdl.sql, ddlPosition: tracked.lastDdl.at } : {}),
        },
      },
    );
  }

  /** A table created LIKE an untracked one: its first TABLE_MAP gives its schema (binlog_row_metadata=FULL). */
  private adoptPending(tm: TableMapEvent, at: Pos, out: SourceRecord[]): void {
    const key = `${tm.schema}.${tm.table}`;
    const schema = tableSchemaFromTableMap(tm, `${at.file}:${at.pos}`);
    const id = tableId(tm.schema, tm.table);
    this.pending.delete(key);
    this.schemas.set(key, { table: key, id, schema });
    this.schemaList = [...this.schemas.values()];
    out.push({
      kind: 'schema',
      tableId: id,
      change: { type: 'create-table', schema },
      meta: { tsMs: tm.header.timestamp * 1000, location: `${at.file}:${at.pos}` },
    });
  }

  /** XA START/END/COMMIT/ROLLBACK statements (MySQL and MariaDB write them as QUERY events). */
  private xaStatement(sql: string, at: Pos, out: SourceRecord[]): void {
    const m = XA_RE.exec(sql);
    if (!m) return;
    const verb = m[1]!.toUpperCase();
    const xid = normalizeXid(m[2]!);
    switch (verb) {
      case 'START':
      case 'BEGIN':
        this.xaGroup = { start: this.groupStart ?? at, records: [] };
        this.inTx = true;
        break;
      case 'END':
        if (this.xaGroup) this.xaGroup.xid = xid;
        break;
      case 'COMMIT': {
        if (m[3] && this.xaGroup) {
          // XA COMMIT ... ONE PHASE: no PREPARE group; this ends the transaction itself.
          out.push(...this.xaGroup.records);
          this.xaGroup = undefined;
        } else {
          const prepared = this.preparedXa.get(xid);
          if (prepared?.records) out.push(...prepared.records);
          else if (!prepared) {
            this.opts.logger.warn(
              'XA COMMIT of a transaction prepared before the start position: its rows were not captured',
              { xid, at: `${at.file}:${at.pos}` },
            );
          } else {
            throw new TidemarkError(
              'SOURCE_BINLOG_READ',
              `XA transaction ${xid} prepared at ${prepared.start.file}:${prepared.start.pos} was not found again in the binlog; its rows cannot be emitted at its XA COMMIT (${at.file}:${at.pos})`,
              { details: { xid, prepared: `${prepared.start.file}:${prepared.start.pos}` } },
            );
          }
          this.preparedXa.delete(xid);
        }
        this.commit(out);
        break;
      }
      case 'ROLLBACK':
        this.preparedXa.delete(xid);
        this.xaGroup = undefined;
        this.commit(out);
        break;
      default:
        break;
    }
  }

  /**
   * Before `replayUntil` after a restart: everything was delivered except the groups of pending
   * XA transactions, whose rows are collected again; DDL is not applied twice (the schemas are
   * those of `replayUntil`).
   */
  private replay(ev: BinlogEvent, at: Pos, decoder: BinlogDecoder): void {
    switch (ev.type) {
      case 'rotate':
        this.file = ev.nextFile;
        this.pos = ev.position;
        return;
      case 'gtid':
      case 'anonymousGtid':
        this.xaGroup = this.pendingGroupAt(at);
        return;
      case 'query':
        if (!this.xaGroup && /^\s*BEGIN/i.test(ev.sql)) this.xaGroup = this.pendingGroupAt(at);
        return;
      case 'rows':
        if (this.xaGroup) this.rowRecords(ev, at, decoder, this.xaGroup.records);
        return;
      case 'xaPrepare': {
        const group = this.xaGroup;
        if (group?.xid !== undefined) {
          const x = this.preparedXa.get(group.xid);
          if (x) x.records = group.records;
        }
        this.xaGroup = undefined;
        return;
      }
      default:
        return;
    }
  }

  /** The pending XA transaction whose event group starts at `at` and is not read again yet. */
  private pendingGroupAt(at: Pos): { start: Pos; records: DataChangeEvent[]; xid: string } | undefined {
    for (const [xid, x] of this.preparedXa) {
      if (x.records === undefined && x.start.file === at.file && x.start.pos === at.pos) {
        return { start: at, records: [], xid };
      }
    }
    return undefined;
  }

  private endReplay(): void {
    this.replayUntil = undefined;
    this.xaGroup = undefined;
  }

  private pendingGtid: [string, string] | undefined;

  /**
   * An event that belongs to no transaction (a file's header events, the STOP at a shutdown): read
   * outside any event group, the committed position moves past it. After a rotation or a restart
   * these may be all there is up to the end of the log, which the reader must be able to reach.
   */
  private passBetweenGroups(): void {
    if (this.inTx || this.groupStart !== undefined) return;
    this.committedFile = this.file;
    this.committedPos = this.pos;
  }

  private commit(out: SourceRecord[] | undefined): void {
    this.inTx = this.explicitTx = false;
    this.groupStart = undefined;
    if (this.pendingGtid) {
      this.gtidDomains.set(this.pendingGtid[0], this.pendingGtid[1]);
      this.pendingGtid = undefined;
    }
    if (this.pendingMysqlGtid) {
      if (this.gtidSet) {
        this.gtidSet = this.gtidSet.add(this.pendingMysqlGtid);
        this.gtidSetText = undefined;
      }
      this.pendingMysqlGtid = undefined;
    }
    this.committedFile = this.file;
    this.committedPos = this.pos;
    out?.push({ kind: 'checkpoint', state: this.state() as unknown as JsonValue });
  }

  /** Applies a DDL to the tracked schemas; returns the schema events for captured tables. */
  private trackDdl(sql: string, ctx: DdlContext): SchemaChangeEvent[] {
    let statements: DdlStatement[];
    try {
      statements = parseDdl(sql, ctx.defaultDb, {
        ...(ctx.defaultCharset ? { defaultCharset: ctx.defaultCharset } : {}),
        tableCharset: (id) => this.schemas.get(tableIdToString(id))?.schema.charset,
      });
    } catch (e) {
      // Only a problem when it concerns a captured table: say which DDL could not be followed.
      const table = (e as TidemarkError).details?.table;
      const concerns =
        typeof table === 'string'
          ? [...this.schemas.keys()].some((k) => k.endsWith(`.${table.split('.').pop()!}`))
          : [...this.schemas.values()].some((s) => sql.toLowerCase().includes(s.id.tableName.toLowerCase()));
      if (concerns) {
        throw new TidemarkError(
          'SOURCE_SCHEMA',
          `cannot follow the DDL at ${ctx.location}: ${errorMessage(e)}`,
          {
            cause: e,
            details: { position: ctx.location, ddl: sql },
          },
        );
      }
      this.opts.logger.debug('DDL not understood; it concerns no captured table', { at: ctx.location });
      return [];
    }
    const tracker = new DdlTracker(this, sql, ctx);
    for (const st of statements) tracker.statement(st);
    return tracker.finish();
  }

  /** DdlTracker's access to the tracked tables. */
  tracked(key: string): TrackedTable | undefined {
    return this.schemas.get(key);
  }

  /** DdlTracker's update of the tracked tables (schema undefined: no longer tracked). */
  setTracked(id: TableId, schema: TableSchema | undefined, lastDdl?: TrackedTable['lastDdl']): void {
    const key = tableIdToString(id);
    if (schema) this.schemas.set(key, { table: key, id, schema, ...(lastDdl ? { lastDdl } : {}) });
    else this.schemas.delete(key);
  }

  captures(id: TableId): boolean {
    return !!id.schemaName && this.opts.selector.matches(id.schemaName, id.tableName);
  }

  /** Tables created LIKE a table the reader does not track: their schema comes with their first TABLE_MAP. */
  readonly pending = new Set<string>();

  get logger(): Logger {
    return this.opts.logger;
  }
}

/** Where and how a DDL statement ran (from its QUERY event). */
interface DdlContext {
  readonly defaultDb: string | undefined;
  readonly defaultCharset: string | undefined;
  readonly location: string;
  readonly seconds: number;
  readonly clock: () => DdlClock;
  /** The statement ran in a strict sql_mode (ALTER refuses conversions that lose data). */
  readonly strict: boolean;
}

/**
 * Follows one DDL event's statements over the tracked tables and collects the schema events: the
 * MySQL semantics of CREATE [OR REPLACE] / IF NOT EXISTS, CREATE … LIKE, ALTER (alter-table.ts),
 * DROP, RENAME (several renames in one statement happen one after another, so a swap through a
 * name the pipeline does not capture works) and TRUNCATE.
 */
class DdlTracker {
  private readonly out: SchemaChangeEvent[] = [];
  private readonly meta: { tsMs: number; location: string };
  /** Tables renamed to a name the pipeline does not capture, tracked until the statement ends. */
  private readonly transit = new Set<string>();

  constructor(
    private readonly r: BinlogChangeReader,
    private readonly sql: string,
    private readonly ctx: DdlContext,
  ) {
    this.meta = { tsMs: ctx.seconds * 1000, location: ctx.location };
  }

  private emit(id: TableId, change: SchemaChange): void {
    const key = tableIdToString(id);
    const next = applySchemaChange(this.r.tracked(key)?.schema, change);
    if (change.type === 'rename-table') {
      this.r.setTracked(id, undefined);
      this.r.setTracked(change.to, next, { sql: this.sql, at: this.ctx.location });
    } else {
      this.r.setTracked(id, next, { sql: this.sql, at: this.ctx.location });
    }
    this.out.push({ kind: 'schema', tableId: id, change, ddl: this.sql, meta: this.meta });
  }

  statement(st: DdlStatement): void {
    switch (st.kind) {
      case 'create-table':
        return this.create(st.table, st.schema, st.ifNotExists);
      case 'create-like':
        return this.createLike(st.table, st.like, st.ifNotExists);
      case 'alter-table':
        return this.alter(st.table, st.clauses);
      case 'drop-table':
        for (const t of st.tables) this.drop(t);
        return;
      case 'rename-table':
        for (const { from, to } of st.renames) this.rename(from, to);
        return;
      case 'truncate':
        if (this.r.tracked(tableIdToString(st.table))) this.emit(st.table, { type: 'truncate-table' });
        return;
      case 'other':
        return;
      default:
        assertNever(st, 'DDL statement');
    }
  }

  /** Tables left under a name the pipeline does not capture leave the pipeline. */
  finish(): SchemaChangeEvent[] {
    for (const key of this.transit) {
      const t = this.r.tracked(key);
      if (t) this.emit(t.id, { type: 'drop-table' });
    }
    return this.out;
  }

  private create(id: TableId, schema: TableSchema, ifNotExists: boolean): void {
    const key = tableIdToString(id);
    const exists = this.r.tracked(key) !== undefined || this.r.pending.has(key);
    if (exists && ifNotExists) return;
    // CREATE OR REPLACE (or a table tidemark still tracked): the old table is gone.
    this.drop(id);
    if (this.r.captures(id)) this.emit(id, { type: 'create-table', schema });
  }

  private createLike(id: TableId, like: TableId, ifNotExists: boolean): void {
    const key = tableIdToString(id);
    const source = this.r.tracked(tableIdToString(like));
    if (source) return this.create(id, source.schema, ifNotExists);
    if ((this.r.tracked(key) || this.r.pending.has(key)) && ifNotExists) return;
    this.drop(id);
    if (!this.r.captures(id)) return;
    this.r.pending.add(key);
    this.r.logger.info(
      'table created LIKE a table the pipeline does not capture: its schema comes with its first row',
      {
        table: key,
        like: tableIdToString(like),
        at: this.ctx.location,
      },
    );
  }

  private drop(id: TableId): void {
    const key = tableIdToString(id);
    this.r.pending.delete(key);
    this.transit.delete(key);
    if (this.r.tracked(key)) this.emit(id, { type: 'drop-table' });
  }

  private alter(id: TableId, clauses: readonly AlterClause[]): void {
    const key = tableIdToString(id);
    const cur = this.r.tracked(key);
    if (!cur) {
      const to = clauses.findLast((c) => c.kind === 'rename-table');
      if (to?.kind === 'rename-table') this.rename(id, to.to);
      return;
    }
    let result: AlterResult;
    try {
      result = applyAlterTable(cur.schema, clauses, (c) => this.existing(id, c), this.ctx.strict);
    } catch (e) {
      if (!(e instanceof AlterMismatch)) throw e;
      throw new TidemarkError(
        'SOURCE_SCHEMA',
        `table ${key}: the ALTER TABLE at ${this.ctx.location} does not fit the tracked schema (${e.message}), ` +
          `so tidemark's copy of the schema is wrong${cur.lastDdl ? ` since the DDL at ${cur.lastDdl.at}` : ''}: ` +
          `restart from a new snapshot. DDL: ${this.sql}`,
        { details: { table: key, position: this.ctx.location, ddl: this.sql } },
      );
    }
    for (const change of result.changes) this.emit(id, this.located(id, change));
    if (result.renameTo) this.rename(id, result.renameTo);
  }

  /** Type changes whose existing values are unknown name the table, the DDL and its position. */
  private located(id: TableId, change: SchemaChange): SchemaChange {
    if (change.type !== 'alter-column-type' || !change.changes.some((c) => c.existingUnknown)) return change;
    const where = `${tableIdToString(id)}: ALTER TABLE at ${this.ctx.location}`;
    return {
      ...change,
      changes: change.changes.map((c) =>
        c.existingUnknown
          ? { ...c, existingUnknown: `${where}: ${c.existingUnknown} (DDL: ${this.sql})` }
          : c,
      ),
    };
  }

  /** What the rows already in the table hold in an added column. */
  private existing(
    id: TableId,
    c: Extract<AlterClause, { kind: 'add-column' }>,
  ): { existingValue?: Value; existingUnknown?: string } {
    const r = existingRowValue(c, this.ctx.clock());
    const where = `${tableIdToString(id)}: ALTER TABLE at ${this.ctx.location}`;
    if ('unknown' in r) return { existingUnknown: `${where}: ${r.unknown} (DDL: ${this.sql})` };
    return r.value === null ? {} : { existingValue: r.value };
  }

  private rename(from: TableId, to: TableId): void {
    const fromKey = tableIdToString(from);
    const toKey = tableIdToString(to);
    if (this.r.pending.delete(fromKey)) {
      if (this.r.captures(to)) this.r.pending.add(toKey);
      return;
    }
    if (!this.r.tracked(fromKey)) {
      if (!this.r.captures(to)) return;
      throw new TidemarkError(
        'SOURCE_SCHEMA',
        `table ${toKey} was renamed from ${fromKey} at ${this.ctx.location}, which the pipeline does not capture: ` +
          `its rows are not in the stream, so the sink cannot hold them. Capture ${fromKey} too (tables), ` +
          `or snapshot ${toKey} again. DDL: ${this.sql}`,
        { details: { table: toKey, position: this.ctx.location, ddl: this.sql } },
      );
    }
    this.transit.delete(fromKey);
    this.emit(from, { type: 'rename-table', to });
    if (!this.r.captures(to)) this.transit.add(toKey);
  }
}

function rowEvent(
  id: TableId,
  kind: 'write' | 'update' | 'delete',
  before: Row | null,
  after: Row | null,
  meta: DataChangeEvent['meta'],
): DataChangeEvent {
  const op = kind === 'write' ? 'insert' : kind;
  return {
    kind: 'data',
    tableId: id,
    op,
    before: op === 'insert' ? null : before,
    after: op === 'delete' ? null : after,
    meta,
  };
}

/** Orders binlog positions: file names by their numeric suffix, then the offset. */
export function comparePositions(fileA: string, posA: number, fileB: string, posB: number): number {
  if (fileA !== fileB) {
    const na = Number(/\.(\d+)$/.exec(fileA)?.[1] ?? NaN);
    const nb = Number(/\.(\d+)$/.exec(fileB)?.[1] ?? NaN);
    return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : fileA < fileB ? -1 : 1;
  }
  return posA - posB;
}

/** The text form servers print for an XID (`X'6162',X'',1`), normalised (no spaces, lower-case hex). */
function normalizeXid(text: string): string {
  return text
    .replace(/\s+/g, '')
    .replace(/X'([0-9a-fA-F]*)'/g, (_m, hex: string) => `X'${hex.toLowerCase()}'`);
}

function xidText(gtrid: Uint8Array, bqual: Uint8Array, formatId: number): string {
  return `X'${Buffer.from(gtrid).toString('hex')}',X'${Buffer.from(bqual).toString('hex')}',${formatId}`;
}
