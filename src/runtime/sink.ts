import type { DataChangeEvent, SchemaChange, SchemaChangeType } from '../event/change-event.js';
import type { TableId, TableSchema } from '../event/table-schema.js';
import { TidemarkError, type TidemarkErrorOptions } from '../event/tidemark-error.js';
import type { Checkpoint } from './checkpoint.js';
import type { Logger } from './logger.js';

export interface SinkContext {
  readonly pipelineName: string;
  readonly logger: Logger;
}

/** Every schema change type (for a sink that applies them all); the record keeps it complete. */
export const ALL_SCHEMA_CHANGE_TYPES = Object.keys({
  'create-table': true,
  'add-column': true,
  'drop-column': true,
  'rename-column': true,
  'alter-column-type': true,
  'reorder-columns': true,
  'alter-primary-key': true,
  'drop-table': true,
  'truncate-table': true,
  'rename-table': true,
} satisfies Record<SchemaChangeType, true>) as readonly SchemaChangeType[];

/** What a sink does with schema changes: the schema operator adapts changes to it in one place. */
export interface SinkSchemaCapabilities {
  /** The change types it applies; under `evolve` any other is a clear error, elsewhere skipped. */
  readonly applies: readonly SchemaChangeType[];
  /** Whether it places columns where the source does (FIRST/AFTER, reorders); else new columns go last. */
  readonly columnPositions: boolean;
}

/**
 * A sink is a writer plus a schema applier (Flink CDC's DataSink = EventSinkProvider + MetadataApplier).
 *
 * Protocol (driven by the runner). Calls are made one after another, except that the runner does
 * not wait for `flush` to settle before it calls `write`, `applySchemaChange` or the next `flush`
 * (it reads on while the sink commits; it never has two flushes in flight). A sink applies calls in
 * call order: a flush covers exactly the writes called before it.
 * - `applySchemaChange` is called after every earlier `write` was flushed (the schema-change
 *   barrier). It must be idempotent against the sink's catalog: on restart the source replays
 *   `create-table` for every table and may replay DDL that was applied before a crash.
 *   `create-table` for a table that exists means "make sure it exists and has these columns".
 * - `write` receives row events whose `tableId` is the sink table and whose rows follow the schema
 *   last given for that table. It may buffer (bounded) or write ahead inside an open transaction.
 *   A sink that cannot apply a change but is still usable, with the table exactly as before the
 *   change, throws a SchemaChangeRefusedError (`try_evolve` then goes on without the change); any
 *   other error leaves the sink failed.
 * - `flush(checkpoint)` makes everything written so far durable. A transactional sink commits the
 *   checkpoint in the same transaction (exactly-once) and returns it from `committedCheckpoint`.
 */
export interface Sink {
  readonly schemaCapabilities: SinkSchemaCapabilities;
  /** True when `flush` commits rows and checkpoint atomically. */
  readonly transactional: boolean;
  /**
   * Where it writes, e.g. `duckdb /data/app.duckdb`: part of what a checkpoint belongs to, so that
   * a checkpoint of one sink is never resumed into another. Never a secret.
   */
  readonly target: string;
  open(ctx: SinkContext): Promise<void>;
  /** The checkpoint committed together with the data, for transactional sinks. */
  committedCheckpoint(): Promise<Checkpoint | undefined>;
  /**
   * True when the sink holds no table at all (new, or emptied): a new snapshot written into it
   * cannot meet rows of an earlier run. Asked of transactional sinks that hold no checkpoint.
   */
  isEmpty(): Promise<boolean>;
  /**
   * What to do when the sink lost its checkpoint while the state directory kept one (SINK_BEHIND),
   * where "remove the sink and snapshot again" does not fit it. Never a secret.
   */
  readonly lostCheckpointAdvice?: string;
  applySchemaChange(
    tableId: TableId,
    change: SchemaChange,
    schemaAfter: TableSchema | undefined,
  ): Promise<void>;
  write(events: readonly DataChangeEvent[]): Promise<void>;
  flush(checkpoint: Checkpoint): Promise<void>;
  /**
   * Called once after open(), also when open() failed: it releases whatever part of the opening
   * succeeded (so it must cope with a partial open, or none).
   */
  close(): Promise<void>;
  /**
   * Optional: answers one read-only query (a single SELECT) while the sink is open, for a sink
   * whose store no other process may open meanwhile (DuckDB's one writer). Sees committed data
   * only; at most `limits.maxRows` rows; interrupted after `limits.timeoutMs`.
   */
  query?(sql: string, format: SinkQueryFormat, limits: SinkQueryLimits): Promise<SinkQueryResult>;
}

export type SinkQueryFormat = 'table' | 'json' | 'jsonl' | 'csv';

export interface SinkQueryLimits {
  readonly maxRows: number;
  readonly timeoutMs: number;
}

export interface SinkQueryResult {
  /** The rows rendered in the format asked for. */
  readonly output: string;
  readonly rows: number;
  /** True when the query had more rows than maxRows (the first maxRows are rendered). */
  readonly truncated: boolean;
}

/**
 * The sink did not apply a schema change and is still usable: the table is as it was before the
 * change (nothing else was undone with it).
 */
export class SchemaChangeRefusedError extends TidemarkError {
  constructor(message: string, options: TidemarkErrorOptions = {}) {
    super('SINK_SCHEMA', message, options);
    this.name = 'SchemaChangeRefusedError';
  }
}
