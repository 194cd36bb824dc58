import type { DataChangeEvent } from '../event/change-event.js';
import type { JsonValue } from '../event/json-value.js';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import { CHECKPOINT_FORMAT, type Checkpoint, type PipelineIdentity } from './checkpoint.js';
import type { Logger } from './logger.js';
import type { Sink } from './sink.js';
import type { StateStore } from './state-store.js';

export interface CommitterOptions {
  readonly pipelineName: string;
  readonly sink: Sink;
  readonly store: StateStore;
  readonly logger: Logger;
  /** Row events handed to the sink per write call (bounded buffer). */
  readonly writeBatchSize: number;
  /** The checkpoint resumed from: sequence numbers go on from it. */
  readonly restored: Checkpoint | undefined;
  /** The runner's own state, as of the commit (the sink-side schemas). */
  readonly runtimeState: () => JsonValue;
  /** What the pipeline's checkpoints belong to, as of the commit. */
  readonly identity: () => PipelineIdentity;
  readonly onCheckpoint?: ((cp: Checkpoint, stats: CheckpointStats) => void) | undefined;
  /** After each checkpoint is durable, with its source state (Source.checkpointDurable). */
  readonly onDurable?: ((sourceState: JsonValue) => void) | undefined;
}

/** What a committed checkpoint covers. */
export interface CheckpointStats {
  /** Row events handed to the sink by this run up to the checkpoint (all committed now). */
  readonly rowsCommitted: number;
}

/**
 * The runner's way to the sink for rows and checkpoints: rows are buffered and handed over in
 * bounded batches, and the newest source transaction boundary is committed on request.
 *
 * A commit runs while the runner reads on: the sink applies calls in call order, so the rows
 * written after flush() belong to the next transaction. The checkpoint is saved to the state
 * directory (and becomes lastCheckpoint) only once the sink has committed it; one commit is in
 * flight at a time, so checkpoints are saved in order.
 */
export class CheckpointCommitter {
  private buffer: DataChangeEvent[] = [];
  /** The newest boundary not yet committed. */
  private pendingState: JsonValue | undefined;
  private boundary = true;
  /** How many buffered rows come before the newest boundary (the rest are after it). */
  private rowsBeforeBoundary = 0;
  /** Something after the newest boundary reached the sink (rows, a schema change). */
  private sinkPastBoundary = false;
  private seq: number;
  private last: Checkpoint | undefined;
  private written = 0;
  private lastCommitAt = Date.now();
  private committing: Promise<void> | undefined;
  private commitError: Error | undefined;
  /** The waits watching for a commit failure (see watchFailure). */
  private readonly failureWatchers = new Set<(e: Error) => void>();

  constructor(private readonly opts: CommitterOptions) {
    this.seq = opts.restored?.seq ?? 0;
    this.last = opts.restored;
  }

  /**
   * For a wait that must not outlast a failed commit (the runner waiting for a quiet source, which
   * may send nothing for long): `failed` rejects with the error of the first commit that fails.
   * One per wait, stopped after it: a race with a promise that lives as long as the run would
   * leave a reaction on it per wait, each holding what the race settled with (every batch read).
   */
  watchFailure(): { readonly failed: Promise<never>; stop(): void } {
    let reject: (e: Error) => void = () => undefined;
    const failed = new Promise<never>((_, r) => (reject = r));
    // nobody has to race it: settle() throws the same error
    failed.catch(() => undefined);
    if (this.commitError !== undefined) reject(this.commitError);
    else this.failureWatchers.add(reject);
    return { failed, stop: () => this.failureWatchers.delete(reject) };
  }

  /** Nothing was handed over since the newest boundary. */
  get atBoundary(): boolean {
    return this.boundary;
  }

  /** A boundary was reached that is not committed yet. */
  get hasPending(): boolean {
    return this.pendingState !== undefined;
  }

  /** Rows buffered that the sink has not been handed yet. */
  get hasBuffered(): boolean {
    return this.buffer.length > 0;
  }

