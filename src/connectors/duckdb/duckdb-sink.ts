/**
 * The embedded default sink: one DuckDB file, one DuckDB schema per source database
 * (`tableId.schemaName`, `main` when undefined; the namespace is ignored), one table per table.
 * The file is attached as catalog `tidemark_sink` and every table is named with it
 * (duckdb-open.ts): a file named like a schema (app_db.duckdb) cannot make names ambiguous.
 *
 * Tables with a primary key are **upsert tables** (DuckDB PRIMARY KEY; within each batch only the
 * last change per key is written, a key-changing update deletes the old key). Tables without one
 * are **append tables**: INSERT and UPDATE append the after image, DELETE is ignored.
 *
 * Transactions: the first write or schema change opens a transaction; rows are buffered in JS up
 * to `batch.size` (or MAX_BATCH_BYTES) and then written into it; `flush(checkpoint)` writes the
 * rest, upserts the checkpoint row into `_tidemark.checkpoints` and commits — rows, DDL and
 * checkpoint in one transaction (exactly-once). Any DuckDB error rolls the transaction back and throws a
 * non-retryable SINK_WRITE / SINK_SCHEMA TidemarkError; the sink must then be closed (the runner
 * restarts from the committed checkpoint).
 *
 * Writing a batch: its rows are staged column-wise into a temp table (duckdb-chunk-writer.ts), then
 * moved into the table: with INSERT OR REPLACE (narrow rows), DELETE + INSERT (rows with large
 * values, see REPLACE_IN_PLACE_MAX_ROW_BYTES), or a plain INSERT when the batch's keys cannot be in
 * the table yet (see KeyRanges: a snapshot's chunks). DuckDB work runs in a queue, in call order:
 * `write` returns once its batch is staged and queued, so that the next rows are read while
 * DuckDB inserts, and the runner reads on while `flush` commits.
 *
 * Memory: unless the pipeline sets `memory.limit`, DuckDB's limit follows the primary-key indexes
 * (DuckDbMemoryLimit) and, while a transaction is open, what DuckDB must hold at once to write and
 * commit it (TransactionFootprint: 2048 new rows at a time, with their BLOB/TEXT values).
 *
 * Schema changes (idempotent against DuckDB's catalog, applied inside the transaction):
 * - create-table: CREATE SCHEMA / TABLE IF NOT EXISTS; an existing table gets the missing columns.
 *   Only primary key columns are NOT NULL in DuckDB, so that kept (dropped) columns accept NULL.
 *   Primary-key columns of type DATE, TIME, DATETIME, TIMESTAMP are VARCHAR holding the value's
 *   key text (duckDbKeyType); the writer follows the DuckDB column type (TableState.keyText).
 * - add-column: ADD COLUMN IF NOT EXISTS, always as the last column (the sink declares no column
 *   positions: the schema operator sends new columns last and no reorders).
 * - drop-column: DROP COLUMN (a primary-key column, or one before a key column, by rebuilding the
 *   table: DuckDB cannot drop them in place).
 * - rename-column: RENAME COLUMN (data stays in place). Replays are skipped when the new name
 *   exists already; when neither name exists the new column is added.
 * - alter-column-type: ALTER COLUMN ... SET DATA TYPE when the DuckDB type changes (TIMESTAMP and
 *   DATE into TIMESTAMPTZ read as UTC, not in the session's zone; DOUBLE into text as a new row's
 *   text); DuckDB refuses when values do not cast or the column is in the primary key →
 *   SINK_SCHEMA error.
 * - drop-table: DROP TABLE. truncate-table: DELETE FROM.
 * Columns are written by name (case-insensitive, as DuckDB resolves identifiers); DuckDB columns
 * the source no longer has are written as NULL.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import type { AddedColumn, DataChangeEvent, Row, SchemaChange } from '../../event/change-event.js';
import { assertNever } from '../../event/column-type.js';
import type { ColumnType, Value } from '../../event/column-type.js';
import type { Column, TableId, TableSchema } from '../../event/table-schema.js';
import { tableIdToString } from '../../event/table-schema.js';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import { parseCheckpoint, type Checkpoint } from '../../runtime/checkpoint.js';
import type { Logger } from '../../runtime/logger.js';
import {
  ALL_SCHEMA_CHANGE_TYPES,
  SchemaChangeRefusedError,
  type Sink,
  type SinkContext,
  type SinkQueryFormat,
  type SinkQueryLimits,
  type SinkQueryResult,
  type SinkSchemaCapabilities,
} from '../../runtime/sink.js';
import { liveQuery } from './duckdb-live-query.js';
import type { DuckDbSinkOptions } from './options.js';
import { StagingChunkWriter } from './duckdb-chunk-writer.js';
import {
  duckDbColumnType,
  duckDbKeyType,
  duckDbLiteral,
  duckDbType,
  hasKeyText,
  temporalKeyTextSql,
} from './type-mapping.js';
import { DEFAULT_MEMORY_LIMIT_BYTES, DuckDbMemoryLimit, memoryLimitBytes } from './duckdb-memory-limit.js';
import type { MemoryLimitChange } from './duckdb-memory-limit.js';
import { openDuckDb, qualifiedTableName } from './duckdb-open.js';
import { TransactionFootprint } from './duckdb-transaction-footprint.js';
import { quoteIdent, quoteString } from './quote-ident.js';
import { rowChanges, upsertKey, type RowChangeTable } from '../../runtime/row-changes.js';
import { OP_DELETE, OP_UPSERT, TableBatch } from './duckdb-table-batch.js';
import { SinkOperationQueue } from '../../runtime/sink-operation-queue.js';

export const CHECKPOINT_SCHEMA = '_tidemark';
const CHECKPOINT_TABLE = qualifiedTableName(CHECKPOINT_SCHEMA, 'checkpoints');
const OP_COLUMN = '__tidemark_op';
/** The staging table's column of a row's sequence number in its batch (the last per key wins). */
const SEQ_COLUMN = '__tidemark_seq';
/**
 * Bytes of buffered rows (estimated, see rowBytes) that make a batch even below `batch.size`
 * rows: rows with large values are written in batches of about this size, which bounds the rows
 * held in JS and what DuckDB holds at once to write one batch.
 */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/**
 * Upserts of rows averaging at least this many bytes (rowBytes) are written as DELETE + INSERT
 * rather than INSERT OR REPLACE: DuckDB updates a row in place keeping the old and new values in
 * memory it cannot spill before the commit (~2.5 times the bytes updated: 50 MB of BLOBs took
 * 127 MB), while deleted and inserted rows spill; with ~100 bytes of text a row DELETE + INSERT is
 * also faster. For narrow rows in place is faster (a bulk update of 1M rows: 2.5 times) and holds
 * less (DELETE + INSERT adds the new keys to an index in memory).
 */
const REPLACE_IN_PLACE_MAX_ROW_BYTES = 128;
/** DuckDB operations (batches, commits) queued at most while the next batch is staged. */
const QUEUED_OPERATIONS = 2;
interface TableState extends RowChangeTable {
  readonly id: TableId;
  readonly label: string;
  /** Columns of `schema` (the width of every image). */
  readonly width: number;
  readonly duckSchema: string;
  readonly duckTable: string;
  /** Quoted "schema"."table". */
  readonly qualified: string;
  schema: TableSchema;
  /** Column names of the DuckDB table, in table order. */
  targetColumns: string[];
  /** For each target column, the index of the schema column written into it (-1: NULL). */
  targetSource: number[];
  /** Schema column indexes of the DuckDB primary key (upsert table), or undefined (append). */
  readonly keyIndexes: number[] | undefined;
  /** Per schema column: a temporal column the DuckDB table holds as key text (VARCHAR). */
  keyText: boolean[];
  /** Schema column indexes of the columns DuckDB holds as JSON (values checked before writing). */
  jsonColumns: number[];
  /**
   * Upsert tables with one integer key column: ranges that hold every key the DuckDB table may
   * have (a superset). A batch whose keys lie outside them all is written with a plain INSERT.
   */
  keyRanges: KeyRanges | undefined;
  /** Stages rows column-wise as they arrive; created with the table's first batch. */
  chunkWriter: StagingChunkWriter | undefined;
  /** Temp staging table name, once created in the open transaction. */
  staging: string | undefined;
  readonly stagingName: string;
  readonly zeroWarned: Set<string>;
}

