import type { DataChangeEvent, SchemaChangeEvent, SchemaChangeType } from '../event/change-event.js';
import { assertNever } from '../event/column-type.js';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import type { JsonValue } from '../event/json-value.js';
import { tableIdToString } from '../event/table-schema.js';
import type { TableId } from '../event/table-schema.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import type { Checkpoint, PipelineIdentity } from './checkpoint.js';
import { CheckpointCommitter, type CheckpointStats } from './checkpoint-committer.js';
import type { Logger } from './logger.js';
import { restorePoint } from './restore-point.js';
import { SchemaOperator, type SinkSchemaChange, type TableRouter } from './schema-operator.js';
import { SchemaChangeRefusedError, type Sink } from './sink.js';
import type { Source, SourceProgress, SourceRecord } from './source.js';
import { StateStore } from './state-store.js';

/** What the runner needs of the transform rules (src/transforms/transform-operator.ts). */
export interface EventTransform {
  onSchemaChange(ev: SchemaChangeEvent): readonly SchemaChangeEvent[];
  onDataChange(ev: DataChangeEvent): readonly DataChangeEvent[];
  /** Warnings for rules that match none of the captured tables (logged at start). */
  unmatchedRules?(captured: readonly TableId[]): string[];
}

export interface RunnerOptions {
  readonly spec: PipelineSpec;
  readonly source: Source;
  readonly sink: Sink;
  readonly router: TableRouter;
  /** The transform rules, applied to the source's events before routing. */
  readonly transform?: EventTransform;
  /** The schema change types the sink's options let through (default: all). */
  readonly acceptedSchemaChanges?: ReadonlySet<SchemaChangeType>;
  readonly stateDir: string;
  readonly logger: Logger;
  /** Stop (exit 0) once the source reports it caught up and everything is committed. */
  readonly exitWhenCaughtUp?: boolean;
  /**
   * Aborting stops the pipeline cleanly: the last complete transaction is committed (unless rows
   * after it already reached the sink: then the last commit before them stays, and the rest is read
   * again on restart).
   */
  readonly signal?: AbortSignal;
  readonly onStart?: (info: { tables: readonly TableId[]; resumedFrom: Checkpoint | undefined }) => void;
  readonly onProgress?: (p: SourceProgress) => void;
  /** After each checkpoint is committed (in the sink and the state directory). */
  readonly onCheckpoint?: (cp: Checkpoint, stats: CheckpointStats) => void;
  /**
   * Asked when the pipeline stops (the signal): false skips the final commit (a cancel), so the
   * run ends at once with the last committed checkpoint. Default: the final commit is made.
   */
  readonly commitOnStop?: () => boolean;
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
  const store = await StateStore.open(opts.stateDir, opts.spec.pipeline.name);
  const signal = opts.signal ?? new AbortController().signal;
  const sourceStop = sourceStopFor(signal);
  const opened: Opened = { source: false, sink: false };
  let committer: CheckpointCommitter | undefined;
  let failed = false;
  try {
    const start = await openAndRestore(opts, store, sourceStop.signal, opened);
    const { spec, sink, logger } = opts;
    const schemas = new SchemaOperator(
      opts.router,
      spec.pipeline['schema.change.behavior'],
      start.restored?.runtime,
      {
        capabilities: sink.schemaCapabilities,
        ...(opts.acceptedSchemaChanges ? { accepted: opts.acceptedSchemaChanges } : {}),
        warn: (msg, fields) => logger.warn(msg, fields),
        info: (msg, fields) => logger.info(msg, fields),
      },
    );
    committer = new CheckpointCommitter({
      pipelineName: spec.pipeline.name,
      sink,
      store,
      logger,
      writeBatchSize: opts.writeBatchSize ?? 1024,
      restored: start.restored,
      runtimeState: () => schemas.snapshotState(),
      identity: start.identity,
      onCheckpoint: opts.onCheckpoint,
      onDurable: opts.source.checkpointDurable && ((state) => opts.source.checkpointDurable!(state)),
    });
    return await new RecordLoop(opts, signal, start, schemas, committer, sourceStop).run();
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    sourceStop.abort();
    // a commit still running when the run failed: let it end before the sink closes
    await committer?.quiesce();
    await closeComponents(opts, opened);
    await releaseStore(store, failed, opts.logger);
  }
}

