/**
 * The one error family of tidemark. `code` is stable (documented, matched by tests and users'
 * scripts), `retryable` says whether trying the same thing again may work (a lost connection) or
 * not (a wrong password, a bad option), and the message tells the user what to do.
 */
export type ErrorCode =
  // configuration and input
  | 'CONFIG_INVALID'
  | 'CONFIG_YAML'
  | 'CONFIG_SUBSTITUTION'
  | 'CONFIG_UNKNOWN_TYPE'
  // source side
  | 'SOURCE_CONNECT'
  | 'SOURCE_AUTH'
  | 'SOURCE_PRIVILEGE'
  | 'SOURCE_BINLOG_CONFIG'
  | 'SOURCE_NO_TABLES'
  | 'SOURCE_BINLOG_READ'
  | 'SOURCE_BINLOG_DECODE'
  | 'SOURCE_POSITION_LOST'
  | 'SOURCE_SCHEMA'
  | 'SOURCE_QUERY'
  // sink side
  | 'SINK_WRITE'
  | 'SINK_SCHEMA'
  | 'SINK_OPEN'
  /** The sink lacks data the state directory's checkpoint says it has (a deleted or replaced file). */
  | 'SINK_BEHIND'
  // runtime
  | 'CHECKPOINT'
  | 'STATE_LOCKED'
  | 'PIPELINE_MISMATCH'
  /** Two pipelines of one process claim one resource (a DuckDB file, a replica server id). */
  | 'RESOURCE_IN_USE'
  | 'INTERNAL';

export interface TidemarkErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
  /** Structured context (table, position, file:line...) for logs; never secrets. */
  readonly details?: Record<string, unknown>;
}

export class TidemarkError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: TidemarkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TidemarkError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

export function isTidemarkError(e: unknown): e is TidemarkError {
  return e instanceof TidemarkError;
}

/** The message of any thrown value, for wrapping into a TidemarkError. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