interface CatalogColumn {
  readonly name: string;
  readonly type: string;
}

export class DuckDbSink implements Sink {
  /** Every change; columns are matched by name, DuckDB keeps its own order (new ones last). */
  readonly schemaCapabilities: SinkSchemaCapabilities = {
    applies: ALL_SCHEMA_CHANGE_TYPES,
    columnPositions: false,
  };
  readonly transactional = true;
  private readonly options: DuckDbSinkOptions;
  private instance: DuckDBInstance | undefined;
  private conn: DuckDBConnection | undefined;
  private logger: Logger | undefined;
  private pipelineName = '';
  private readonly tables = new Map<string, TableState>();
  private inTransaction = false;
  /** The rows given and not yet written, per table (bounded by batch.size and MAX_BATCH_BYTES). */
  private batches = new Map<TableState, TableBatch>();
  private stagedRows = 0;
  private stagedBytes = 0;
  /** The rows the open transaction inserted: what DuckDB must hold at once to write and commit it. */
  private readonly footprint = new TransactionFootprint();
  private stagingSeq = 0;
  /**
   * DuckDB work, in call order: `write` returns once its batch is queued (the runner reads the next
   * rows meanwhile); a failure latches the sink.
   */
  private readonly queue = new SinkOperationQueue('duckdb sink');
  /**
   * Tables whose committed rows the open transaction updated or deleted. DuckDB cannot commit a
   * transaction that does that and then adds a column or changes a column type of the same table
   * ("another transaction has altered this table"), so such DDL needs a flush first.
   */
  private readonly dirty = new Set<string>();
  /** Grows the default memory_limit with the indexes; undefined when the pipeline set one. */
  private memoryLimit: DuckDbMemoryLimit | undefined;
  /** The memory_limit last reported at info level. */
  private memoryLimitLogged = DEFAULT_MEMORY_LIMIT_BYTES;
  /** Tables created by the open transaction (no committed rows to conflict with). */
  private readonly createdInTxn = new Set<string>();

  constructor(options: DuckDbSinkOptions) {
    this.options = options;
  }

  /** The absolute path of the database file (or `:memory:`). */
  get path(): string {
    return this.options.path === ':memory:' ? ':memory:' : resolve(this.options.path);
  }

