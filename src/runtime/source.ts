import type { ChangeEvent } from '../event/change-event.js';
import type { JsonValue } from '../event/json-value.js';
import type { TableId } from '../event/table-schema.js';
import type { Logger } from './logger.js';

/**
 * What a source yields, in order:
 * - change events (rows and schema changes, the schema change before the rows that need it);
 * - `checkpoint`: a transaction boundary. Restarting from `state` yields exactly the events after
 *   this point, so the runner may commit everything before it together with `state`;
 * - `caught-up`: the snapshot is done and the reader has passed the end of the log that existed
 *   when the source started streaming (for `--exit-when-caught-up`);
 * - `progress`: snapshot/stream progress for display; carries no data.
 */
export type SourceRecord =
  | ChangeEvent
  | { readonly kind: 'checkpoint'; readonly state: JsonValue }
  | { readonly kind: 'caught-up' }
  | { readonly kind: 'progress'; readonly progress: SourceProgress };

export interface SnapshotTableProgress {
  readonly table: string;
  /** Rows read by this run. */
  readonly rowsRead: number;
  /** Rows in the whole table, estimated. */
  readonly rowsEstimated: number;
  readonly done: boolean;
  /** Part of the table was read before a restart: `rowsRead` counts this run's rows only. */
  readonly resumed?: boolean;
}

export interface SourceProgress {
  readonly phase: 'snapshot' | 'streaming';
  /** Per-table snapshot progress. */
  readonly tables?: readonly SnapshotTableProgress[];
  /** Streaming lag: now minus the timestamp of the last event read, milliseconds. */
  readonly lagMs?: number;
  readonly position?: string;
}

export interface SourceContext {
  readonly pipelineName: string;
  readonly logger: Logger;
  /**
   * Aborted when the pipeline stops, fails or ends: the source ends its iteration promptly. The
   * runner then ends the iteration (`return()`), on failure too, before it calls close().
   */
  readonly signal: AbortSignal;
  /** The pipeline's `local-time-zone`, e.g. "Asia/Shanghai" or "+08:00"; undefined = system zone. */
  readonly localTimeZone: string | undefined;
}

export interface SourceInfo {
  /** The tables this source captures, as of opening. */
  readonly tables: readonly TableId[];
  /** Where it reads, for messages, e.g. `mysql 127.0.0.1:3306`; never a secret. */
  readonly endpoint?: string;
  /**
   * The configured table selection (e.g. the `tables` pattern and its exclusions): which tables
   * belong to the pipeline, now and later. Part of what a checkpoint belongs to.
   */
  readonly selection?: string;
  /**
   * Set when no table matches the selection now: why, naming the selection and what exists. The
   * runner refuses to start a new pipeline on it (SOURCE_NO_TABLES); a resumed one streams on and
   * captures matching tables as they are created.
   */
  readonly noTables?: string;
}

export interface Source {
  /**
   * Connects and validates everything it can (credentials, privileges, server settings, tables)
   * before anything is written anywhere.
   */
  open(ctx: SourceContext): Promise<SourceInfo>;
  /**
   * `restoredState` is the `source` part of the last committed checkpoint when resuming.
   *
   * Records in batches. The runner pulls the next batch only when it has room: that is the
   * back-pressure, so a source must not read ahead without bound. A source emits a `create-table`
   * schema event for every captured table before any of its rows (also on resume).
   */
  read(restoredState: JsonValue | undefined): AsyncIterable<readonly SourceRecord[]>;
  /**
   * Optional: called after a checkpoint is durable (committed in the sink and saved), with its
   * `source` state, for a source that tells its upstream how far it got (Kafka: the consumer
   * group's offsets). Must not throw; failures are the source's to log.
   */
  checkpointDurable?(state: JsonValue): void;
  /**
   * Called once after open(), also when open() failed: it releases whatever part of the opening
   * succeeded (so it must cope with a partial open, or none).
   */
  close(): Promise<void>;
}
