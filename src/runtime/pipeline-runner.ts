import type { DataChangeEvent } from '../event/change-event.js';
import { assertNever } from '../event/column-type.js';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import type { JsonValue } from '../event/json-value.js';
import { tableIdToString } from '../event/table-schema.js';
import type { TableId } from '../event/table-schema.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { CHECKPOINT_FORMAT, type Checkpoint, type PipelineIdentity } from './checkpoint.js';
import type { Logger } from './logger.js';
import { restorePoint } from './restore-point.js';
import {
  SchemaOperator,
  type SchemaTransform,
  type SinkSchemaChange,
  type TableRouter,
} from './schema-operator.js';
import { SchemaChangeRefusedError, type Sink } from './sink.js';
import type { Source, SourceProgress, SourceRecord } from './source.js';
import { StateStore } from './state-store.js';

export interface RunnerOptions {
  readonly spec: PipelineSpec;
  readonly source: Source;
  readonly sink: Sink;
  readonly router: TableRouter;
  /** Schema rewrites of the transform rules (primary keys), applied before routing. */
  readonly schemaTransform?: SchemaTransform;
  readonly stateDir: string;
  readonly logger: Logger;
  /** Stop (exit 0) once the source reports it caught up and everything is committed. */
  readonly exitWhenCaughtUp?: boolean;
  /** Aborting stops the pipeline cleanly: the last complete transaction is committed. */
  readonly signal?: AbortSignal;
  readonly onStart?: (info: { tables: readonly TableId[]; resumedFrom: Checkpoint | undefined }) => void;
  readonly onProgress?: (p: SourceProgress) => void;
  /** After each checkpoint is committed (in the sink and the state directory). */
  readonly onCheckpoint?: (cp: Checkpoint) => void;
  /** Row events handed to the sink per write call (bounded buffer). */
  readonly writeBatchSize?: number;
}

export interface RunResult {
  readonly reason: 'caught-up' | 'stopped' | 'source-ended';
  readonly lastCheckpoint: Checkpoint | undefined;
  readonly rowsWritten: number;
}

/**
 * Drives one pipeline: source → schema operator (routing, schema-change behaviour) → sink.
 *
 * Guarantees:
 * - rows reach the sink in source order; a schema change is applied only after every earlier row
 *   was handed to the sink (the barrier), and before any later row;
 * - a checkpoint is committed only at a source transaction boundary and only together with (or
 *   after) everything before it: with a transactional sink in the same transaction;
 * - memory is bounded: the runner pulls the next source batch only after the previous one was
 *   handed to the sink.
 */