  /** A commit failed; settle() throws its error. */
  get failed(): boolean {
    return this.commitError !== undefined;
  }

  get lastCheckpoint(): Checkpoint | undefined {
    return this.last;
  }

  get rowsWritten(): number {
    return this.written;
  }

  msSinceCommit(): number {
    return Date.now() - this.lastCommitAt;
  }

  /**
   * A row (in sink terms) after the newest boundary. Returns the hand-over to the sink when the
   * buffer is full (to be awaited before the next row), else undefined: no promise per row.
   */
  add(event: DataChangeEvent): Promise<void> | undefined {
    this.buffer.push(event);
    this.boundary = false;
    return this.buffer.length >= this.opts.writeBatchSize ? this.drain() : undefined;
  }

  /** A source transaction boundary: restarting from `state` yields exactly what comes after it. */
  markBoundary(state: JsonValue): void {
    this.pendingState = state;
    this.boundary = true;
    this.rowsBeforeBoundary = this.buffer.length;
    this.sinkPastBoundary = false;
  }

  /** The sink got a schema change after the newest boundary. */
  markPastBoundary(): void {
    this.boundary = false;
    this.sinkPastBoundary = true;
  }

  /** Hands the buffered rows to the sink. */
  async drain(): Promise<void> {
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    if (events.length > this.rowsBeforeBoundary) this.sinkPastBoundary = true;
    this.buffer = [];
    this.rowsBeforeBoundary = 0;
    await this.opts.sink.write(events);
    this.written += events.length;
  }

  /** Starts the commit of the newest boundary (after the previous commit ended); see the class. */
  async commit(): Promise<void> {
    if (this.pendingState === undefined) return;
    await this.drain();
    await this.settle();
    const { opts } = this;
    const cp: Checkpoint = {
      format: CHECKPOINT_FORMAT,
      seq: ++this.seq,
      pipeline: opts.pipelineName,
      source: this.pendingState,
      runtime: opts.runtimeState(),
      createdAt: Date.now(),
      identity: opts.identity(),
    };
    this.pendingState = undefined;
    this.lastCommitAt = Date.now();
    const stats: CheckpointStats = { rowsCommitted: this.rowsWritten };
    this.committing = opts.sink
      .flush(cp)
      .then(
        async () => {
          await opts.store.save(cp);
          this.last = cp;
          opts.onDurable?.(cp.source);
          opts.onCheckpoint?.(cp, stats);
          opts.logger.debug('checkpoint committed', { seq: cp.seq });
        },
        (e: unknown) => this.commitFailed(e),
      )
      .catch((e: unknown) => this.commitFailed(e));
  }

  private commitFailed(e: unknown): void {
    this.commitError ??= asError(e);
    for (const reject of this.failureWatchers) reject(this.commitError);
    this.failureWatchers.clear();
  }

  /**
   * Inside a source transaction (on stop): commits the newest boundary when nothing after it
   * reached the sink yet, dropping the rows after it from the buffer (restarting from the boundary
   * yields them again). False when something after it reached the sink: a flush would commit that
   * too, so the boundary before stays the last one committed.
   */
  async commitBeforeTransaction(): Promise<boolean> {
    if (this.pendingState === undefined || this.sinkPastBoundary) return false;
    this.buffer = this.buffer.slice(0, this.rowsBeforeBoundary);
    this.boundary = true;
    await this.commit();
    return true;
  }

  /** Waits for the commit in flight; throws the error of a commit that failed. */
  async settle(): Promise<void> {
    if (this.committing) await this.committing;
    this.committing = undefined;
    if (this.commitError !== undefined) throw this.commitError;
  }

  /**
   * Lets a commit still running end before the sink is closed. It never rejects: the run is failing
   * with an error of its own, or it settled every commit before it returned.
   */
  async quiesce(): Promise<void> {
    await this.committing;
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new TidemarkError('INTERNAL', errorMessage(e));
}