  async open(ctx: SinkContext): Promise<void> {
    this.pipelineName = ctx.pipelineName;
    this.logger = ctx.logger.child({ sink: this.options.name ?? 'duckdb', path: this.path });
    // DuckDB's own default (80% of RAM) lets its buffer pool keep every block the sink wrote: the
    // process grows with the table (a 10M-row snapshot reached 1 GB RSS). A CDC sink needs little
    // beyond its primary-key indexes, which must fit: the default limit grows with them
    // (DuckDbMemoryLimit). A limit the pipeline sets is kept as is. An in-memory database holds all
    // its data in that memory, so it keeps DuckDB's default.
    const settings: Record<string, string> = {};
    const memoryLimit =
      this.options['memory.limit'] ??
      (this.path === ':memory:' ? undefined : `${DEFAULT_MEMORY_LIMIT_BYTES}B`);
    if (memoryLimit !== undefined) settings.memory_limit = memoryLimit;
    this.memoryLimit =
      this.options['memory.limit'] === undefined && this.path !== ':memory:'
        ? new DuckDbMemoryLimit(DEFAULT_MEMORY_LIMIT_BYTES)
        : undefined;
    settings.threads = String(this.options.threads);
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
      ({ instance: this.instance, connection: this.conn } = await openDuckDb(this.path, { settings }));
    } catch (e) {
      const msg = errorMessage(e);
      const locked = /lock/i.test(msg);
      throw new TidemarkError(
        'SINK_OPEN',
        `cannot open the DuckDB file ${this.path}: ${msg}` +
          (locked ? ' (another process has it open for writing: stop it first)' : ''),
        { cause: e, retryable: locked, details: { path: this.path } },
      );
    }
    await this.run(
      `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(CHECKPOINT_SCHEMA)}; ` +
        `CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (pipeline VARCHAR PRIMARY KEY, ` +
        `seq BIGINT, checkpoint JSON, committed_at TIMESTAMPTZ)`,
      'SINK_OPEN',
      'creating the checkpoint table',
    );
    await this.adjustMemoryLimit();
    this.logger.debug('duckdb sink opened');
  }

  get target(): string {
    return `duckdb ${this.path}`;
  }

  /** A read-only query while the sink is open (see duckdb-live-query.ts). */
  async query(sql: string, format: SinkQueryFormat, limits: SinkQueryLimits): Promise<SinkQueryResult> {
    if (!this.instance) throw new TidemarkError('QUERY_REFUSED', `${this.target} is not open`);
    return liveQuery(this.instance, sql, format, limits);
  }

  async isEmpty(): Promise<boolean> {
    await this.queue.idle();
    try {
      const r = await this.connection().runAndReadAll(
        'SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = current_database() ' +
          'AND NOT internal AND NOT temporary AND schema_name <> $1',
        [CHECKPOINT_SCHEMA],
      );
      return Number(r.getRowObjectsJS()[0]?.n ?? 0) === 0;
    } catch (e) {
      throw new TidemarkError('SINK_OPEN', `cannot list the tables of ${this.path}: ${errorMessage(e)}`, {
        cause: e,
      });
    }
  }

  async committedCheckpoint(): Promise<Checkpoint | undefined> {
    await this.queue.idle();
    const conn = this.connection();
    let text: unknown;
    try {
      const r = await conn.runAndReadAll(
        `SELECT CAST(checkpoint AS VARCHAR) AS c FROM ${CHECKPOINT_TABLE} WHERE pipeline = $1`,
        [this.pipelineName],
      );
      text = r.getRowObjectsJS()[0]?.c;
    } catch (e) {
      throw new TidemarkError(
        'CHECKPOINT',
        `cannot read the checkpoint from ${this.path}: ${errorMessage(e)}`,
        {
          cause: e,
        },
      );
    }
    if (typeof text !== 'string') return undefined;
    const cp = parseCheckpoint(text, `${this.path} (pipeline ${this.pipelineName})`);
    if (cp.pipeline !== this.pipelineName) {
      throw new TidemarkError(
        'CHECKPOINT',
        `the checkpoint of pipeline ${this.pipelineName} in ${this.path} names pipeline ${cp.pipeline}: the file is corrupt`,
      );
    }
    return cp;
  }

  async applySchemaChange(
    tableId: TableId,
    change: SchemaChange,
    schemaAfter: TableSchema | undefined,
  ): Promise<void> {
    this.queue.checkUsable();
    this.writeBuffered();
    const label = tableIdToString(tableId);
    await this.queue.run(async () => {
      // nothing written since the last commit: a failed change can be undone alone
      const alone = !this.inTransaction;
      try {
        await this.begin();
        await this.applyDdl(tableId, change, schemaAfter);
      } catch (e) {
        if (!alone) await this.fail(e, 'SINK_SCHEMA', `applying ${change.type} to ${label}`, label);
        await this.rollback();
        throw new SchemaChangeRefusedError(
          `duckdb sink: cannot apply ${change.type} to ${label}: ${errorMessage(e)}`,
          { cause: e, details: { path: this.path, table: label } },
        );
      }
    });
  }

  async write(events: readonly DataChangeEvent[]): Promise<void> {
    this.queue.checkUsable();
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      const t = this.tables.get(tableKey(ev.tableId));
      if (!t) {
        await this.queue.idle();
        await this.fail(
          new Error('no schema was given for it (create-table missing)'),
          'SINK_WRITE',
          `writing ${tableIdToString(ev.tableId)}`,
          tableIdToString(ev.tableId),
        );
        return;
      }
      if (this.repeatsPartial(t, ev)) {
        // its missing columns keep the values of the key's row staged before: that row is written first
        await this.queue.idle();
        this.queue.checkUsable();
        this.writeBuffered();
      }
      try {
        if (t.jsonColumns.length > 0 && ev.after) checkJson(t, ev.after);
        this.stage(t, ev);
      } catch (e) {
        await this.queue.idle();
        // a merged table's rows come from several source tables: where this one was read says which
        const at = ev.meta.location === undefined ? '' : ` (the change read at ${ev.meta.location})`;
        await this.fail(e, 'SINK_WRITE', `writing ${t.label}${at}`, t.label);
      }
      if (this.stagedRows >= this.options['batch.size'] || this.stagedBytes >= MAX_BATCH_BYTES) {
        // Batches already queued may be written (and a commit run) while the next one is staged:
        // a DuckDB checkpoint does not stop the reading, and the staged rows stay bounded.
        await this.queue.atMost(QUEUED_OPERATIONS);
        this.queue.checkUsable();
        this.writeBuffered();
      }
    }
  }

  /** Stages the row changes of one event into its table's batch. */
  private stage(t: TableState, ev: DataChangeEvent): void {
    let b = this.batches.get(t);
    if (b === undefined) {
      const writer = (t.chunkWriter ??= new StagingChunkWriter(
        t.schema.columns.map((c) => c.type),
        t.keyText,
        t.schema.columns.map((c) => c.name),
      ));
      const rangeKey = t.keyRanges ? t.keyIndexes![0] : undefined;
      b = new TableBatch(t, writer, rangeKey, (i, v) => this.warnZero(t, i, v));
      this.batches.set(t, b);
    }
    const rows = b.rows;
    const bytes = b.upsertBytes;
    rowChanges(t, ev, b);
    this.stagedRows += b.rows - rows;
    this.stagedBytes += b.upsertBytes - bytes;
  }

  /** A partial image (MINIMAL/NOBLOB) of a key the table's batch already has a change of. */
  private repeatsPartial(t: TableState, ev: DataChangeEvent): boolean {
    if (!t.keyIndexes || !ev.after?.includes(undefined)) return false;
    const key = upsertKey(t, ev);
    return key !== undefined && (this.batches.get(t)?.has(key) ?? false);
  }

  /**
   * Commits everything written before this call, and the checkpoint, in one transaction. The
   * rows buffered so far are taken at once: rows written while the commit runs belong to the next
   * transaction.
   */
  async flush(checkpoint: Checkpoint): Promise<void> {
    this.queue.checkUsable();
    this.writeBuffered();
    await this.queue.run(async () => {
      try {
        await this.begin();
        await this.connection().run(
          `INSERT OR REPLACE INTO ${CHECKPOINT_TABLE} VALUES ($1, $2, CAST($3 AS JSON), now())`,
          [this.pipelineName, BigInt(checkpoint.seq), JSON.stringify(checkpoint)],
        );
        await this.connection().run('COMMIT');
        this.inTransaction = false;
        for (const t of this.tables.values()) t.chunkWriter?.dropSpare();
        this.dirty.clear();
        this.createdInTxn.clear();
        this.footprint.reset();
      } catch (e) {
        await this.fail(e, 'SINK_WRITE', `committing checkpoint ${checkpoint.seq}`, undefined);
      }
      await this.adjustMemoryLimit(true);
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    if (this.conn) {
      if (this.inTransaction) await this.rollback();
      this.conn.closeSync();
      this.conn = undefined;
    }
    this.instance?.closeSync();
    this.instance = undefined;
    this.tables.clear();
  }

  // ---- schema changes -------------------------------------------------------------------------

  private async applyDdl(
    tableId: TableId,
    change: SchemaChange,
    schemaAfter: TableSchema | undefined,
  ): Promise<void> {
    const key = tableKey(tableId);
    const t = this.duckTarget(tableId);
    switch (change.type) {
      case 'create-table':
        await this.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(t.duckSchema)}`);
        if ((await this.catalogColumns(t.duckSchema, t.table)).length === 0) this.createdInTxn.add(key);
        await this.exec(`CREATE TABLE IF NOT EXISTS ${t.qualified} (${columnDefinitions(change.schema)})`);
        await this.applyComments(t, change.schema.comment, change.schema.columns);
        break;
      case 'add-column':
        await this.addColumns(t, change.columns);
        await this.applyComments(
          t,
          undefined,
          change.columns.map((a) => a.column),
        );
        break;
      case 'drop-column':
        await this.dropColumns(t, change.columns, schemaAfter);
        break;
      case 'rename-column':
        await this.renameColumns(t, change.renames);
        break;
      case 'alter-column-type':
        await this.alterColumnTypes(t, change.changes, schemaAfter);
        break;
      case 'reorder-columns':
        // Columns are matched by name; DuckDB keeps its own order.
        break;
      case 'alter-primary-key':
        if (
          schemaAfter &&
          !sameNames(await this.catalogPrimaryKey(t.duckSchema, t.table), change.primaryKeys)
        ) {
          await this.rebuildTable(t, schemaAfter);
        }
        break;
      case 'drop-table':
        await this.exec(`DROP TABLE IF EXISTS ${t.qualified}`);
        this.tables.delete(key);
        return;
      case 'truncate-table':
        await this.exec(`DELETE FROM ${t.qualified}`);
        this.dirty.add(key);
        break;
      case 'rename-table':
        await this.renameTable(t, this.duckTarget(change.to), schemaAfter);
        this.tables.delete(key);
        if (schemaAfter) await this.refreshTable(change.to, this.duckTarget(change.to), schemaAfter);
        return;
      default:
        assertNever(change, 'schema change');
    }
    if (!schemaAfter) {
      this.tables.delete(key);
      return;
    }
    await this.ensureColumns(tableId, t, schemaAfter);
    await this.refreshTable(tableId, t, schemaAfter);
  }

  /** The DuckDB schema, table and quoted name of a sink table. */
  private duckTarget(id: TableId): DuckTarget {
    const duckSchema = id.schemaName ?? 'main';
    return {
      id,
      label: tableIdToString(id),
      duckSchema,
      table: id.tableName,
      qualified: qualifiedTableName(duckSchema, id.tableName),
    };
  }

  /**
   * ADD COLUMN with the value the source's existing rows got as its DuckDB DEFAULT (kept: DuckDB
   * cannot always commit a DROP DEFAULT next to other ALTERs; rows written later carry the column
   * anyway). When the source cannot know that value, the DuckDB table must be empty, or the column
   * cannot be added exactly.
   */
  private async addColumns(t: DuckTarget, columns: readonly AddedColumn[]): Promise<void> {
    const existing = await this.catalogColumns(t.duckSchema, t.table);
    for (const a of columns) {
      const c = a.column;
      if (existing.some((e) => sameName(e.name, c.name))) continue;
      if (a.existingUnknown !== undefined && (await this.hasRows(t))) {
        throw new TidemarkError(
          'SINK_SCHEMA',
          `cannot add column ${c.name} to ${t.label} exactly: ${a.existingUnknown}. The DuckDB table has rows ` +
            'whose value in the new column is unknown; snapshot the table again (a new sink file and state directory)',
          { details: { table: t.label, column: c.name } },
        );
      }
      this.checkNotDirty(tableKey(t.id), t.label, `add column ${c.name}`);
      const lit = await this.existingLiteral(t, a);
      const col = quoteIdent(c.name);
      await this.exec(
        `ALTER TABLE ${t.qualified} ADD COLUMN ${col} ${duckDbType(c.type)}${lit === undefined ? '' : ` DEFAULT ${lit}`}`,
      );
    }
  }

  /**
   * The DEFAULT that gives the table's rows the value the source's existing rows got. A JSON
   * column added NOT NULL without a default gets '' at the source, which no DuckDB JSON holds.
   */
  private async existingLiteral(t: DuckTarget, a: AddedColumn): Promise<string | undefined> {
    const { column: c, existingValue: v } = a;
    if (v === undefined || v === null) return undefined;
    if (c.type.kind === 'json' && typeof v === 'string' && !isJsonText(v)) {
      if (!(await this.hasRows(t))) return undefined;
      throw new TidemarkError(
        'SINK_SCHEMA',
        `cannot add column ${c.name} to ${t.label} exactly: the source gives its existing rows ` +
          `${JSON.stringify(v)}, which is not JSON, and a DuckDB JSON column cannot hold it. Add the ` +
          "column with a JSON default (e.g. DEFAULT '{}') or NULL",
        { details: { table: t.label, column: c.name } },
      );
    }
    return this.literal(t, c, v);
  }

  /** A value as a DuckDB literal; zero dates (NULL in DuckDB) are said once per column. */
  private literal(t: DuckTarget, c: Column, v: Value): string | undefined {
    const lit = duckDbLiteral(c.type, v);
    if (lit === 'NULL') {
      this.logger?.warn('zero date/time value written as NULL (DuckDB has no zero date)', {
        table: t.label,
        column: c.name,
        value: String(v),
      });
      return undefined;
    }
    return lit;
  }

  private async hasRows(t: DuckTarget): Promise<boolean> {
    const r = await this.connection().runAndReadAll(`SELECT 1 FROM ${t.qualified} LIMIT 1`);
    return r.currentRowCount > 0;
  }

  /** DROP COLUMN; a primary-key column is dropped by rebuilding the table with the key left. */
  private async dropColumns(
    t: DuckTarget,
    names: readonly string[],
    after: TableSchema | undefined,
  ): Promise<void> {
    const pk = await this.catalogPrimaryKey(t.duckSchema, t.table);
    const existing = await this.catalogColumns(t.duckSchema, t.table);
    // DuckDB drops no column of the key, nor one before a key column ("an index depends on a
    // column after it"): the table is rebuilt without it then
    const lastKey = Math.max(-1, ...pk.map((k) => existing.findIndex((e) => sameName(e.name, k))));
    const beforeKey = (n: string): boolean => {
      const i = existing.findIndex((e) => sameName(e.name, n));
      return i >= 0 && i < lastKey;
    };
    if (after && names.some((n) => pk.some((k) => sameName(n, k)) || beforeKey(n))) {
      await this.rebuildTable(t, after);
      return;
    }
    for (const n of names) {
      const col = existing.find((e) => sameName(e.name, n));
      if (col) await this.exec(`ALTER TABLE ${t.qualified} DROP COLUMN ${quoteIdent(col.name)}`);
    }
  }

  /**
   * RENAME COLUMN, all renames at once (a → b, b → a swaps them): through temporary names when a
   * new name is taken by another renamed column. A rename whose old name is gone and new name
   * exists was applied already (replay) and is skipped.
   */
  private async renameColumns(
    t: DuckTarget,
    renames: readonly { from: string; to: string }[],
  ): Promise<void> {
    const existing = await this.catalogColumns(t.duckSchema, t.table);
    const has = (n: string): boolean => existing.some((c) => sameName(c.name, n));
    const todo = renames.filter((r) => has(r.from) && !(sameName(r.from, r.to) && r.from === r.to));
    const staged = todo.map((r, i) => ({ ...r, via: `__tidemark_rename_${i}` }));
    for (const r of staged) {
      await this.exec(
        `ALTER TABLE ${t.qualified} RENAME COLUMN ${quoteIdent(r.from)} TO ${quoteIdent(r.via)}`,
      );
    }
    for (const r of staged) {
      await this.exec(`ALTER TABLE ${t.qualified} RENAME COLUMN ${quoteIdent(r.via)} TO ${quoteIdent(r.to)}`);
    }
  }

  /** SET DATA TYPE; DuckDB cannot change the type of a key column: the table is rebuilt then. */
  private async alterColumnTypes(
    t: DuckTarget,
    changes: readonly { column: string; type: ColumnType; existingUnknown?: string }[],
    after: TableSchema | undefined,
  ): Promise<void> {
    const existing = await this.catalogColumns(t.duckSchema, t.table);
    const pk = await this.catalogPrimaryKey(t.duckSchema, t.table);
    const unknown = changes.find((ch) => ch.existingUnknown !== undefined);
    if (unknown && (await this.hasRows(t))) {
      throw new TidemarkError(
        'SINK_SCHEMA',
        `cannot change column ${unknown.column} of ${t.label} exactly: ${unknown.existingUnknown}. The DuckDB table ` +
          'has rows whose converted values are unknown here; snapshot the table again (a new sink file and state directory)',
        { details: { table: t.label, column: unknown.column } },
      );
    }
    const todo = changes.flatMap((ch) => {
      const col = existing.find((c) => sameName(c.name, ch.column));
      const type = this.alteredColumnType(tableKey(t.id), t.label, ch, pk);
      return col && normalizeType(col.type) !== normalizeType(type) ? [{ col, type }] : [];
    });
    if (todo.length === 0) return;
    this.checkNotDirty(tableKey(t.id), t.label, `change the type of column ${todo[0]!.col.name}`);
    if (after && todo.some(({ col }) => pk.some((k) => sameName(k, col.name)))) {
      await this.rebuildTable(t, after);
      return;
    }
    // Without visible rows no value is converted: DuckDB would still cast the deleted rows it keeps
    // until the file is compacted, and fail where it has no cast (INTERVAL → DOUBLE).
    const empty = !(await this.hasRows(t));
    const before = this.tables.get(tableKey(t.id))?.schema;
    for (const { col, type } of todo) {
      const old = before?.columns.find((c) => sameName(c.name, col.name))?.type;
      const using = empty ? ` USING CAST(NULL AS ${type})` : castUsing(col, type, old);
      try {
        await this.exec(
          `ALTER TABLE ${t.qualified} ALTER COLUMN ${quoteIdent(col.name)} SET DATA TYPE ${type}${using}`,
        );
      } catch (e) {
        throw new TidemarkError(
          'SINK_SCHEMA',
          `cannot change column ${col.name} of ${t.label} from ${col.type} to ${type} in DuckDB: ${errorMessage(e)}`,
          { cause: e, details: { table: t.label, column: col.name } },
        );
      }
    }
  }

  /**
   * Re-creates the DuckDB table with `schema`'s columns, types and primary key and copies its rows
   * by column name (DuckDB cannot change a primary key, or a key column's type, nor drop a column
   * before a key column, in place).
   */
  private async rebuildTable(t: DuckTarget, schema: TableSchema): Promise<void> {
    this.checkNotDirty(tableKey(t.id), t.label, 'change the primary key');
    const tmp = this.duckTarget({ ...t.id, tableName: `__tidemark_rebuild_${++this.stagingSeq}` });
    await this.copyTable(t, tmp, schema, 'create');
    await this.exec(`DROP TABLE ${t.qualified}`);
    await this.exec(`ALTER TABLE ${tmp.qualified} RENAME TO ${quoteIdent(t.table)}`);
    this.logger?.info('DuckDB table rebuilt (a key change, or a drop DuckDB cannot make in place)', {
      table: t.label,
      primaryKey: schema.primaryKeys,
    });
  }

  /**
   * Copies `from`'s rows into `to` by column name (a column `to` has and `from` lacks gets NULL):
   * into a new table made from `schema` ('create'), or into `to` as it is ('merge': upsert by its
   * key, or append when it has none).
   */
  private async copyTable(
    from: DuckTarget,
    to: DuckTarget,
    schema: TableSchema,
    mode: 'create' | 'merge',
  ): Promise<void> {
    if (mode === 'create') {
      await this.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(to.duckSchema)}`);
      await this.exec(`CREATE TABLE ${to.qualified} (${columnDefinitions(schema)})`);
    }
    const src = await this.catalogColumns(from.duckSchema, from.table);
    const dst = await this.catalogColumns(to.duckSchema, to.table);
    const names = dst.map((c) => quoteIdent(c.name)).join(', ');
    const exprs = dst.map((c) => copiedValue(c, src, schema));
    const replace = mode === 'merge' && (await this.catalogPrimaryKey(to.duckSchema, to.table)).length > 0;
    // A table without a key holds every image appended: keyed now, it keeps each key's newest
    // (DuckDB numbers appended rows in order)
    const keyed = mode === 'create' && schema.primaryKeys.length > 0;
    const appended = keyed && (await this.catalogPrimaryKey(from.duckSchema, from.table)).length === 0;
    const keyExprs = dst.flatMap((c, i) =>
      schema.primaryKeys.some((k) => sameName(k, c.name)) ? [exprs[i]!] : [],
    );
    const newest = appended
      ? ` QUALIFY row_number() OVER (PARTITION BY ${keyExprs.join(', ')} ORDER BY rowid DESC) = 1`
      : '';
    try {
      await this.exec(
        `INSERT${replace ? ' OR REPLACE' : ''} INTO ${to.qualified} (${names}) SELECT ${exprs.join(', ')} FROM ${from.qualified}${newest}`,
      );
    } catch (e) {
      throw new TidemarkError(
        'SINK_SCHEMA',
        `cannot copy the rows of ${from.label} into ${to.label} (key ${schema.primaryKeys.join(', ') || 'none'}): ${errorMessage(e)}`,
        { cause: e, details: { table: from.label } },
      );
    }
  }

  /** RENAME TABLE with its rows; into an existing table (a merge route) the rows are merged. */
  private async renameTable(from: DuckTarget, to: DuckTarget, after: TableSchema | undefined): Promise<void> {
    if ((await this.catalogColumns(from.duckSchema, from.table)).length === 0) return;
    const targetExists = (await this.catalogColumns(to.duckSchema, to.table)).length > 0;
    if (!targetExists && from.duckSchema.toLowerCase() === to.duckSchema.toLowerCase()) {
      await this.exec(`ALTER TABLE ${from.qualified} RENAME TO ${quoteIdent(to.table)}`);
      return;
    }
    const schema = after;
    if (!schema) throw new Error(`renaming ${from.label} to ${to.label} needs the table's schema`);
    if (targetExists) await this.ensureColumns(to.id, to, schema);
    await this.copyTable(from, to, schema, targetExists ? 'merge' : 'create');
    await this.exec(`DROP TABLE ${from.qualified}`);
  }

  /** Table and column comments (the source's `include-comments.enabled`) as DuckDB comments. */
  private async applyComments(
    t: DuckTarget,
    table: string | undefined,
    columns: readonly Column[],
  ): Promise<void> {
    if (table !== undefined) await this.exec(`COMMENT ON TABLE ${t.qualified} IS ${quoteString(table)}`);
    for (const c of columns) {
      if (c.comment === undefined) continue;
      await this.exec(`COMMENT ON COLUMN ${t.qualified}.${quoteIdent(c.name)} IS ${quoteString(c.comment)}`);
    }
  }

  /** Adds the columns of `schema` the DuckDB table lacks, at the end (NULL in the rows it has). */
  private async ensureColumns(id: TableId, t: DuckTarget, schema: TableSchema): Promise<void> {
    const existing = await this.catalogColumns(t.duckSchema, t.table);
    if (existing.length === 0) {
      throw new Error(`the DuckDB table ${t.qualified} does not exist (was create-table replayed?)`);
    }
    for (const c of schema.columns) {
      if (existing.some((e) => sameName(e.name, c.name))) continue;
      this.checkNotDirty(tableKey(id), tableIdToString(id), `add column ${c.name}`);
      await this.exec(
        `ALTER TABLE ${t.qualified} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${duckDbType(c.type)}`,
      );
    }
  }

  private async refreshTable(id: TableId, t: DuckTarget, schema: TableSchema): Promise<void> {
    const { duckSchema, qualified } = t;
    const label = tableIdToString(id);
    const target = await this.catalogColumns(duckSchema, id.tableName);
    const index = (n: string): number => schema.columns.findIndex((c) => sameName(c.name, n));
    const pk = await this.catalogPrimaryKey(duckSchema, id.tableName);
    let keyIndexes: number[] | undefined;
    if (pk.length > 0) {
      keyIndexes = pk.map((k) => {
        const i = index(k);
        if (i < 0) {
          throw new TidemarkError(
            'SINK_SCHEMA',
            `the primary key column ${k} of the DuckDB table ${label} is not a column of the ` +
              'source table any more; recreate the DuckDB table',
            { details: { table: label, column: k } },
          );
        }
        return i;
      });
    } else if (schema.primaryKeys.length > 0) {
      this.logger?.warn('DuckDB table has no primary key: writing it as an append table', {
        table: label,
      });
    }
    let keyRanges: KeyRanges | undefined;
    if (keyIndexes?.length === 1 && schema.columns[keyIndexes[0]!]!.type.kind === 'integer') {
      // the keys the table holds now lie between its smallest and largest key
      const k = quoteIdent(target.find((c) => sameName(c.name, pk[0]!))!.name);
      const r = await this.connection().runAndReadAll(`SELECT min(${k}), max(${k}) FROM ${qualified}`);
      const [lo, hi] = r.getRowsJS()[0] ?? [];
      keyRanges = new KeyRanges();
      if (lo !== null && lo !== undefined) keyRanges.add(BigInt(lo as bigint), BigInt(hi as bigint));
    }
    const prev = this.tables.get(tableKey(id));
    this.tables.set(tableKey(id), {
      id,
      label,
      duckSchema,
      duckTable: id.tableName,
      qualified,
      schema,
      width: schema.columns.length,
      targetColumns: target.map((c) => c.name),
      targetSource: target.map((c) => index(c.name)),
      keyIndexes,
      keyText: schema.columns.map((c) => {
        const stored = target.find((tc) => sameName(tc.name, c.name));
        return hasKeyText(c.type) && stored !== undefined && normalizeType(stored.type) === 'VARCHAR';
      }),
      jsonColumns: schema.columns.flatMap((c, i) => {
        const stored = target.find((tc) => sameName(tc.name, c.name));
        return c.type.kind === 'json' && stored !== undefined && normalizeType(stored.type) === 'JSON'
          ? [i]
          : [];
      }),
      keyRanges,
      chunkWriter: undefined,
      staging: undefined,
      stagingName: prev?.stagingName ?? `__tidemark_stage_${++this.stagingSeq}`,
      zeroWarned: prev?.zeroWarned ?? new Set(),
    });
  }

  private async catalogColumns(duckSchema: string, table: string): Promise<CatalogColumn[]> {
    const r = await this.connection().runAndReadAll(
      'SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() ' +
        'AND lower(schema_name) = lower($1) AND lower(table_name) = lower($2) ORDER BY column_index',
      [duckSchema, table],
    );
    return r.getRows().map((row) => ({ name: String(row[0]), type: String(row[1]) }));
  }

  private async catalogPrimaryKey(duckSchema: string, table: string): Promise<string[]> {
    const r = await this.connection().runAndReadAll(
      'SELECT constraint_column_names FROM duckdb_constraints() WHERE database_name = current_database() ' +
        "AND lower(schema_name) = lower($1) AND lower(table_name) = lower($2) AND constraint_type = 'PRIMARY KEY'",
      [duckSchema, table],
    );
    const names = r.getRowsJS()[0]?.[0];
    return Array.isArray(names) ? names.map(String) : [];
  }

  // ---- rows -----------------------------------------------------------------------------------

  /**
   * Takes every staged row and queues its writing into the open transaction. Does not wait: the
   * error of a failed write surfaces at the next call (the sink is failed by then).
   */
  private writeBuffered(): void {
    if (this.stagedRows === 0) return;
    const batches = [...this.batches.values()].map((b) => ({ b, chunks: b.take() }));
    this.batches = new Map();
    this.stagedRows = 0;
    this.stagedBytes = 0;
    this.queue.runDetached(async () => {
      for (const { b, chunks } of batches) {
        const t = b.table as TableState;
        try {
          await this.begin();
          await this.writeTable(t, b, chunks);
        } catch (e) {
          await this.fail(e, 'SINK_WRITE', `writing ${t.label}`, t.label);
        }
      }
    });
  }

  private async writeTable(t: TableState, b: TableBatch, chunks: readonly DuckDBDataChunk[]): Promise<void> {
    const conn = this.connection();
    const wide = await this.reserveMemory(t, b);
    const staging = await this.stagingTable(t);
    const appender = await conn.createAppender(staging, 'main', 'temp');
    try {
      b.append(appender, chunks);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const { deletes, upserts, partialMasks, lo, hi } = b;
    const ranges = t.keyRanges;
    if (t.keyIndexes && !this.createdInTxn.has(tableKey(t.id))) this.dirty.add(tableKey(t.id));
    const stagingTableName = `temp.main.${quoteIdent(staging)}`;
    const op = quoteIdent(OP_COLUMN);
    const cols = t.targetColumns.map(quoteIdent).join(', ');
    const select = (): string => t.targetSource.map((i) => (i >= 0 ? `s.c${i}` : 'NULL')).join(', ');
    if (t.keyIndexes) {
      const keys = t.keyIndexes;
      // a key staged more than once: its last change alone
      const s = b.duplicates
        ? `(SELECT * FROM ${stagingTableName} QUALIFY row_number() OVER (PARTITION BY ` +
          `${keys.map((i) => `c${i}`).join(', ')} ORDER BY ${quoteIdent(SEQ_COLUMN)} DESC) = 1)`
        : stagingTableName;
      const on = keys.map((i) => `t.${quoteIdent(t.schema.columns[i]!.name)} = s.c${i}`).join(' AND ');
      // Keys that cannot be in the table yet (a snapshot's chunks, new rows) are simply inserted:
      // INSERT OR REPLACE costs about twice a plain INSERT (and its commit as much again). Rows
      // with large values replace the old row by DELETE + INSERT (REPLACE_IN_PLACE_MAX_ROW_BYTES).
      const mayExist =
        upserts > 0 && (!ranges || lo === undefined || ranges.overlaps(BigInt(lo), BigInt(hi!)));
      const inPlace = mayExist && !wide;
      if (deletes > 0 || (mayExist && !inPlace)) {
        const ops = mayExist && !inPlace ? `IN (${OP_UPSERT}, ${OP_DELETE})` : `= ${OP_DELETE}`;
        await conn.run(`DELETE FROM ${t.qualified} AS t USING ${s} AS s WHERE s.${op} ${ops} AND ${on}`);
      }
      if (upserts > 0) {
        await conn.run(
          `INSERT${inPlace ? ' OR REPLACE' : ''} INTO ${t.qualified} (${cols}) SELECT ${select()} FROM ${s} AS s ` +
            `WHERE s.${op} = ${OP_UPSERT}`,
        );
      }
      for (const [mask, code] of partialMasks) await this.writePartial(t, s, mask, code);
    } else if (upserts > 0) {
      await conn.run(`INSERT INTO ${t.qualified} (${cols}) SELECT ${select()} FROM ${stagingTableName} AS s`);
    }
    if (ranges && lo !== undefined) ranges.add(BigInt(lo), BigInt(hi!));
    await conn.run(`DELETE FROM ${stagingTableName}`);
  }

  /**
   * Counts the batch in the transaction's footprint (the rows it inserts, in order, and what DuckDB
   * holds for them until the commit) and raises the default memory_limit to what writing it and
   * committing the transaction need. Returns whether the upserts' rows are wide (written as DELETE
   * + INSERT when their keys may exist, see REPLACE_IN_PLACE_MAX_ROW_BYTES).
   */
  private async reserveMemory(t: TableState, b: TableBatch): Promise<boolean> {
    const table = this.footprint.table(tableKey(t.id));
    for (let i = 0; i < b.upsertRowBytes.length; i++) table.insert(b.upsertRowBytes[i]!);
    const wide = b.upsertBytes >= REPLACE_IN_PLACE_MAX_ROW_BYTES * b.upsertRowBytes.length;
    if (t.keyIndexes) this.footprint.hold(wide ? b.heldByKey : b.heldInPlace);
    this.footprint.batch(b.bytes);
    const change = await this.memoryLimit?.fitTransaction(this.connection(), this.footprint.neededBytes);
    if (change !== undefined) this.logMemoryLimit(change, 'the open transaction');
    return wide;
  }

  /**
   * Partial images with one mask: only the columns present are written, the others keep their
   * values. `s`: the staging table (or the query of its last row per key).
   */
  private async writePartial(t: TableState, s: string, mask: string, code: number): Promise<void> {
    const keys = t.keyIndexes!;
    const present = t.targetColumns
      .map((name, j) => ({ name, i: t.targetSource[j]! }))
      .filter(({ i }) => i >= 0 && mask[i] === '1');
    const keyNames = keys.map((i) => t.schema.columns[i]!.name);
    const updates = present
      .filter(({ i }) => !keys.includes(i))
      .map(({ name }) => `${quoteIdent(name)} = excluded.${quoteIdent(name)}`);
    await this.connection().run(
      `INSERT INTO ${t.qualified} (${present.map((p) => quoteIdent(p.name)).join(', ')}) ` +
        `SELECT ${present.map((p) => `s.c${p.i}`).join(', ')} FROM ${s} AS s WHERE s.${quoteIdent(OP_COLUMN)} = ${code} ` +
        `ON CONFLICT (${keyNames.map(quoteIdent).join(', ')}) ` +
        (updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING'),
    );
  }

  /**
   * The temp staging table of `t` (created in the open transaction): one column per schema column,
   * typed as the chunk writer fills it (JSON as VARCHAR, cast by the INSERT), the op code and the
   * sequence number.
   */
  private async stagingTable(t: TableState): Promise<string> {
    if (t.staging) return t.staging;
    const cols = t.schema.columns.map((c, i) => `c${i} ${t.keyText[i] ? 'VARCHAR' : stagingType(c.type)}`);
    cols.push(`${quoteIdent(OP_COLUMN)} UINTEGER`, `${quoteIdent(SEQ_COLUMN)} UINTEGER`);
    await this.connection().run(
      `CREATE OR REPLACE TEMP TABLE ${quoteIdent(t.stagingName)} (${cols.join(', ')})`,
    );
    t.staging = t.stagingName;
    return t.staging;
  }

  private warnZero(t: TableState, i: number, v: Value | undefined): void {
    const col = t.schema.columns[i]!.name;
    if (t.keyIndexes?.includes(i)) {
      // A table created before temporal key columns were stored as text (see duckDbKeyType).
      throw new TidemarkError(
        'SINK_WRITE',
        `zero date ${String(v)} in primary key column ${col} of ${t.label}: the DuckDB table holds ` +
          `the column as a ${duckDbType(t.schema.columns[i]!.type)}, which has no zero date. Drop the ` +
          'DuckDB table and snapshot it again: a new table keeps temporal key columns as text',
        { details: { table: t.label, column: col } },
      );
    }
    if (t.zeroWarned.has(col)) return;
    t.zeroWarned.add(col);
    this.logger?.warn('zero date/time value written as NULL (DuckDB has no zero date)', {
      table: t.label,
      column: col,
      value: typeof v === 'string' ? v : String(v),
    });
  }

  /**
   * The DuckDB type of a column whose source type changes: a primary-key column keeps its key type.
   * A key column held as key text cannot change its kind (DATETIME to DATE, VARCHAR to DATETIME):
   * MySQL rewrites the values in place, without row events, and the DuckDB keys would stay the old
   * texts.
   */
  private alteredColumnType(
    key: string,
    label: string,
    ch: { readonly column: string; readonly type: ColumnType },
    primaryKey: readonly string[],
  ): string {
    if (!primaryKey.some((k) => sameName(k, ch.column))) return duckDbType(ch.type);
    const old = this.tables.get(key)?.schema.columns.find((c) => sameName(c.name, ch.column))?.type;
    if (old && old.kind !== ch.type.kind && (hasKeyText(old) || hasKeyText(ch.type))) {
      throw new TidemarkError(
        'SINK_SCHEMA',
        `cannot change primary key column ${ch.column} of ${label} from ${old.kind} to ` +
          `${ch.type.kind}: the DuckDB table keys it by the value's text, which the source rewrote ` +
          'without row events. Drop the DuckDB table and snapshot it again',
        { details: { table: label, column: ch.column } },
      );
    }
    return duckDbKeyType(ch.type);
  }

  // ---- transactions and errors ----------------------------------------------------------------

  private checkNotDirty(key: string, label: string, what: string): void {
    if (!this.dirty.has(key)) return;
    throw new TidemarkError(
      'SINK_SCHEMA',
      `cannot ${what} of ${label}: rows of the table changed in the open transaction ` +
        '(DuckDB cannot commit both); the runner must flush before applySchemaChange',
      { details: { table: label } },
    );
  }

  /**
   * Raises the default memory_limit to what the primary-key indexes need (outside a transaction);
   * after a commit, first sets back a limit the transaction raised.
   */
  private async adjustMemoryLimit(afterCommit = false): Promise<void> {
    if (this.memoryLimit === undefined) return;
    let change;
    try {
      if (afterCommit) await this.memoryLimit.endTransaction(this.connection());
      change = await this.memoryLimit.adjust(this.connection());
    } catch (e) {
      // The data is committed; only the measurement failed. The limit stays; a commit that then
      // needs more fails with the memory hint (see fail()).
      this.logger?.warn('cannot measure the DuckDB indexes; memory_limit unchanged', {
        error: errorMessage(e),
        memoryLimitBytes: this.memoryLimit.limitBytes,
      });
      return;
    }
    if (change !== undefined) this.logMemoryLimit(change, 'the primary-key indexes');
  }

  /** Logs a raised memory_limit: at info level each 25% more, at debug otherwise. */
  private logMemoryLimit(change: MemoryLimitChange, reason: string): void {
    const loud = change.limitBytes >= this.memoryLimitLogged * 1.25;
    if (loud) this.memoryLimitLogged = change.limitBytes;
    this.logger?.[loud ? 'info' : 'debug'](`DuckDB memory_limit raised for ${reason}`, {
      memoryLimitMB: Math.round(change.limitBytes / 2 ** 20),
      indexMB: Math.round(change.indexBytes / 2 ** 20),
      ...(reason === 'the open transaction'
        ? { transactionMB: Math.round(this.footprint.neededBytes / 2 ** 20) }
        : {}),
    });
  }

  private async begin(): Promise<void> {
    if (this.inTransaction) return;
    await this.connection().run('BEGIN TRANSACTION');
    this.inTransaction = true;
  }

  private async rollback(): Promise<void> {
    this.inTransaction = false;
    this.dirty.clear();
    this.createdInTxn.clear();
    this.batches.clear();
    this.stagedRows = 0;
    this.stagedBytes = 0;
    this.footprint.reset();
    for (const t of this.tables.values()) {
      t.staging = undefined;
      t.chunkWriter = undefined; // may hold part of a row that failed
    }
    try {
      await this.conn?.run('ROLLBACK');
    } catch {
      // No transaction open (DuckDB may have ended it on the error): nothing to undo.
    }
  }

  /** Rolls back, marks the sink unusable and throws a TidemarkError naming the table. */
  private async fail(
    e: unknown,
    code: 'SINK_WRITE' | 'SINK_SCHEMA',
    what: string,
    table: string | undefined,
  ): Promise<never> {
    const msg = errorMessage(e);
    const hint = /failed to pin block|could not allocate block|out of memory/i.test(msg)
      ? this.memoryHint()
      : '';
    await this.rollback();
    const err =
      e instanceof TidemarkError
        ? e
        : new TidemarkError(code, `duckdb sink: ${what} failed: ${msg}${hint}`, {
            cause: e,
            retryable: false,
            details: { path: this.path, ...(table === undefined ? {} : { table }) },
          });
    this.queue.latch(err);
    this.logger?.error('duckdb sink failed; uncommitted changes rolled back', { error: err.message });
    throw err;
  }

  /** What DuckDB running out of memory means: the open transaction's rows, or the indexes. */
  private memoryHint(): string {
    const need = this.footprint.neededBytes;
    const set = this.options['memory.limit'];
    const limit = this.memoryLimit?.limitBytes ?? (set === undefined ? undefined : memoryLimitBytes(set));
    // MB as DuckDB reads `memory.limit`: 10^6 bytes
    const mb = (n: number): string => `${Math.ceil(n / 1e6)} MB`;
    if (limit === undefined || need < limit / 4) {
      return (
        ` — DuckDB ran out of its memory_limit; primary-key indexes must fit in it: set the sink's ` +
        '`memory.limit` higher (or leave it unset: the default grows with the indexes)'
      );
    }
    return (
      ` — DuckDB ran out of its memory_limit (${mb(limit)}): the open transaction's new rows hold ` +
      `${mb(this.footprint.totalBytes)}, and writing and committing them needs about ${mb(need)} at ` +
      "once (DuckDB holds 2048 rows at a time, with their BLOB/TEXT values). Set the sink's " +
      `\`memory.limit\` to at least ${mb(DuckDbMemoryLimit.suggested(need))} plus what the primary-key ` +
      `indexes take${set === undefined ? '' : ', or leave it unset: the default follows the open transaction'}`
    );
  }

  private async exec(sql: string): Promise<void> {
    await this.connection().run(sql);
  }

  private async run(sql: string, code: 'SINK_OPEN' | 'SINK_WRITE', what: string): Promise<void> {
    try {
      await this.connection().run(sql);
    } catch (e) {
      throw new TidemarkError(code, `duckdb sink: ${what} failed: ${errorMessage(e)}`, { cause: e });
    }
  }

  private connection(): DuckDBConnection {
    if (!this.conn) throw new TidemarkError('INTERNAL', 'duckdb sink used before open() or after close()');
    return this.conn;
  }
}

/** Builds the sink from validated options. */
export function createDuckDbSink(options: DuckDbSinkOptions): DuckDbSink {
  return new DuckDbSink(options);
}

/**
 * Disjoint, sorted integer ranges [lo, hi]; adjacent ranges are merged, so that a table written in
 * key order (a snapshot's chunks) stays one range. Past MAX_RANGES ranges, the smallest and largest
 * bound make one range (still a superset).
 */
export class KeyRanges {
  private static readonly MAX_RANGES = 1000;
  private ranges: [bigint, bigint][] = [];

  /** True when [lo, hi] meets a range. */
  overlaps(lo: bigint, hi: bigint): boolean {
    return this.ranges.some(([a, b]) => lo <= b && hi >= a);
  }

  add(lo: bigint, hi: bigint): void {
    const out: [bigint, bigint][] = [];
    let cur: [bigint, bigint] = [lo, hi];
    let placed = false;
    for (const r of this.ranges) {
      if (r[1] + 1n < cur[0]) out.push(r);
      else if (cur[1] + 1n < r[0]) {
        if (!placed) out.push(cur);
        placed = true;
        out.push(r);
      } else cur = [r[0] < cur[0] ? r[0] : cur[0], r[1] > cur[1] ? r[1] : cur[1]];
    }
    if (!placed) out.push(cur);
    this.ranges = out.length > KeyRanges.MAX_RANGES ? [[out[0]![0], out[out.length - 1]![1]]] : out;
  }
}

/** tableKey per TableId object (ids are immutable): every row event carries one, most share it. */
const tableKeys = new WeakMap<TableId, string>();

function tableKey(id: TableId): string {
  let key = tableKeys.get(id);
  if (key === undefined) {
    key = JSON.stringify([id.namespace ?? null, id.schemaName ?? null, id.tableName]);
    tableKeys.set(id, key);
  }
  return key;
}

/** The staging table's type of a column: the sink table's, but JSON as VARCHAR (cast on INSERT). */
function stagingType(t: ColumnType): string {
  return t.kind === 'json' ? 'VARCHAR' : duckDbType(t);
}

/**
 * MariaDB's JSON is text with a CHECK, which existing rows escape (a JSON column added NOT NULL
 * without a default gives them ''): such a value cannot be held by a DuckDB JSON column.
 */
function checkJson(t: TableState, row: Row): void {
  for (const i of t.jsonColumns) {
    const v = row[i];
    if (typeof v !== 'string' || isJsonText(v)) continue;
    const name = t.schema.columns[i]!.name;
    throw new TidemarkError(
      'SINK_SCHEMA',
      `column ${name} of ${t.label} holds ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)} at the ` +
        "source, which is not JSON, and a DuckDB JSON column cannot hold it (MariaDB gives '' to the " +
        'existing rows of a JSON column added NOT NULL without a default). Set valid JSON in those rows at ' +
        'the source, or leave the table out of the pipeline',
      { details: { table: t.label, column: name } },
    );
  }
}

function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => sameName(x, b[i]!));
}