/**
 * The signal the source is given: aborted when the pipeline is stopped, and when the run fails or
 * ends, so that a source still reading (a binlog wait, a Kafka poll) ends its iteration promptly.
 */
function sourceStopFor(signal: AbortSignal): AbortController {
  const stop = new AbortController();
  if (signal.aborted) stop.abort(signal.reason);
  else {
    const forward = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    stop.signal.addEventListener('abort', () => signal.removeEventListener('abort', forward), { once: true });
  }
  return stop;
}

/** The state directory's lock; when the run failed, failing to remove it is logged, not thrown over the run's error. */
async function releaseStore(store: StateStore, failed: boolean, logger: Logger): Promise<void> {
  try {
    await store.release();
  } catch (e) {
    if (!failed) throw e;
    logger.warn('the state directory lock could not be removed', { error: errorMessage(e) });
  }
}

/** Which components were opened (or failed to open), and so are to be closed. */
interface Opened {
  source: boolean;
  sink: boolean;
}

interface Start {
  /** The checkpoint resumed from, if any. */
  readonly restored: Checkpoint | undefined;
  /** The source tables captured: those of the start and those created since (`db.table`). */
  readonly capturedTables: Set<string>;
  /** What this pipeline's checkpoints belong to, as of now. */
  readonly identity: () => PipelineIdentity;
}

