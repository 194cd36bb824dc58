import type { Connection } from 'mysql2/promise';
import type { ChangeEvent, DataChangeEvent } from '../../event/change-event.js';
import { withoutComments } from '../../event/schema-change.js';
import type { JsonValue } from '../../event/json-value.js';
import type { TableId, TableSchema } from '../../event/table-schema.js';
import { columnIndex, tableId, tableIdToString } from '../../event/table-schema.js';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import type { Logger } from '../../runtime/logger.js';
import { Reconnector } from '../../runtime/reconnect.js';
import type {
  Source,
  SourceContext,
  SourceInfo,
  SourceProgress,
  SourceRecord,
} from '../../runtime/source.js';
import { compileTableSelector, tableSelection, type TableSelector } from '../../routing/table-selector.js';
import type { MysqlSourceState, TrackedTable } from './binlog-change-reader.js';
import { BinlogSession, type BinlogRead } from './binlog-session.js';
import { describeEndpoint, openMysqlConnection, type MysqlConnectionOptions } from './mysql-connection.js';
import { serverIdRange, type MysqlSourceOptions } from './options.js';
import { listTables, loadTableSchemas } from './schema-loader.js';
import {
  checkServerForCdc,
  currentBinlogPosition,
  type BinlogPosition,
  type ServerInfo,
} from './server-checks.js';
import { estimateRowCount } from './snapshot-reader.js';
import { nearMatches } from './near-matches.js';
import { BinlogEventType } from './binlog/binlog-event.js';
import type { ChunkKey, CollationOrder } from './snapshot/chunk-key.js';
import { restoredMysqlState } from './mysql-source-state.js';
import { StartupSkipper } from './startup-skipper.js';
import { binlogPosition } from './snapshot/chunk-reader.js';
import { keyColumnOrders, type KeyColumnInfo } from './snapshot/key-order.js';
import { ChunkStreamReconciler, type StreamVerdict } from './snapshot/chunk-stream-reconciler.js';
import { SnapshotReaderPool, type QueueItem } from './snapshot/snapshot-reader-pool.js';
import type { EventKeys } from './snapshot/stream-key-weigher.js';
import {
  comparePos,
  formatPos,
  TableSnapshot,
  type BinlogPos,
  type TableSnapshotJson,
} from './snapshot/snapshot-state.js';
import {
  earliestPosition,
  positionAfterGtids,
  positionForTimestamp,
  specificPosition,
} from './snapshot/startup-position.js';

type Connection2 = Connection;

/** The checkpointed state: the binlog position and schemas, plus the snapshot still in progress. */
export interface MysqlSnapshotSourceState extends MysqlSourceState {
  /** The server the file and offset belong to: its server_id, and server_uuid on MySQL. */
  readonly serverId?: number;
  readonly serverUuid?: string;
  /** Tables whose snapshot is not finished (or whose high watermarks the stream has not passed). */
  readonly snapshot?: { readonly tables: readonly TableSnapshotJson[] };
  /** `scan.startup.mode: snapshot`: the source ends after the snapshot. */
  readonly bounded?: boolean;
}

export interface MysqlSourceSettings {
  /** `pipeline.parallelism`: snapshot readers, each on its own connection. */
  readonly parallelism?: number;
}

/** Row events decoded and handed on at a time, at most (see streamBatch). */
const DECODED_ROWS_PER_YIELD = 1024;

/**
 * `source: type: mysql`. Startup modes as in Flink CDC. The snapshot (`initial`, `snapshot`) is
 * Flink CDC's incremental snapshot: tables are split into key-range chunks, read by
 * `pipeline.parallelism` readers without locks (low watermark, SELECT, high watermark, binlog
 * replay between them), and a checkpoint follows every chunk, so a restart reads only unfinished
 * chunks. The binlog stream runs alongside from the position taken before the snapshot: an event
 * of a key whose chunk is finished is emitted when it lies after the chunk's high watermark; the
 * other events of snapshotting tables are already in a chunk or will be. Row events are emitted
 * per transaction with a checkpoint after every commit (XID, COMMIT, DDL).
 */
export class MysqlSource implements Source {
  private readonly conn: MysqlConnectionOptions;
  private readonly selector: TableSelector;
  private ctx: SourceContext | undefined;
  private server: ServerInfo | undefined;
  private tables: TableId[] = [];
  private session: BinlogSession | undefined;
  private readonly serverIds: number[];
  private readonly parallelism: number;
  private readonly keyColumns: { selector: TableSelector; column: string; text: string }[];