/**
 * The value a column of a copied table gets: NULL when the source table lacks it, key text when it
 * becomes a text key column (temporal types, see duckdb-type-mapping.ts), else a cast.
 */
function copiedValue(dst: CatalogColumn, src: readonly CatalogColumn[], schema: TableSchema): string {
  const from = src.find((x) => sameName(x.name, dst.name));
  if (!from) return 'NULL';
  const col = quoteIdent(dst.name);
  const type = schema.columns.find((c) => sameName(c.name, dst.name))?.type;
  if (
    type &&
    hasKeyText(type) &&
    normalizeType(dst.type) === 'VARCHAR' &&
    normalizeType(from.type) !== 'VARCHAR'
  ) {
    return temporalKeyTextSql(type, col);
  }
  return `CAST(${col} AS ${dst.type})`;
}

/** A sink table in DuckDB terms. */
interface DuckTarget {
  readonly id: TableId;
  readonly label: string;
  readonly duckSchema: string;
  readonly table: string;
  /** Quoted "schema"."table". */
  readonly qualified: string;
}

/** The column list of CREATE TABLE: DuckDB types; only key columns NOT NULL (kept columns take NULL). */
function columnDefinitions(s: TableSchema): string {
  const cols = s.columns.map((c) => {
    const pk = s.primaryKeys.some((k) => sameName(k, c.name));
    return `${quoteIdent(c.name)} ${duckDbColumnType(c.type, pk)}${pk ? ' NOT NULL' : ''}`;
  });
  if (s.primaryKeys.length > 0) cols.push(`PRIMARY KEY (${s.primaryKeys.map(quoteIdent).join(', ')})`);
  return cols.join(', ');
}

