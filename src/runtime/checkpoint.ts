import type { JsonValue } from '../event/json-value.js';

/**
 * A consistent cut of the pipeline: restarting the source from `source` yields exactly the events
 * that come after everything the sinks hold. Written to the state directory after the sink
 * committed, and (for transactional sinks) inside the sink's own commit.
 */
export interface Checkpoint {
  /** Grows by one with every checkpoint of a pipeline; the newest copy wins on restore. */
  readonly seq: number;
  readonly pipeline: string;
  /** The source's own state (position, tracked schemas, snapshot progress), opaque to the runtime. */
  readonly source: JsonValue;
  /** The runner's own state: the sink-side table schemas it derived (routing, schema-change behaviour). */
  readonly runtime: JsonValue;
  /** Epoch milliseconds when it was taken. */
  readonly createdAt: number;
  /**
   * What the checkpoint belongs to, checked before it is resumed (see restore-point.ts). Absent in
   * checkpoints of earlier versions: those are taken to belong to the pipeline of their name.
   */
  readonly identity?: PipelineIdentity;
}

/** Where a pipeline reads and writes: what tells one pipeline's checkpoint from another's. */
export interface PipelineIdentity {
  /** Where the source reads, e.g. `mysql 127.0.0.1:3306` (for messages: a failover may change it). */
  readonly source?: string;
  /** Where the sink writes, e.g. `duckdb /data/app.duckdb`. */
  readonly sink: string;
  /** The source tables captured (`db.table`), at the start and created since. */
  readonly tables: readonly string[];
  /** The configured table selection (SourceInfo.selection), when the source has one. */
  readonly selection?: string;
}