  constructor(
    private readonly options: MysqlSourceOptions,
    settings: MysqlSourceSettings = {},
  ) {
    this.conn = {
      host: options.hostname,
      port: options.port,
      user: options.username,
      password: options.password,
      connectTimeoutMs: options['connect.timeout'],
      jdbcProperties: options['jdbc.properties'] ?? {},
    };
    this.selector = compileTableSelector(options.tables, options['tables.exclude']);
    this.parallelism = Math.max(1, settings.parallelism ?? 1);
    // without server-id (a source not made by the composer, whose resolveOptions sets one)
    const sid = options['server-id'];
    const random = 5400 + Math.floor(Math.random() * 1000);
    const { first, last } = (sid !== undefined ? serverIdRange(sid) : undefined) ?? {
      first: random,
      last: random,
    };
    // the stream uses the first id, snapshot reader i the id after it
    this.serverIds = Array.from({ length: this.parallelism + 1 }, (_, i) => first + i);
    this.rangeTooSmall = last - first + 1 < this.parallelism + 1 && sid !== undefined;
    this.keyColumns = (options['scan.incremental.snapshot.chunk.key-column'] ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s.length > 0)
      .map((entry) => {
        const i = entry.lastIndexOf(':');
        if (i <= 0 || i === entry.length - 1) {
          throw new TidemarkError(
            'CONFIG_INVALID',
            `scan.incremental.snapshot.chunk.key-column: "${entry}" is not of the form db.table_regex:column`,
          );
        }
        return {
          selector: compileTableSelector(entry.slice(0, i)),
          column: entry.slice(i + 1).trim(),
          text: entry,
        };
      });
  }

  private readonly rangeTooSmall: boolean;