/**
 * The USING clause of SET DATA TYPE where DuckDB's own cast is not the conversion tidemark
 * promises (README "Sharded merges: type widening"), so that the rows the table holds get what a
 * row written after the change gets (value-coercion.ts), `old` being the column's type before:
 * - a TIMESTAMP (DATETIME) or DATE into TIMESTAMPTZ is its wall clock read as UTC, where DuckDB's
 *   cast reads it in the session's time zone (the machine's);
 * - a DOUBLE or FLOAT into text is the number as JavaScript writes it (doubleAsText), where DuckDB
 *   writes `5.0`, `1e+16`, `1.5e-07`;
 * - a DATETIME, TIMESTAMP or TIME into text is the value's text (column-type.ts: as many fraction
 *   digits as the old type's precision, a TIMESTAMP in UTC without a zone), where DuckDB cuts
 *   trailing zeros, adds `+00` and writes the session's zone.
 */
function castUsing(col: CatalogColumn, type: string, old: ColumnType | undefined): string {
  const from = normalizeType(col.type);
  const to = normalizeType(type);
  const x = quoteIdent(col.name);
  if (to === 'TIMESTAMPTZ' && (from === 'TIMESTAMP' || from === 'DATE')) {
    return ` USING timezone('UTC', CAST(${x} AS TIMESTAMP))`;
  }
  if (to !== 'VARCHAR') return '';
  if (from === 'DOUBLE' || from === 'FLOAT') return ` USING ${doubleAsText(col.name)}`;
  if (from === 'TIMESTAMP' && old?.kind === 'timestamp') return ` USING ${timestampText(x, old.precision)}`;
  if (from === 'TIMESTAMPTZ' && old?.kind === 'timestamp_ltz') {
    return ` USING ${timestampText(`timezone('UTC', ${x})`, old.precision)}`;
  }
  if (from === 'INTERVAL' && old?.kind === 'time') return ` USING ${timeText(x, old.precision)}`;
  return '';
}

