import type { DataChangeEvent, Row, SchemaChangeEvent } from '../../event/change-event.js';
import type { ColumnType } from '../../event/column-type.js';
import type { JsonValue } from '../../event/json-value.js';
import { applySchemaChange } from '../../event/schema-change.js';
import type { TableId, TableSchema } from '../../event/table-schema.js';
import { tableIdToString } from '../../event/table-schema.js';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import type { Logger } from '../../runtime/logger.js';
import type { SourceRecord } from '../../runtime/source.js';
import type { TableSelector } from '../../routing/table-selector.js';
import type { BinlogDecoder } from './binlog/binlog-decoder.js';
import type { BinlogEvent, RowsEvent } from './binlog/binlog-event.js';
import { addedColumnDefault, type DdlClock } from './added-column-default.js';
import { parseDdl, type DdlStatement } from './ddl-parser.js';
import { GtidSet, type Gtid } from './gtid-set.js';
import { parseMysqlTimeZone, type MysqlTimeZone } from './mysql-time-zone.js';

/** A tracked table: its id and the schema valid at the reader's position. */
export interface TrackedTable {
  readonly table: string;
  readonly id: TableId;
  readonly schema: TableSchema;
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
  readonly skipRowsOf = (db: string, table: string): boolean => !this.schemas.has(`${db}.${table}`);

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
        const changes = this.trackDdl(
          sql,
          ev.schema || undefined,
          `${at.file}:${at.pos}`,
          h.timestamp,
          clock,
        );
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
    const n = tracked.schema.columns.length;
    if (tm && tm.columnCount !== n) {
      throw new TidemarkError(
        'SOURCE_SCHEMA',
        `table ${key} has ${tm.columnCount} columns in the binlog at ${at.file}:${at.pos} but ${n} in the tracked schema ` +
          '(a DDL was missed or not understood); restart from a snapshot',
        { details: { table: key, position: `${at.file}:${at.pos}` } },
      );
    }
    const meta = { tsMs: h.timestamp * 1000, location: `${at.file}:${at.pos}` };
    for (const r of ev.rows)
      into.push(rowEvent(tracked.id, ev.kind, r.before ?? null, r.after ?? null, meta));
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
  private trackDdl(
    sql: string,
    defaultDb: string | undefined,
    location: string,
    seconds: number,
    clock: () => DdlClock,
  ): SchemaChangeEvent[] {
    let statements: DdlStatement[];
    try {
      statements = parseDdl(sql, defaultDb);
    } catch (e) {
      // Only a problem when it concerns a captured table: say which DDL could not be followed.
      const table = (e as TidemarkError).details?.table;
      const concerns =
        typeof table === 'string'
          ? [...this.schemas.keys()].some((k) => k.endsWith(`.${table.split('.').pop()!}`))
          : [...this.schemas.values()].some((s) => sql.toLowerCase().includes(s.id.tableName.toLowerCase()));
      if (concerns) {
        throw new TidemarkError('SOURCE_SCHEMA', `cannot follow the DDL at ${location}: ${errorMessage(e)}`, {
          cause: e,
        });
      }
      this.opts.logger.debug('DDL not understood; it concerns no captured table', { at: location });
      return [];
    }
    const meta = { tsMs: seconds * 1000, location };
    const out: SchemaChangeEvent[] = [];
    /** ADD COLUMN: the default becomes what the server put into the rows already there. */
    const withExistingRowValues = (table: TableId, change: SchemaChangeEvent['change']): typeof change => {
      if (change.type !== 'add-column') return change;
      const columns = change.columns.map((c) => {
        const r = addedColumnDefault(c.column, clock());
        if (r.warning) {
          this.opts.logger.warn(r.warning, {
            table: tableIdToString(table),
            column: c.column.name,
            at: location,
          });
        }
        return { ...c, column: r.column };
      });
      return { ...change, columns };
    };
    const apply = (id: TableId, change: SchemaChangeEvent['change']): void => {
      const key = tableIdToString(id);
      const next = applySchemaChange(this.schemas.get(key)?.schema, change);
      if (next) this.schemas.set(key, { table: key, id, schema: next });
      else this.schemas.delete(key);
      out.push({ kind: 'schema', tableId: id, change, ddl: sql, meta });
    };
    const captures = (id: TableId): boolean =>
      !!id.schemaName && this.opts.selector.matches(id.schemaName, id.tableName);
    const rename = (from: TableId, to: TableId): void => {
      const cur = this.schemas.get(tableIdToString(from));
      if (!cur) return;
      apply(from, { type: 'drop-table' });
      if (captures(to)) apply(to, { type: 'create-table', schema: cur.schema });
    };
    for (const st of statements) {
      switch (st.kind) {
        case 'create-table':
          if (!this.schemas.has(tableIdToString(st.table)) && captures(st.table)) {
            apply(st.table, { type: 'create-table', schema: st.schema });
          }
          break;
        case 'create-like': {
          const like = this.schemas.get(tableIdToString(st.like));
          if (like && captures(st.table)) apply(st.table, { type: 'create-table', schema: like.schema });
          break;
        }
        case 'alter-table': {
          const key = tableIdToString(st.table);
          if (!this.schemas.has(key)) break;
          for (const change of st.changes) apply(st.table, withExistingRowValues(st.table, change));
          if (st.primaryKey) {
            const cur = this.schemas.get(key)!;
            this.schemas.set(key, { ...cur, schema: { ...cur.schema, primaryKeys: st.primaryKey } });
          }
          if (st.renameTo) rename(st.table, st.renameTo);
          break;
        }
        case 'drop-table':
          for (const t of st.tables)
            if (this.schemas.has(tableIdToString(t))) apply(t, { type: 'drop-table' });
          break;
        case 'rename-table':
          for (const r of st.renames) rename(r.from, r.to);
          break;
        case 'truncate':
          if (this.schemas.has(tableIdToString(st.table))) apply(st.table, { type: 'truncate-table' });
          break;
        case 'other':
          break;
        default:
          break;
      }
    }
    return out;
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