  async open(ctx: SourceContext): Promise<SourceInfo> {
    this.ctx = ctx;
    const c = await openMysqlConnection(this.conn, ctx.logger);
    try {
      this.server = await checkServerForCdc(c);
      for (const w of this.server.warnings) ctx.logger.warn(w);
      const all = await listTables(c);
      this.tables = all
        .filter((t) => this.selector.matches(t.schemaName, t.tableName))
        .map((t) => tableId(t.schemaName, t.tableName));
      const exclude = this.options['tables.exclude'];
      const noTables =
        this.tables.length > 0
          ? undefined
          : `the tables pattern "${this.options.tables}"${exclude ? ` (excluding "${exclude}")` : ''} ` +
            `matches no table on ${describeEndpoint(this.conn)}; ${nearMatches(this.options.tables, all)}. ` +
            'Write `db.table` regexes, e.g. `app_db.\\.*` for every table of app_db' +
            (this.options.tables.includes('\\*')
              ? ' (`\\*` matches a literal asterisk: a pattern copied from Markdown may carry it for `*`).'
              : '.');
      if (this.rangeTooSmall) {
        ctx.logger.warn(
          `server-id ${this.options['server-id']} has fewer ids than pipeline.parallelism + 1 (${this.parallelism + 1}); ` +
            `using ${this.serverIds[0]}-${this.serverIds[this.serverIds.length - 1]}: make sure no other replica uses them`,
        );
      }
      return {
        tables: this.tables,
        endpoint: `mysql ${describeEndpoint(this.conn)}`,
        selection: tableSelection(this.options.tables, exclude),
        ...(noTables ? { noTables } : {}),
      };
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  async *read(restoredState: JsonValue | undefined): AsyncIterable<readonly SourceRecord[]> {
    const ctx = this.ctx;
    if (!ctx) throw new TidemarkError('INTERNAL', 'MysqlSource.read before open');
    const restored = restoredMysqlState(restoredState);
    const mode = this.options['scan.startup.mode'];
    let start: MysqlSourceState;
    let snapshot: TableSnapshot[] = [];
    let bounded = mode === 'snapshot';
    let fresh = false;
    let notCaptured: string[] = [];
    const c = await openMysqlConnection(this.conn, ctx.logger);
    try {
      if (restored) {
        bounded = restored.bounded === true;
        let schemas = [...restored.schemas];
        const known = new Set(schemas.map((s) => s.table));
        const added = this.tables.filter((t) => !known.has(tableIdToString(t)));
        const addedSnapshots: TableSnapshot[] = [];
        if (added.length && this.options['scan.newly-added-table.enabled']) {
          const loaded = this.schemaList(await this.loadSchemas(c, added), added);
          ctx.logger.info('snapshotting newly added tables (scan.newly-added-table.enabled)', {
            tables: loaded.map((s) => s.table),
          });
          schemas = [...schemas, ...loaded];
          addedSnapshots.push(...(await this.newSnapshots(c, loaded)));
        } else {
          // warned about at catch-up, if the stream did not capture them from a CREATE TABLE
          notCaptured = added.map(tableIdToString);
        }
        const byName = new Map(schemas.map((s) => [s.table, s]));
        const restoredSnaps = await this.restoreSnapshots(c, restored.snapshot?.tables ?? [], byName);
        snapshot = [...restoredSnaps, ...addedSnapshots];
        const at = await this.positionOnThisServer(c, restored);
        start = {
          phase: 'binlog',
          file: at.file,
          pos: at.pos,
          ...(restored.gtid ? { gtid: restored.gtid } : {}),
          ...(restored.gtidSet !== undefined ? { gtidSet: restored.gtidSet } : {}),
          ...(restored.pendingXa?.length ? { pendingXa: restored.pendingXa } : {}),
          schemas,
        };
      } else {
        fresh = true;
        const pos = await this.startPosition(c, mode);
        const schemas = this.schemaList(await this.loadSchemas(c, this.tables), this.tables);
        start = {
          phase: 'binlog',
          file: pos.file,
          pos: pos.pos,
          ...(pos.gtid ? { gtid: pos.gtid } : {}),
          ...(pos.gtidSet !== undefined ? { gtidSet: pos.gtidSet } : {}),
          schemas,
        };
        if (mode === 'initial' || mode === 'snapshot') snapshot = await this.newSnapshots(c, schemas);
        ctx.logger.info('starting', { mode, position: formatPos(pos), tables: schemas.length });
      }
    } finally {
      await c.end().catch(() => undefined);
    }
    const shape = this.options['include-comments.enabled'] ? undefined : dropComments;
    const first = start.schemas.map((s) => createTableEvent(s.id, s.schema));
    yield shape ? shape(first) : first;
    const run = this.run(ctx, start, snapshot, bounded, fresh && mode === 'specific-offset', notCaptured);
    if (!shape) return yield* run;
    for await (const batch of run) yield shape(batch);
  }

  /**
   * The checkpoint's file and offset, when it was taken on this server. After a failover (another
   * server_id, or server_uuid on MySQL: a replica promoted, a new primary behind the same address)
   * file names and offsets differ, so the stream resumes where the first transaction after the
   * checkpoint's GTID state starts on this server. Without a GTID state, or in the middle of a
   * snapshot (whose chunk watermarks are offsets of the old server), that cannot be done: an error.
   */
  private async positionOnThisServer(c: Connection2, restored: MysqlSnapshotSourceState): Promise<BinlogPos> {
    const server = this.server!;
    const sameId = restored.serverId === undefined || restored.serverId === server.serverId;
    const sameUuid =
      restored.serverUuid === undefined ||
      server.serverUuid === undefined ||
      restored.serverUuid === server.serverUuid;
    if (sameId && sameUuid) return { file: restored.file, pos: restored.pos };
    const name = (id: number | undefined, uuid: string | undefined): string =>
      `server_id ${id ?? '?'}${uuid ? ` (server_uuid ${uuid})` : ''}`;
    const was = name(restored.serverId, restored.serverUuid);
    const now = name(server.serverId, server.serverUuid);
    const details = { checkpointServer: was, server: now, position: formatPos(restored) };
    if (restored.pendingXa?.length) {
      throw new TidemarkError(
        'SOURCE_POSITION_LOST',
        `the checkpoint was taken on ${was} with XA transactions prepared and not yet committed there (${restored.pendingXa.map((x) => x.xid).join(', ')}); their rows are read again from ${was}'s binlog at their XA COMMIT: resume on ${was} until they are resolved`,
        { details },
      );
    }
    if (restored.snapshot?.tables.length) {
      throw new TidemarkError(
        'SOURCE_POSITION_LOST',
        `the checkpoint was taken on ${was} during the snapshot, and this is ${now}: a snapshot cannot move to another server; resume on ${was}, or start again with a new state directory`,
        { details },
      );
    }
    const scanOpts = { connection: this.conn, serverId: this.serverIds[0]!, logger: this.ctx!.logger };
    let at: BinlogPos;
    if (server.flavor === 'mariadb' && restored.gtid) {
      at = await positionAfterGtids(c, { mariadbGtid: restored.gtid }, scanOpts);
    } else if (server.flavor === 'mysql' && restored.gtidSet !== undefined && server.gtidMode === 'ON') {
      at = await positionAfterGtids(c, { mysqlGtid: restored.gtidSet }, scanOpts);
    } else {
      throw new TidemarkError(
        'SOURCE_POSITION_LOST',
        `the checkpoint was taken on ${was} at ${formatPos(restored)}, and this is ${now}; binlog offsets differ between servers and the checkpoint holds no GTID state to find its place here (MySQL needs gtid_mode=ON): resume on ${was}, or start again with a new state directory`,
        { details },
      );
    }
    this.ctx!.logger.warn('the checkpoint was taken on another server: resuming after its GTID state', {
      ...details,
      gtid: restored.gtid ?? restored.gtidSet,
      resumeAt: formatPos(at),
    });
    return at;
  }

  private async startPosition(
    c: Connection2,
    mode: MysqlSourceOptions['scan.startup.mode'],
  ): Promise<BinlogPosition> {
    const scanOpts = { connection: this.conn, serverId: this.serverIds[0]!, logger: this.ctx!.logger };
    switch (mode) {
      case 'earliest-offset':
        return earliestPosition(c);
      case 'timestamp':
        return positionForTimestamp(c, this.options['scan.startup.timestamp-millis'] ?? 0, scanOpts);
      case 'specific-offset': {
        const gtid = this.options['scan.startup.specific-offset.gtid-set'];
        if (gtid !== undefined) {
          if (this.server?.flavor === 'mariadb') {
            return { ...(await positionAfterGtids(c, { mariadbGtid: gtid }, scanOpts)), gtid };
          }
          return { ...(await positionAfterGtids(c, { mysqlGtid: gtid }, scanOpts)), gtidSet: gtid };
        }
        return specificPosition(
          c,
          this.options['scan.startup.specific-offset.file']!,
          this.options['scan.startup.specific-offset.pos'] ?? 4,
          describeEndpoint(this.conn),
        );
      }
      default: {
        return currentBinlogPosition(c);
      }
    }
  }

  private async loadSchemas(c: Connection2, tables: readonly TableId[]): Promise<Map<string, TableSchema>> {
    return loadTableSchemas(
      c,
      tables.map((t) => ({ schemaName: t.schemaName!, tableName: t.tableName })),
    );
  }

  private schemaList(schemas: Map<string, TableSchema>, tables: readonly TableId[]): TrackedTable[] {
    return tables.flatMap((id) => {
      const key = tableIdToString(id);
      const schema = schemas.get(key);
      return schema ? [{ table: key, id, schema }] : [];
    });
  }

  /**
   * The split key of a table: the configured chunk key column, else the primary key, else none;
   * with how the server orders each of its columns (collations probed once per `probes`).
   */
  private async chunkKey(
    c: Connection2,
    t: TrackedTable,
    info: Map<string, KeyColumnInfo>,
    probes: Map<string, Promise<CollationOrder>>,
  ): Promise<ChunkKey | null> {
    const configured = this.keyColumns.find((k) => k.selector.matches(t.id.schemaName ?? '', t.id.tableName));
    let columns: string[];
    if (configured) {
      const i = columnIndex(t.schema, configured.column);
      if (i < 0) {
        throw new TidemarkError(
          'CONFIG_INVALID',
          `scan.incremental.snapshot.chunk.key-column "${configured.text}": table ${t.table} has no column ${configured.column}`,
          { details: { table: t.table } },
        );
      }
      columns = [t.schema.columns[i]!.name];
    } else if (t.schema.primaryKeys.length) {
      columns = [...t.schema.primaryKeys];
    } else {
      return null;
    }
    const indexes = columns.map((col) => columnIndex(t.schema, col));
    const pk = t.schema.primaryKeys.map((k) => k.toLowerCase()).sort();
    const unique =
      pk.length > 0 &&
      pk.length === columns.length &&
      columns
        .map((k) => k.toLowerCase())
        .sort()
        .every((k, i) => k === pk[i]);
    const columnInfo = columns.map(
      (col): KeyColumnInfo =>
        info.get(`${t.table}.${col.toLowerCase()}`) ?? { dataType: '', collation: null, charset: null },
    );
    return {
      columns,
      indexes,
      types: indexes.map((i) => t.schema.columns[i]!.type),
      orders: await keyColumnOrders(c, columnInfo, probes),
      unique,
    };
  }

  /** information_schema's type, collation and character set of the tables' columns. */
  private async columnInfo(
    c: Connection2,
    tables: readonly TrackedTable[],
  ): Promise<Map<string, KeyColumnInfo>> {
    const out = new Map<string, KeyColumnInfo>();
    if (!tables.length) return out;
    const [rows] = await c.query(
      'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c, DATA_TYPE AS d, COLLATION_NAME AS k, CHARACTER_SET_NAME AS cs FROM information_schema.COLUMNS WHERE (TABLE_SCHEMA, TABLE_NAME) IN (?)',
      [tables.map((t) => [t.id.schemaName, t.id.tableName])],
    );
    for (const r of rows as {
      s: string;
      t: string;
      c: string;
      d: string;
      k: string | null;
      cs: string | null;
    }[]) {
      out.set(`${r.s}.${r.t}.${r.c.toLowerCase()}`, { dataType: r.d, collation: r.k, charset: r.cs });
    }
    return out;
  }

  private async newSnapshots(c: Connection2, tables: readonly TrackedTable[]): Promise<TableSnapshot[]> {
    const info = await this.columnInfo(c, tables);
    const probes = new Map<string, Promise<CollationOrder>>();
    const out: TableSnapshot[] = [];
    for (const t of tables) {
      const ts = new TableSnapshot(t.table, t.id, t.schema, await this.chunkKey(c, t, info, probes));
      ts.rowsEstimated = await estimateRowCount(c, t.id);
      out.push(ts);
    }
    return out;
  }

  private async restoreSnapshots(
    c: Connection2,
    list: readonly TableSnapshotJson[],
    byName: Map<string, TrackedTable>,
  ): Promise<TableSnapshot[]> {
    const tracked = list.flatMap((j) => {
      const t = byName.get(j.table);
      return t ? [{ j, t }] : [];
    });
    const info = await this.columnInfo(
      c,
      tracked.map((x) => x.t),
    );
    const probes = new Map<string, Promise<CollationOrder>>();
    const out: TableSnapshot[] = [];
    for (const { j, t } of tracked) {
      const key = await this.chunkKey(c, t, info, probes);
      const ts = await TableSnapshot.restore(j, t.id, t.schema, key, c);
      ts.rowsEstimated = await estimateRowCount(c, t.id);
      out.push(ts);
    }
    return out;
  }

  /**
   * Snapshot readers and binlog stream together (see the class comment): wires the pieces of one
   * read, runs them (SourceRun) and ends them when the read ends.
   */
  private async *run(
    ctx: SourceContext,
    start: MysqlSourceState,
    snapshot: readonly TableSnapshot[],
    bounded: boolean,
    applySkips: boolean,
    notCaptured: readonly string[],
  ): AsyncGenerator<readonly SourceRecord[]> {
    const logger = ctx.logger;
    const opts = this.options;
    const openConnection = (): Promise<Connection2> => openMysqlConnection(this.conn, logger);
    const internal = new AbortController();
    const signal = internal.signal;
    const serverTimeZone = opts['server-time-zone'] ?? this.server?.timeZone;
    const session = new BinlogSession({
      connection: this.conn,
      serverId: this.serverIds[0]!,
      heartbeatSeconds: Math.max(1, Math.round(opts['heartbeat.interval'] / 1000)),
      selector: this.selector,
      start,
      logger,
      ...(serverTimeZone !== undefined ? { serverTimeZone } : {}),
    });
    this.session = session;
    const onAbort = (): void => {
      internal.abort();
      void session.close();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });

    const captured = new Set(start.schemas.map((s) => s.table));
    const pool = new SnapshotReaderPool(snapshot, {
      connection: this.conn,
      parallelism: this.parallelism,
      serverIds: this.serverIds.slice(1),
      chunkSize: opts['scan.incremental.snapshot.chunk.size'],
      unboundedFirst: opts['scan.incremental.snapshot.unbounded-chunk-first.enabled'],
      fetchSize: opts['scan.snapshot.fetch.size'],
      exactSnapshot: this.server?.flavor === 'mariadb',
      streamStart: start,
      logger,
      signal,
    });
    const reconciler = new ChunkStreamReconciler(snapshot, {
      captured,
      position: () => session.position,
      openConnection,
      onFailure: (e) => pool.fail(e),
    });
    const run = new SourceRun({
      ctx,
      bounded,
      server: this.server,
      snapshot,
      captured,
      notCaptured,
      pool,
      session,
      reconciler,
      // skip-events / skip-rows of specific-offset
      skipper: new StartupSkipper(
        applySkips ? opts['scan.startup.specific-offset.skip-events'] : 0,
        applySkips ? opts['scan.startup.specific-offset.skip-rows'] : 0,
      ),
      reconnector: new Reconnector({
        what: 'the binlog connection',
        maxRetries: opts['connect.max-retries'],
        maxRetriesOption: 'connect.max-retries',
        signal,
        onRetry: ({ error, attempt, delayMs }) =>
          logger.warn('binlog connection lost; reconnecting', {
            error: error.message,
            attempt,
            delayMs,
            at: formatPos(session.committed),
          }),
      }),
      openConnection,
      schemaEvent: (rec) => this.schemaEvent(rec, captured, logger),
    });

    pool.start();
    try {
      yield* run.records();
    } finally {
      internal.abort();
      ctx.signal.removeEventListener('abort', onAbort);
      pool.close();
      await session.close();
      this.session = undefined;
      await reconciler.close();
    }
  }

  /** Schema events of the stream: tables created while running only with scan.binlog.newly-added-table.enabled. */
  private schemaEvent(
    rec: Extract<SourceRecord, { kind: 'schema' }>,
    captured: Set<string>,
    logger: Logger,
  ): SourceRecord | undefined {
    const name = tableIdToString(rec.tableId);
    if (captured.has(name)) {
      if (rec.change.type === 'rename-table') captured.add(tableIdToString(rec.change.to));
      return rec;
    }
    if (rec.change.type !== 'create-table') return undefined;
    const created = /^\s*CREATE\b/i.test(rec.ddl ?? '');
    const enabled =
      this.options['scan.binlog.newly-added-table.enabled'] ??
      !this.options['scan.newly-added-table.enabled'];
    if (created && !enabled) {
      logger.info(
        'a table matching the pattern was created; it is not captured (set scan.binlog.newly-added-table.enabled: true to capture such tables)',
        { table: name, at: rec.meta.location },
      );
      return undefined;
    }
    if (created) logger.info('capturing a newly created table', { table: name, at: rec.meta.location });
    captured.add(name);
    return rec;
  }

  async close(): Promise<void> {
    await this.session?.close();
  }
}

/** The pieces of one read of the source, wired by MysqlSource.run. */
interface SourceRunParts {
  readonly ctx: SourceContext;
  /** `scan.startup.mode: snapshot`: the run ends after the snapshot, without streaming. */
  readonly bounded: boolean;
  readonly server: ServerInfo | undefined;
  /** The tables of the snapshot (finished ones too): its progress. */
  readonly snapshot: readonly TableSnapshot[];
  /** The tables captured now; the stream adds those it sees created or renamed (schemaEvent). */
  readonly captured: Set<string>;
  /** Tables now matching the pattern that the checkpoint did not capture: warned about at catch-up. */
  readonly notCaptured: readonly string[];
  readonly pool: SnapshotReaderPool;
  readonly session: BinlogSession;
  readonly reconciler: ChunkStreamReconciler;
  readonly skipper: StartupSkipper;
  readonly reconnector: Reconnector;
  readonly openConnection: () => Promise<Connection2>;
  readonly schemaEvent: (rec: Extract<SourceRecord, { kind: 'schema' }>) => SourceRecord | undefined;
}

/**
 * One read of the source: the snapshot readers' chunks and the binlog stream merged into one
 * sequence of records. While the snapshot runs, the loop emits whatever is ready first, queued
 * chunks or a batch of the stream (whose row events the reconciler lets through, drops, or holds
 * until a chunk is emitted); a checkpoint follows every transaction, and every chunk emitted
 * between transactions. Once the snapshot is done the stream goes on alone, `caught-up` when it
 * reaches the end of the log as it was then. A bounded run ends with the snapshot.
 */
class SourceRun {
  private readonly logger: Logger;
  private readonly streaming: boolean;
  private caughtUp = false;
  private target: BinlogPos | undefined;
  private snapshotDone: boolean;
  private lastEventMs = 0;
  private lastStreamProgress = 0;
  private emittedInTx = false;
  private pending: Promise<BinlogRead> | undefined;
  private queuedWait: Promise<void> | undefined;
  /**
   * How far the stream's records were handed on: the state of the last transaction boundary
   * passed, and whether the stream's records stand inside a transaction since. A batch is decoded
   * whole before its events are reconciled, so the session is ahead of this while a chunk is
   * emitted in the middle of the batch: a checkpoint of the session's state there would skip the
   * rest of the batch on a restart.
   */
  private handed: { state: MysqlSourceState; inTx: boolean };

