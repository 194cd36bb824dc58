import { TidemarkError } from '../event/tidemark-error.js';

/**
 * Reconnecting with backoff, for every source that reads over the network. Only a TidemarkError
 * that says it is `retryable` (a lost connection, a timeout) is retried: anything else is a wrong
 * setting, a permanent condition or a bug, and trying again would only delay the error.
 */
export interface ReconnectPolicy {
  /** What is reconnected, for the give-up message: e.g. "the binlog connection". */
  readonly what: string;
  /** Retries after failures in a row; 0: a failure is thrown as it is. */
  readonly maxRetries: number;
  /** The setting behind maxRetries, named in the give-up message (e.g. "connect.max-retries"). */
  readonly maxRetriesOption?: string;
  /**
   * Give up rather than wait when the failures in a row would then have lasted longer than this
   * (milliseconds from the first of them). Unset: only maxRetries limits.
   */
  readonly budgetMs?: number;
  /** The wait before the first retry (default 1 s); each further one waits `factor` (2) times longer... */
  readonly initialDelayMs?: number;
  readonly factor?: number;
  /** ...up to this (default 30 s). */
  readonly maxDelayMs?: number;
  /** Aborting ends a wait at once. */
  readonly signal?: AbortSignal;
  /** Called before each wait: where a source logs that it reconnects. */
  readonly onRetry?: (retry: RetryInfo) => void;
  /** The clock and the wait, injectable for tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

export interface RetryInfo {
  /** The failure that is retried. */
  readonly error: TidemarkError;
  /** 1 for the first retry since the start or since the connection last worked. */
  readonly attempt: number;
  readonly delayMs: number;
}

/**
 * The backoff state of one connection that fails and is reconnected again and again (a long-lived
 * stream): `failed` after each failure, `succeeded` whenever the connection works again.
 */
export class Reconnector {
  private failures = 0;
  private firstFailureAt = 0;

  constructor(private readonly policy: ReconnectPolicy) {}

  /**
   * The connection works (it delivered data): the next failure is the first of a new series, with
   * the initial delay and a fresh budget. A connection that fails now and then, working for a long
   * time in between, is never given up for the failures of the past.
   */
  succeeded(): void {
    this.failures = 0;
  }

  /**
   * After a failure, waits until the next attempt may start. Throws `error` itself at once when it
   * is not a retryable TidemarkError (or retrying is off), and a give-up error (the code of `error`,
   * naming it, with it as the cause) when the retries or the budget are used up. Resolves early
   * when the signal aborts: the caller checks its signal before connecting again.
   */
  async failed(error: unknown): Promise<void> {
    if (!(error instanceof TidemarkError) || !error.retryable) throw error;
    const p = this.policy;
    if (p.maxRetries <= 0) throw error;
    const now = (p.now ?? Date.now)();
    if (this.failures === 0) this.firstFailureAt = now;
    const attempt = ++this.failures;
    if (attempt > p.maxRetries) {
      const limit = p.maxRetriesOption ? `${p.maxRetriesOption}: ${p.maxRetries}` : 'the limit';
      throw giveUp(error, attempt, `after ${p.maxRetries} retries (${limit})`);
    }
    const delayMs = Math.min(
      p.maxDelayMs ?? 30_000,
      (p.initialDelayMs ?? 1000) * (p.factor ?? 2) ** (attempt - 1),
    );
    const elapsed = now - this.firstFailureAt;
    if (p.budgetMs !== undefined && elapsed + delayMs > p.budgetMs) {
      throw giveUp(error, attempt, `after ${elapsed} ms (the retry budget is ${p.budgetMs} ms)`);
    }
    p.onRetry?.({ error, attempt, delayMs });
    await (p.sleep ?? sleep)(delayMs, p.signal);

    function giveUp(cause: TidemarkError, failures: number, why: string): TidemarkError {
      return new TidemarkError(
        cause.code,
        `${p.what} failed ${failures} times in a row; gave up ${why}: ${cause.message}`,
        { cause, details: { ...cause.details, failures } },
      );
    }
  }
}

/**
 * Runs `attempt` until it returns, retrying per `policy` after retryable failures (see
 * Reconnector.failed). An attempt that holds a connection for long calls `progressed` once the
 * connection works, so that a later failure starts a new series. When the signal aborts during a
 * wait, rejects with the signal's reason; an attempt itself is not interrupted (pass it the signal),
 * and when it fails after the abort, its error is thrown.
 */
export async function withReconnect<T>(
  attempt: (run: { readonly attempt: number; readonly progressed: () => void }) => Promise<T>,
  policy: ReconnectPolicy,
): Promise<T> {
  const reconnector = new Reconnector(policy);
  const progressed = (): void => reconnector.succeeded();
  for (let n = 1; ; n++) {
    policy.signal?.throwIfAborted();
    try {
      return await attempt({ attempt: n, progressed });
    } catch (e) {
      // stopped: what the attempt threw is the outcome, there is nothing to retry
      if (policy.signal?.aborted) throw e;
      await reconnector.failed(e);
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