/** A DuckDB expression: the TIMESTAMP `e` as `YYYY-MM-DD HH:MM:SS` and `digits` fraction digits. */
function timestampText(e: string, digits: number): string {
  const fraction = digits > 0 ? ` || '.' || left(strftime(${e}, '%f'), ${digits})` : '';
  return `(CAST(CAST(${e} AS DATE) AS VARCHAR) || ' ' || strftime(${e}, '%H:%M:%S')${fraction})`;
}

/** A DuckDB expression: the INTERVAL (a TIME) `x` as `[-]HH:MM:SS` and `digits` fraction digits. */
function timeText(x: string, digits: number): string {
  const us = `abs(epoch_us(${x}))`;
  const part = (div: string, mod: string): string =>
    `lpad(CAST((${us} // ${div}) % ${mod} AS VARCHAR), 2, '0')`;
  const hours = `CAST(${us} // 3600000000 AS VARCHAR)`;
  const fraction =
    digits > 0 ? ` || '.' || left(lpad(CAST(${us} % 1000000 AS VARCHAR), 6, '0'), ${digits})` : '';
  return (
    `(CASE WHEN epoch_us(${x}) < 0 THEN '-' ELSE '' END || CASE WHEN ${us} < 36000000000 THEN '0' ELSE '' END || ` +
    `${hours} || ':' || ${part('60000000', '60')} || ':' || ${part('1000000', '60')}${fraction})`
  );
}