  constructor(private readonly p: SourceRunParts) {
    this.logger = p.ctx.logger;
    this.streaming = !p.bounded;
    this.snapshotDone = !p.pool.anyWork;
    this.handed = { state: p.session.state(), inTx: false };
  }

  async *records(): AsyncGenerator<readonly SourceRecord[]> {
    const { ctx, pool, session } = this.p;
    yield [this.checkpoint(), ...(pool.anyWork ? [this.snapshotProgress()] : [])];
    if (this.streaming && this.snapshotDone) await this.setTarget();
    for (;;) {
      if (ctx.signal.aborted) return;
      pool.throwIfFailed();
      yield* this.drainQueue();
      if (!this.snapshotDone && !pool.reading && !pool.hasItems) {
        pool.throwIfFailed();
        this.snapshotDone = true;
        this.logger.info('snapshot done', { tables: this.p.snapshot.length });
        if (!this.streaming) {
          yield [this.snapshotProgress(), ...this.caughtUpRecords()];
          return;
        }
        await this.setTarget();
      }
      if (!this.streaming) {
        if (!pool.anyWork) {
          yield this.caughtUpRecords();
          return;
        }
        if (!pool.hasItems && pool.reading && !pool.failed) await pool.whenQueued();
        continue;
      }
      if (!this.caughtUp && this.snapshotDone && this.reachedTarget()) {
        this.caughtUp = true;
        // the phase is streaming from now on: said at once, not with the next binlog batch
        this.lastStreamProgress = Date.now();
        yield [...this.caughtUpRecords(), streamProgress(this.lastEventMs, session.committed)];
      }
      // connected lazily: a pipeline that exits at once never opens (and half-closes) a session
      if (!session.connected) session.connect();
      const pending = (this.pending ??= session.next());
      const wakeup = this.snapshotDone ? undefined : this.queuedWakeup();
      const got = await (wakeup ? Promise.race([pending, wakeup.then(() => undefined)]) : pending);
      if (!got) continue;
      this.pending = undefined;
      if (got.e !== undefined) {
        if (ctx.signal.aborted) return;
        await this.reconnect(got.e);
        continue;
      }
      const r = got.r!;
      if (r.done) return; // the server ended the stream
      this.p.reconnector.succeeded();
      yield* this.streamBatch(r.value);
    }
  }

