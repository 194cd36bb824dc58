import { TidemarkError } from '../event/tidemark-error.js';

/**
 * The order and the fail latch of a sink that works ahead. Operations run one after another in
 * the order they were queued, so a sink's `write` can return while its batch is being written
 * (the runner reads the next rows meanwhile) and a flush still covers exactly the writes called
 * before it. Once an operation fails the sink is failed for good: nothing queued after it runs,
 * and every later call throws, the first of them with the error nobody awaited.
 */
export class SinkOperationQueue {
  private tail: Promise<void> = Promise.resolve();
  /** The operations queued and not settled, oldest first (each never rejects). */
  private readonly queued: Promise<void>[] = [];
  private failure: TidemarkError | undefined;
  /** The error of a detached operation, thrown by the next checkUsable(). */
  private unreported: TidemarkError | undefined;

  /** @param sinkName for messages, e.g. `duckdb sink`. */
  constructor(private readonly sinkName: string) {}

  /** Runs `op` after every operation queued before it; rejects with its error. */
  run(op: () => Promise<void>): Promise<void> {
    const run = this.tail.then(async () => {
      this.checkUsable();
      await op();
    });
    const settled = run.catch(() => undefined);
    this.tail = settled;
    this.queued.push(settled);
    // operations settle in order: the one settling is the oldest
    void settled.then(() => this.queued.shift());
    return run;
  }

  /** Queues `op` with nobody waiting: its error surfaces at the next call (checkUsable). */
  runDetached(op: () => Promise<void>): void {
    this.run(op).catch((e: unknown) => {
      this.unreported = e instanceof TidemarkError ? e : this.failure;
    });
  }

  /** Resolves once every queued operation settled (never rejects). */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Resolves once at most `n` queued operations are unsettled (never rejects). */
  async atMost(n: number): Promise<void> {
    while (this.queued.length > n) await this.queued[this.queued.length - 1 - n];
  }

  /** Marks the sink failed: every later operation and call throws. */
  latch(error: TidemarkError): void {
    this.failure = error;
  }

  get failed(): TidemarkError | undefined {
    return this.failure;
  }

  /** Throws when the sink failed: once the unreported error itself, then that it is unusable. */
  checkUsable(): void {
    const unreported = this.unreported;
    if (unreported) {
      this.unreported = undefined;
      throw unreported;
    }
    if (this.failure) {
      throw new TidemarkError(
        'SINK_WRITE',
        `${this.sinkName} is unusable after an earlier error (${this.failure.message}); reopen it`,
        { cause: this.failure },
      );
    }
  }
}