/**
 * A DuckDB expression: the DOUBLE (or FLOAT, as the double it is) in column `name` as JavaScript's
 * String(n) writes it. DuckDB's text has the same shortest digits in another layout: `.0` after a
 * whole number, and an exponent (`1e+16`, `1e-05`) from 1e16 and below 1e-4, where JavaScript
 * writes the digits out from 1e-7 up to 1e21 and gives exponents without leading zeros.
 */
function doubleAsText(name: string): string {
  const x = quoteIdent(name);
  const text = `CAST(CAST(${x} AS DOUBLE) AS VARCHAR)`;
  const mantissa = `regexp_extract(${text}, '^-?([0-9.]+)e', 1)`;
  const digits = `replace(${mantissa}, '.', '')`;
  const exp = `CAST(regexp_extract(${text}, 'e([-+][0-9]+)$', 1) AS INTEGER)`;
  const sign = `CASE WHEN ${x} < 0 THEN '-' ELSE '' END`;
  return (
    `CASE WHEN ${x} = 0 THEN '0' ` +
    `WHEN NOT contains(${text}, 'e') THEN regexp_replace(${text}, '\\.0$', '') ` +
    `WHEN ${exp} >= 21 OR ${exp} <= -7 THEN ${sign} || ${mantissa} || 'e' || ` +
    `CASE WHEN ${exp} > 0 THEN '+' ELSE '-' END || CAST(abs(${exp}) AS VARCHAR) ` +
    `WHEN ${exp} >= 0 THEN ${sign} || rpad(${digits}, ${exp} + 1, '0') ` +
    `ELSE ${sign} || '0.' || repeat('0', -${exp} - 1) || ${digits} END`
  );
}

function normalizeType(t: string): string {
  const u = t.toUpperCase().replace(/\s+/g, ' ').trim();
  const aliases: Record<string, string> = {
    'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
    INT: 'INTEGER',
    INT4: 'INTEGER',
    INT8: 'BIGINT',
    BOOL: 'BOOLEAN',
    TEXT: 'VARCHAR',
    STRING: 'VARCHAR',
  };
  return aliases[u] ?? u;
}