  /** The session failed: a new one after the backoff, or the error. */
  private async reconnect(e: unknown): Promise<void> {
    const { ctx, session, reconnector } = this.p;
    const te =
      e instanceof TidemarkError
        ? e
        : new TidemarkError('SOURCE_BINLOG_READ', errorMessage(e), {
            retryable: true,
            cause: e,
          });
    // a new session starts at the last transaction boundary: rows of the open transaction
    // already emitted would come again, and the change reader is inside that transaction
    if (this.emittedInTx || session.inTransaction) throw te;
    await session.close();
    // throws te when it is not retryable, or once the retries are used up
    await reconnector.failed(te);
    // stopped during the wait: the loop ends without a new session
    if (!ctx.signal.aborted) session.connect();
  }

  /**
   * One batch of the stream: decoded, reconciled with the snapshot, emitted, at most about
   * DECODED_ROWS_PER_YIELD rows at a time (a batch of 1000 rows events can hold 100k rows: decoded
   * at once, they would all outlive the young generation of the garbage collector).
   */
  private async *streamBatch(batch: readonly Buffer[]): AsyncGenerator<readonly SourceRecord[]> {
    const { session } = this.p;
    let raw: SourceRecord[] = [];
    for (const buf of batch) {
      session.process(buf, raw);
      // the server sends a heartbeat when it has nothing more to send: every change before it has
      // been read, so the stream is current (lag 0), not behind by the age of the last change
      if (isHeartbeat(buf) && !session.inTransaction) this.lastEventMs = Date.now();
      if (!this.caughtUp && this.snapshotDone && this.reachedTarget()) {
        this.caughtUp = true;
        // the position reached is taken here; the warning once the batch's DDL is applied
        raw.push({ kind: 'checkpoint', state: session.state() as unknown as JsonValue });
        raw.push({ kind: 'caught-up' });
      }
      if (raw.length >= DECODED_ROWS_PER_YIELD) {
        yield* this.emitDecoded(raw);
        raw = [];
      }
    }
    yield* this.emitDecoded(raw);
  }