/** Opens the source and the sink (noted in `opened` as they are) and finds where to resume. */
async function openAndRestore(
  opts: RunnerOptions,
  store: StateStore,
  signal: AbortSignal,
  opened: Opened,
): Promise<Start> {
  const { spec, source, sink, logger } = opts;
  const pipelineName = spec.pipeline.name;
  // a component whose open() fails may hold part of what it opened (a connected client): it is
  // closed too
  opened.source = true;
  const info = await source.open({
    pipelineName,
    logger: logger.child({ component: 'source' }),
    signal,
    localTimeZone: spec.pipeline['local-time-zone'],
  });
  // a source that learns its tables from what it reads (Kafka) knows none yet, and a source with
  // no table says so itself (noTables): no rule is mistyped for that
  if (info.tables.length > 0) {
    for (const warning of opts.router.unmatchedRules?.(info.tables) ?? []) logger.warn(warning);
    for (const warning of opts.transform?.unmatchedRules?.(info.tables) ?? []) logger.warn(warning);
  }
  const fromStore = await store.load();
  if (info.noTables !== undefined) {
    // a new pipeline has nothing to start with; a resumed one streams on (tables may come back)
    if (!fromStore) throw new TidemarkError('SOURCE_NO_TABLES', info.noTables);
    logger.warn(`resuming anyway, matching tables created from now on are captured: ${info.noTables}`);
  }
  opened.sink = true;
  await sink.open({ pipelineName, logger: logger.child({ component: 'sink' }) });

  // what this pipeline's checkpoints belong to: the tables grow with those created while it runs
  const capturedTables = new Set(info.tables.map(tableIdToString));
  const identity = (): PipelineIdentity => ({
    ...(info.endpoint !== undefined ? { source: info.endpoint } : {}),
    sink: sink.target,
    tables: [...capturedTables],
    ...(info.selection !== undefined ? { selection: info.selection } : {}),
    sinkTransactional: sink.transactional,
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
  return { restored, capturedTables, identity };
}

async function closeComponents(opts: RunnerOptions, opened: Opened): Promise<void> {
  const { source, sink, logger } = opts;
  if (opened.source)
    await source.close().catch((e: unknown) => logger.warn('source close failed', { error: String(e) }));
  if (opened.sink)
    await sink.close().catch((e: unknown) => logger.warn('sink close failed', { error: String(e) }));
}

/** Pulls the source's batches and hands each record, in order, to the schema operator and the sink. */
class RecordLoop {
  private reason: RunResult['reason'] = 'source-ended';
  private caughtUp = false;
  /** Commit at the next boundary whatever the interval: after a DDL, or caught up mid-transaction. */
  private commitAtBoundary = false;
  private readonly intervalMs: number;
  private readonly transform: EventTransform | undefined;

  constructor(
    private readonly opts: RunnerOptions,
    private readonly signal: AbortSignal,
    private readonly start: Start,
    private readonly schemas: SchemaOperator,
    private readonly committer: CheckpointCommitter,
    /** Aborts the source's signal: the run failed and the source is to end its read. */
    private readonly sourceStop: AbortController,
  ) {
    this.intervalMs = opts.spec.pipeline['checkpoint.interval'];
    this.transform = opts.transform;
  }

  async run(): Promise<RunResult> {
    const c = this.committer;
    const records = this.opts.source.read(this.start.restored?.source)[Symbol.asyncIterator]();
    try {
      while (true) {
        const step = await this.nextBatch(records);
        if (step.done) break;
        if (await this.dispatch(step.value)) break;
        if (c.atBoundary && c.hasPending && c.msSinceCommit() >= this.intervalMs) await c.commit();
        if (c.failed) await c.settle();
        if (this.signal.aborted) break;
      }
    } catch (e) {
      await this.abandonRead(records);
      throw e;
    }
    return this.finish(records);
  }

  /**
   * The run failed: the source's read is ended as on a normal end (`return()`, so that its finally
   * blocks release what the read holds: snapshot connections, the binlog connection), after its
   * signal told a read still running to stop. Bounded: a source that does not end is left to
   * close(). What goes wrong here is logged; the run fails with its own error.
   */
  private async abandonRead(records: AsyncIterator<readonly SourceRecord[]>): Promise<void> {
    this.sourceStop.abort();
    if (!records.return) return;
    const ended = Promise.resolve()
      .then(() => records.return!())
      .catch((e: unknown) =>
        this.opts.logger.warn('the source did not end its reading cleanly', { error: errorMessage(e) }),
      );
    if ((await unlessIdle(ended, READ_END_MS)) === IDLE)
      this.opts.logger.warn(
        `the source did not end its reading within ${READ_END_MS} ms of the failure; closing it`,
      );
  }

  /**
   * The source's next batch. When the source has nothing ready, the buffered rows go to the sink
   * (latency: rows do not wait for a full batch). When it has nothing new for a moment, commit what is complete
   * now rather than wait for the interval: a quiet stream's position and rows become durable
   * promptly, while a busy source (a snapshot, a backlog) commits once per checkpoint.interval.
   * A commit that fails meanwhile ends the wait with its error: a quiet source may send nothing
   * for long, and the run must not go on as if the sink were fine.
   */
  private async nextBatch(
    records: AsyncIterator<readonly SourceRecord[]>,
  ): Promise<IteratorResult<readonly SourceRecord[]>> {
    const c = this.committer;
    const pending = records.next();
    let abandoned = false;
    // the source failing after the run stopped waiting for it is the lesser error: the run fails
    // with the commit's
    pending.catch((e: unknown) => {
      if (abandoned)
        this.opts.logger.warn('the source failed after the run had failed', { error: errorMessage(e) });
    });
    const watch = c.watchFailure();
    try {
      const next = Promise.race([pending, watch.failed]);
      if (c.hasBuffered) {
        // the source has nothing ready: hand the sink what is buffered now (a Kafka sink makes
        // it readable at once) instead of holding it until the batch fills or the next commit
        const raced = await unlessIdle(next, HAND_OVER_IDLE_MS);
        if (raced !== IDLE) return raced;
        await c.drain();
      }
      if (c.atBoundary && c.hasPending) {
        const raced = await unlessIdle(next, Math.min(this.intervalMs, IDLE_COMMIT_MS));
        if (raced !== IDLE) return raced;
        await c.commit();
      }
      return await next;
    } catch (e) {
      abandoned = true;
      throw e;
    } finally {
      watch.stop();
    }
  }

  /**
   * True when the run ends here (caught up). Row events are handed on synchronously and awaited
   * only when the sink takes a batch: a promise per row costs more than the row's own work.
   */
  private async dispatch(batch: readonly SourceRecord[]): Promise<boolean> {
    for (let i = 0; i < batch.length; i++) {
      const rec = batch[i]!;
      if (rec.kind === 'data') {
        const handedOver = this.onData(rec);
        if (handedOver) await handedOver;
      } else if (rec.kind === 'checkpoint' && this.quietBoundary(rec.state)) continue;
      else if (await this.onRecord(rec)) return true;
    }
    return false;
  }

  /**
   * onBoundary without a promise when the boundary needs nothing but marking (the usual case: a
   * Kafka source ends a transaction with every message).
   */
  private quietBoundary(state: JsonValue): boolean {
    const c = this.committer;
    if (this.commitAtBoundary || (this.caughtUp && this.opts.exitWhenCaughtUp)) return false;
    if (c.msSinceCommit() >= this.intervalMs) return false;
    c.markBoundary(state);
    return true;
  }

  /** A source row event, transformed, then routed (see dispatch). */
  private onData(rec: DataChangeEvent): Promise<void> | undefined {
    if (!this.transform) return this.onRow(rec);
    return inOrder(this.transform.onDataChange(rec), this.onRow);
  }

  private async onRecord(rec: Exclude<SourceRecord, DataChangeEvent>): Promise<boolean> {
    switch (rec.kind) {
      case 'schema':
        if (!this.transform) await this.onSchemaChange(rec);
        else for (const ev of this.transform.onSchemaChange(rec)) await this.onSchemaChange(ev);
        return false;
      case 'checkpoint':
        return this.onBoundary(rec.state);
      case 'caught-up':
        return this.onCaughtUp();
      case 'progress':
        this.opts.onProgress?.(rec.progress);
        return false;
      default:
        return assertNever(rec, 'source record');
    }
  }

  /** One row event: one event per sink table the source table is routed to (see dispatch). */
  private readonly onRow = (rec: DataChangeEvent): Promise<void> | undefined => {
    const one = this.schemas.singleSinkRow(rec);
    return one ? this.committer.add(one) : inOrder(this.schemas.onDataChange(rec), this.addRow);
  };

  private readonly addRow = (ev: DataChangeEvent): Promise<void> | undefined => this.committer.add(ev);

  private async onSchemaChange(rec: SchemaChangeEvent): Promise<void> {
    if (rec.change.type === 'create-table') this.start.capturedTables.add(tableIdToString(rec.tableId));
    const c = this.committer;
    // The barrier: every earlier row is in the sink (committed when at a boundary, which a DDL
    // always is in MySQL) before the schemas change. The commit comes first, so that the
    // checkpoint before the DDL holds the schemas before it.
    if (c.atBoundary) await c.commit();
    else await c.drain();
    const changes = this.schemas.onSchemaChange(rec);
    // The DDL's own checkpoint is committed at once, with the sink's schema changes and the
    // runner's schemas after them: a crash in between replays the DDL from the old state.
    this.commitAtBoundary = true;
    if (changes.length === 0) return;
    await this.applySinkChanges(changes);
    const table = tableIdToString(rec.tableId);
    // a resumed run replays create-table for every table it captured before: the sink table
    // exists, and was only checked, not changed
    if (rec.change.type === 'create-table' && this.start.restored?.identity?.tables.includes(table))
      this.opts.logger.debug('sink table checked', { table });
    else this.opts.logger.info('schema change applied', { table, change: rec.change.type });
    c.markPastBoundary();
  }

  /**
   * `try_evolve`: a change the sink refuses while staying usable is skipped, with the changes
   * derived after it for the same table; rows then follow the schema the sink table kept.
   */
  private async applySinkChanges(changes: readonly SinkSchemaChange[]): Promise<void> {
    const { sink, spec, logger } = this.opts;
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
          this.schemas.sinkRefused(c);
        if (!tolerated) throw e;
        refused.add(table);
        logger.warn('schema change refused by the sink and skipped (try_evolve)', {
          table,
          change: c.change.type,
          error: e.message,
        });
      }
    }
  }

  private async onBoundary(state: JsonValue): Promise<boolean> {
    const c = this.committer;
    c.markBoundary(state);
    if (this.caughtUp && this.opts.exitWhenCaughtUp) return this.endCaughtUp();
    if (this.commitAtBoundary || c.msSinceCommit() >= this.intervalMs) await c.commit();
    this.commitAtBoundary = false;
    return false;
  }

  private async onCaughtUp(): Promise<boolean> {
    this.caughtUp = true;
    this.opts.logger.info('caught up with the source');
    // the snapshot and the backlog are done: make that durable at once
    if (!this.committer.atBoundary) {
      this.commitAtBoundary = true;
      return false;
    }
    if (this.opts.exitWhenCaughtUp) return this.endCaughtUp();
    await this.committer.commit();
    return false;
  }

  /** Exit when caught up: once everything up to this boundary is committed. */
  private async endCaughtUp(): Promise<true> {
    await this.committer.commit();
    await this.committer.settle();
    this.reason = 'caught-up';
    return true;
  }

  private async finish(records: AsyncIterator<readonly SourceRecord[]>): Promise<RunResult> {
    const { logger } = this.opts;
    const c = this.committer;
    if (this.signal.aborted) this.reason = 'stopped';
    // end the source's iteration (its finally blocks run) before the last commit
    await records
      .return?.()
      .catch((e: unknown) =>
        logger.warn('the source did not end its reading cleanly', { error: errorMessage(e) }),
      );
    // On stop, commit the last complete transaction; anything after it is replayed on restart.
    if (this.reason === 'stopped' && this.opts.commitOnStop?.() === false) {
      logger.info('cancelled: resuming from the last committed checkpoint on restart');
    } else if (c.atBoundary) await c.commit();
    else if (await c.commitBeforeTransaction()) {
      logger.info(
        'stopping inside a source transaction: committed up to its start, it will be read again on restart',
      );
    } else if (c.hasPending) {
      // rows after the boundary are in the sink's open transaction: the sink rolls them back on
      // close, and the boundary cannot be committed without them
      logger.info(
        'stopping inside a source transaction that reached the sink: everything since the last committed checkpoint is read again on restart',
      );
    }
    await c.settle();
    return { reason: this.reason, lastCheckpoint: c.lastCheckpoint, rowsWritten: c.rowsWritten };
  }
}

/**
 * `f` of each item in order, each call after the promise of the one before (if it returned one)
 * settled; undefined when no call returned a promise.
 */
function inOrder<T>(
  items: readonly T[],
  f: (item: T) => Promise<void> | undefined,
  from = 0,
): Promise<void> | undefined {
  for (let i = from; i < items.length; i++) {
    const wait = f(items[i]!);
    if (wait) return wait.then(() => inOrder(items, f, i + 1));
  }
  return undefined;
}

const IDLE = Symbol('idle');

/** What `p` gives, or IDLE when it gives nothing for `ms`. */
async function unlessIdle<T>(p: Promise<T>, ms: number): Promise<T | typeof IDLE> {
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<typeof IDLE>((resolve) => (timer = setTimeout(() => resolve(IDLE), ms)));
  try {
    return await Promise.race([p, idle]);
  } finally {
    clearTimeout(timer); // one timer per batch otherwise outlives the race
  }
}
/** How long the source may have nothing ready before the buffered rows go to the sink. */
const HAND_OVER_IDLE_MS = 1;
/** How long the source may be silent before a complete transaction is committed without waiting. */
const IDLE_COMMIT_MS = 100;
/** How long a failed run waits for the source to end its read before closing it. */
const READ_END_MS = 10_000;