export async function runPipeline(opts: RunnerOptions): Promise<RunResult> {
  const { spec, source, sink, logger } = opts;
  const pipelineName = spec.pipeline.name;
  const signal = opts.signal ?? new AbortController().signal;
  const writeBatchSize = opts.writeBatchSize ?? 4096;
  const commitIntervalMs = spec.pipeline['checkpoint.interval'];

  const store = await StateStore.open(opts.stateDir, pipelineName);
  let committing: Promise<void> | undefined; // the commit in flight (see commit below)
  let commitError: Error | undefined;
  let sourceOpen = false;
  let sinkOpen = false;
  try {
    const info = await source.open({
      pipelineName,
      logger: logger.child({ component: 'source' }),
      signal,
      localTimeZone: spec.pipeline['local-time-zone'],
    });
    sourceOpen = true;
    const fromStore = await store.load();
    if (info.noTables !== undefined) {
      // a new pipeline has nothing to start with; a resumed one streams on (tables may come back)
      if (!fromStore) throw new TidemarkError('SOURCE_NO_TABLES', info.noTables);
      logger.warn(`resuming anyway, matching tables created from now on are captured: ${info.noTables}`);
    }
    await sink.open({ pipelineName, logger: logger.child({ component: 'sink' }) });
    sinkOpen = true;

    // what this pipeline's checkpoints belong to: the tables grow with those created while it runs
    const capturedTables = new Set(info.tables.map(tableIdToString));
    const identity = (): PipelineIdentity => ({
      ...(info.endpoint !== undefined ? { source: info.endpoint } : {}),
      sink: sink.target,
      tables: [...capturedTables],
      ...(info.selection !== undefined ? { selection: info.selection } : {}),
    });
    const restored = await restorePoint({
      pipelineName,
      identity: identity(),
      fromStore,
      storePath: store.dir,
      sink,
      logger,
    });
    opts.onStart?.({ tables: info.tables, resumedFrom: restored });
    if (restored)
      logger.info('resuming from checkpoint', {
        seq: restored.seq,
        at: new Date(restored.createdAt).toISOString(),
      });

    const schemas = new SchemaOperator(
      opts.router,
      spec.pipeline['schema.change.behavior'],
      restored?.runtime,
      opts.schemaTransform,
      { capabilities: sink.schemaCapabilities, warn: (msg, fields) => logger.warn(msg, fields) },
    );
    let seq = restored?.seq ?? 0;
    let lastCheckpoint = restored;
    let pendingState: JsonValue | undefined; // newest boundary not yet committed
    let atBoundary = true; // nothing handed over since the newest boundary
    let lastCommitAt = Date.now();
    let rowsWritten = 0;
    let caughtUp = false;
    let commitAtBoundary = false;
    let buffer: DataChangeEvent[] = [];

    const drain = async (): Promise<void> => {
      if (buffer.length === 0) return;
      const events = buffer;
      buffer = [];
      await sink.write(events);
      rowsWritten += events.length;
    };
    // A commit runs while the runner reads on: the sink applies calls in call order, so the rows
    // written after flush() belong to the next transaction. The checkpoint is saved to the state
    // directory (and becomes lastCheckpoint) only once the sink has committed it; one commit is
    // in flight at a time, so checkpoints are saved in order.
    const settleCommit = async (): Promise<void> => {
      if (committing) await committing;
      committing = undefined;
      if (commitError !== undefined) throw commitError;
    };
    // `try_evolve`: a change the sink refuses while staying usable is skipped, with the changes
    // derived after it for the same table; rows then follow the schema the sink table kept
    const applySinkChanges = async (changes: readonly SinkSchemaChange[]): Promise<void> => {
      const refused = new Set<string>();
      for (const c of changes) {
        const table = tableIdToString(c.tableId);
        if (refused.has(table)) continue;
        try {
          await sink.applySchemaChange(c.tableId, c.change, c.schemaAfter);
        } catch (e) {
          const tolerated =
            e instanceof SchemaChangeRefusedError &&
            spec.pipeline['schema.change.behavior'] === 'try_evolve' &&
            schemas.sinkRefused(c);
          if (!tolerated) throw e;
          refused.add(table);
          logger.warn('schema change refused by the sink and skipped (try_evolve)', {
            table,
            change: c.change.type,
            error: e.message,
          });
        }
      }
    };
    const commit = async (): Promise<void> => {
      if (pendingState === undefined) return;
      await drain();
      await settleCommit();
      const cp: Checkpoint = {
        format: CHECKPOINT_FORMAT,
        seq: ++seq,
        pipeline: pipelineName,
        source: pendingState,
        runtime: schemas.snapshotState(),
        createdAt: Date.now(),
        identity: identity(),
      };
      pendingState = undefined;
      lastCommitAt = Date.now();
      committing = sink.flush(cp).then(
        async () => {
          await store.save(cp);
          lastCheckpoint = cp;
          opts.onCheckpoint?.(cp);
          logger.debug('checkpoint committed', { seq: cp.seq });
        },
        (e: unknown) => {
          commitError = asError(e);
        },
      );
      committing = committing.catch((e: unknown) => {
        commitError ??= asError(e);
      });
    };

    let reason: RunResult['reason'] = 'source-ended';
    const records = source.read(restored?.source)[Symbol.asyncIterator]();
    const idleCommitMs = Math.min(commitIntervalMs, IDLE_COMMIT_MS);
    outer: while (true) {
      // When the source has nothing new for a moment, commit what is complete now rather than
      // wait for the interval: a quiet stream's position and rows become durable promptly, while a
      // busy source (a snapshot, a backlog) commits once per checkpoint.interval.
      const pending = records.next();
      let step: IteratorResult<readonly SourceRecord[]>;
      if (atBoundary && pendingState !== undefined) {
        let timer: NodeJS.Timeout | undefined;
        const idle = new Promise<typeof IDLE>(
          (resolve) => (timer = setTimeout(() => resolve(IDLE), idleCommitMs)),
        );
        const raced = await Promise.race([pending, idle]);
        clearTimeout(timer); // one timer per batch otherwise outlives the race
        if (raced === IDLE) {
          await commit();
          step = await pending;
        } else {
          step = raced;
        }
      } else {
        step = await pending;
      }
      if (step.done) break;
      const batch = step.value;
      for (const rec of batch) {
        if (rec.kind === 'schema' && rec.change.type === 'create-table')
          capturedTables.add(tableIdToString(rec.tableId));
        switch (rec.kind) {
          case 'data':
            buffer.push(schemas.onDataChange(rec));
            atBoundary = false;
            if (buffer.length >= writeBatchSize) await drain();
            break;
          case 'schema': {
            // The barrier: every earlier row is in the sink (committed when at a boundary, which a
            // DDL always is in MySQL) before the schemas change. The commit comes first, so that
            // the checkpoint before the DDL holds the schemas before it.
            if (atBoundary) await commit();
            else await drain();
            const changes = schemas.onSchemaChange(rec);
            // The DDL's own checkpoint is committed at once, with the sink's schema changes and the
            // runner's schemas after them: a crash in between replays the DDL from the old state.
            commitAtBoundary = true;
            if (changes.length === 0) break;
            await applySinkChanges(changes);
            logger.info('schema change applied', {
              table: tableIdToString(rec.tableId),
              change: rec.change.type,
            });
            atBoundary = false;
            break;
          }
          case 'checkpoint':
            pendingState = rec.state;
            atBoundary = true;
            if (caughtUp && opts.exitWhenCaughtUp) {
              await commit();
              await settleCommit();
              reason = 'caught-up';
              break outer;
            }
            if (commitAtBoundary || Date.now() - lastCommitAt >= commitIntervalMs) await commit();
            commitAtBoundary = false;
            break;
          case 'caught-up':
            caughtUp = true;
            logger.info('caught up with the source');
            // the snapshot and the backlog are done: make that durable at once
            if (atBoundary) await commit();
            else commitAtBoundary = true;
            if (opts.exitWhenCaughtUp && atBoundary) {
              await settleCommit();
              reason = 'caught-up';
              break outer;
            }
            break;
          case 'progress':
            opts.onProgress?.(rec.progress);
            break;
          default:
            assertNever(rec, 'source record');
        }
      }
      if (atBoundary && pendingState !== undefined && Date.now() - lastCommitAt >= commitIntervalMs)
        await commit();
      if (commitError !== undefined) await settleCommit();
      if (signal.aborted) {
        reason = 'stopped';
        break;
      }
    }
    if (signal.aborted) reason = 'stopped';
    // end the source's iteration (its finally blocks run) before the last commit
    await records
      .return?.()
      .catch((e: unknown) =>
        logger.warn('the source did not end its reading cleanly', { error: errorMessage(e) }),
      );
    // On stop, commit the last complete transaction; anything after it is replayed on restart.
    if (atBoundary) await commit();
    else if (pendingState !== undefined) {
      // rows after the boundary are in the sink's open transaction: the sink rolls them back on
      // close, so commit is only possible for transactional sinks that hold nothing newer.
      logger.info('stopping inside a source transaction: it will be read again on restart');
    }
    await settleCommit();
    return { reason, lastCheckpoint, rowsWritten };
  } finally {
    // a commit still running when the run failed: let it end before the sink closes
    await committing?.catch(() => undefined);
    if (sourceOpen)
      await source.close().catch((e: unknown) => logger.warn('source close failed', { error: String(e) }));
    if (sinkOpen)
      await sink.close().catch((e: unknown) => logger.warn('sink close failed', { error: String(e) }));
    await store.release();
  }
}

const IDLE = Symbol('idle');
/** How long the source may be silent before a complete transaction is committed without waiting. */
const IDLE_COMMIT_MS = 100;

function asError(e: unknown): Error {
  return e instanceof Error ? e : new TidemarkError('INTERNAL', errorMessage(e));
}