  /** Decoded records of the stream: reconciled with the snapshot, emitted. */
  private async *emitDecoded(raw: readonly SourceRecord[]): AsyncGenerator<readonly SourceRecord[]> {
    const { session, reconciler, skipper } = this.p;
    const out: SourceRecord[] = [];
    const keys = await reconciler.keysOf(raw);
    // indexed loops: for-of here allocated an iterator result per row
    for (let i = 0; i < raw.length; i++) {
      const rec = raw[i]!;
      if (rec.kind === 'data') {
        this.lastEventMs = rec.meta.tsMs;
        if (skipper.skipped(rec)) continue;
        this.handed.inTx = true;
        // the common case synchronously: an async generator per row costs more than the row's work
        this.p.pool.throwIfFailed();
        if (reconciler.passes(rec)) {
          out.push(rec);
          continue;
        }
        const k = keys?.get(rec);
        const v = reconciler.filter(rec, k);
        if (Array.isArray(v)) for (let j = 0; j < v.length; j++) out.push(v[j]!);
        else yield* this.reconcile(rec, k, out, v);
      } else if (rec.kind === 'checkpoint') {
        this.handed = { state: rec.state as unknown as MysqlSourceState, inTx: false };
        out.push({ kind: 'checkpoint', state: this.state(this.handed.state) });
      } else if (rec.kind === 'schema') {
        this.handed.inTx = true;
        reconciler.checkSchemaChange(rec);
        const s = this.p.schemaEvent(rec);
        if (s) out.push(s);
      } else {
        if (rec.kind === 'caught-up') this.warnNotCaptured();
        out.push(rec);
      }
    }
    if (Date.now() - this.lastStreamProgress > 5000 && this.snapshotDone) {
      this.lastStreamProgress = Date.now();
      out.push(streamProgress(this.lastEventMs, session.committed));
    }
    if (out.length === 0) return;
    this.emittedInTx = session.inTransaction && out.some((x) => x.kind === 'data' || x.kind === 'schema');
    yield out;
  }

