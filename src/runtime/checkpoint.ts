import { z } from 'zod';
import type { JsonValue } from '../event/json-value.js';
import { TidemarkError } from '../event/tidemark-error.js';

/**
 * The checkpoint format this version writes and reads. A checkpoint without `format` is of format
 * 1 (written before the field existed, the same shape). Raise it when the shape changes
 * incompatibly, and teach parseCheckpoint to read the older ones.
 */
export const CHECKPOINT_FORMAT = 1;

/**
 * A consistent cut of the pipeline: restarting the source from `source` yields exactly the events
 * that come after everything the sinks hold. Written to the state directory after the sink
 * committed, and (for transactional sinks) inside the sink's own commit.
 */
export interface Checkpoint {
  /** The checkpoint format (CHECKPOINT_FORMAT when written by this version). */
  readonly format?: number;
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
  /**
   * Whether the sink committed this checkpoint together with its rows (Sink.transactional).
   * Absent in checkpoints of earlier versions.
   */
  readonly sinkTransactional?: boolean;
}

const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

const checkpointSchema = z.object({
  format: z.number().int().positive().optional(),
  seq: z.number().int().nonnegative(),
  pipeline: z.string(),
  source: jsonValue,
  runtime: jsonValue,
  createdAt: z.number(),
  identity: z
    .object({
      source: z.string().optional(),
      sink: z.string(),
      tables: z.array(z.string()),
      selection: z.string().optional(),
      sinkTransactional: z.boolean().optional(),
    })
    .optional(),
});

/**
 * Reads a checkpoint's JSON text, validated: a corrupt or foreign file, or one of a newer format,
 * is a clear CHECKPOINT error naming `where` (a state file, a sink), never a cast that fails later.
 */
export function parseCheckpoint(text: string, where: string): Checkpoint {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the text; the file may not be a checkpoint at all (a savepoint path a
    // job server was given): only where the JSON breaks is said
    const at = /at position (\d+)/.exec((e as Error).message)?.[1];
    throw new TidemarkError(
      'CHECKPOINT',
      `the checkpoint in ${where} is not JSON${at !== undefined ? ` (at character ${at})` : ''}: the file is corrupt, or not a checkpoint`,
    );
  }
  const format = (json as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format > CHECKPOINT_FORMAT) {
    throw new TidemarkError(
      'CHECKPOINT',
      `the checkpoint in ${where} has format ${format}, written by a newer tidemark; this version reads format ` +
        `${CHECKPOINT_FORMAT} and older: run the newer version, or start afresh with a new state directory and sink`,
    );
  }
  const r = checkpointSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new TidemarkError(
      'CHECKPOINT',
      `the checkpoint in ${where} is not a tidemark checkpoint: ${issue.path.join('.') || '(top)'}: ${issue.message}`,
    );
  }
  return r.data;
}