  /**
   * Waits until the reconciler decides about a row event of the stream (`v`: it must wait for a
   * chunk), then adds what it makes of it to `out`. `out` is emitted first, then the queued chunks
   * until the wait is over.
   */
  private async *reconcile(
    rec: DataChangeEvent,
    keys: EventKeys | undefined,
    out: SourceRecord[],
    waiting: { readonly wait: Promise<void> },
  ): AsyncGenerator<readonly SourceRecord[]> {
    const { pool, reconciler } = this.p;
    let v: StreamVerdict = waiting;
    while (!Array.isArray(v)) {
      // a chunk of this key is being finished: emit it first
      if (out.length) yield out.splice(0);
      let released = false;
      void v.wait.then(() => (released = true));
      while (!released) {
        pool.throwIfFailed();
        if (pool.hasItems) yield* this.drainQueue();
        else await Promise.race([v.wait, this.queuedWakeup()]);
      }
      pool.throwIfFailed();
      v = reconciler.filter(rec, keys);
    }
    for (const x of v) out.push(x);
  }

  /** Resolves when the pool queues an item or a reader ends (one promise for all waits until then). */
  private queuedWakeup(): Promise<void> {
    this.queuedWait ??= this.p.pool.whenQueued().then(() => {
      this.queuedWait = undefined;
    });
    return this.queuedWait;
  }

  private async *drainQueue(): AsyncGenerator<readonly SourceRecord[]> {
    const { pool } = this.p;
    for (let item = pool.take(); item; item = pool.take()) yield* this.emitItem(item);
  }

  /** Emits one queued item: a chunk's rows, or a whole table streamed. */
  private async *emitItem(item: QueueItem): AsyncGenerator<readonly SourceRecord[]> {
    const ts = item.table;
    if (!(yield* this.p.pool.emit(item, () => this.snapshotProgress()))) return;
    const { file, pos } = this.handed.state;
    ts.passed(this.streaming ? { file, pos } : { file: '', pos: 0 });
    if (ts.complete) {
      // a resumed table read part of its rows before the restart: say what this run read
      this.logger.info('snapshot of table done', {
        table: ts.table,
        rows: ts.rowsRead,
        ...(ts.resumed
          ? { resumed: true, note: 'rows counts this run; the rest were read before the restart' }
          : {}),
        ...(ts.weigher ? { keyWeights: ts.weigher.stats } : {}),
      });
    }
    const tail: SourceRecord[] = [this.snapshotProgress()];
    if (!this.streaming || !this.handed.inTx) {
      tail.push({ kind: 'checkpoint', state: this.state(this.handed.state) });
    }
    yield tail;
  }

  private state(base: MysqlSourceState): JsonValue {
    const { server, reconciler } = this.p;
    if (this.streaming) reconciler.passed({ file: base.file, pos: base.pos });
    const tables = reconciler.toJson();
    const s: MysqlSnapshotSourceState = {
      ...base,
      ...(server ? { serverId: server.serverId } : {}),
      ...(server?.serverUuid ? { serverUuid: server.serverUuid } : {}),
      ...(tables.length ? { snapshot: { tables } } : {}),
      ...(this.p.bounded ? { bounded: true } : {}),
    };
    return s as unknown as JsonValue;
  }

  private checkpoint(): SourceRecord {
    return { kind: 'checkpoint', state: this.state(this.p.session.state()) };
  }

  private snapshotProgress(): SourceRecord {
    return {
      kind: 'progress',
      progress: {
        phase: 'snapshot',
        tables: this.p.snapshot.map((t) => ({
          table: t.table,
          rowsRead: t.rowsRead,
          rowsEstimated: t.rowsEstimated,
          done: t.complete,
          ...(t.resumed ? { resumed: true } : {}),
        })),
      },
    };
  }

  private async setTarget(): Promise<void> {
    const c = await this.p.openConnection();
    try {
      this.target = await binlogPosition(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  private reachedTarget(): boolean {
    const { session } = this.p;
    return (
      this.target !== undefined && !session.inTransaction && comparePos(session.committed, this.target) >= 0
    );
  }

  // The checkpoint first: the position reached (also past events of no transaction, e.g. a
  // rotation) is committed before a pipeline that exits when caught up stops. By now the stream
  // replayed every CREATE TABLE up to the end of the log: tables still not captured stay so.
  private warnNotCaptured(): void {
    const ignored = this.p.notCaptured.filter((t) => !this.p.captured.has(t));
    if (ignored.length) {
      this.logger.warn(
        'tables now matching the pattern were not captured when the checkpoint was taken; they are ignored (set scan.newly-added-table.enabled: true to snapshot them)',
        { tables: ignored },
      );
    }
  }

  private caughtUpRecords(): SourceRecord[] {
    this.warnNotCaptured();
    return [this.checkpoint(), { kind: 'caught-up' }];
  }
}

/** A HEARTBEAT (or MySQL 8's HEARTBEAT_V2) event, by the type byte of its header. */
function isHeartbeat(event: Buffer): boolean {
  const type = event[4];
  return type === BinlogEventType.HEARTBEAT || type === BinlogEventType.HEARTBEAT_V2;
}

function streamProgress(lastEventMs: number, at: BinlogPos): SourceRecord {
  const progress: SourceProgress = {
    phase: 'streaming',
    ...(lastEventMs > 0 ? { lagMs: Math.max(0, Date.now() - lastEventMs) } : {}),
    position: formatPos(at),
  };
  return { kind: 'progress', progress };
}

function createTableEvent(id: TableId, schema: TableSchema): ChangeEvent {
  return { kind: 'schema', tableId: id, change: { type: 'create-table', schema }, meta: { tsMs: 0 } };
}

/** Records without table and column comments (`include-comments.enabled: false`). */
function dropComments(batch: readonly SourceRecord[]): readonly SourceRecord[] {
  if (!batch.some((r) => r.kind === 'schema')) return batch;
  return batch.map((r) => (r.kind === 'schema' ? { ...r, change: withoutComments(r.change) } : r));
}
