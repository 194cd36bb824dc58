/** What an error code means, for the docs and for users' scripts that match it. */
export interface ErrorCodeInfo {
  /** One line: what happened and what to do. */
  readonly summary: string;
}

/** The codes one owner (the core or a connector) defines, with what they mean. */
export interface ErrorCodeSet<C extends string = string> {
  readonly owner: string;
  readonly codes: Readonly<Record<C, ErrorCodeInfo>>;
}

/** A connector's codes: its `errors.ts` defines them and adds them to ConnectorErrorCodes. */
export function defineErrorCodes<const C extends string>(
  owner: string,
  codes: Readonly<Record<C, ErrorCodeInfo>>,
): ErrorCodeSet<C> {
  return { owner, codes };
}

/**
 * The core's codes: configuration, runtime, and what any source or sink can fail on. `code` is
 * stable (documented, matched by tests and users' scripts).
 */
export const CORE_ERROR_CODES = defineErrorCodes('core', {
  CONFIG_INVALID: {
    summary: 'An option or pipeline definition is invalid: the message names the file:line.',
  },
  CONFIG_YAML: { summary: 'The pipeline file is not valid YAML.' },
  CONFIG_SUBSTITUTION: { summary: 'A ${VAR} has no value: set it in the environment or the --secrets file.' },
  CONFIG_UNKNOWN_TYPE: {
    summary: 'No source or sink of that type exists (the message lists those that do).',
  },
  SOURCE_CONNECT: { summary: 'The source cannot be reached (retryable): check host, port and network.' },
  SOURCE_AUTH: { summary: 'The source refused the credentials.' },
  SOURCE_PRIVILEGE: { summary: 'The source user lacks a privilege: the message names the GRANT.' },
  SOURCE_NO_TABLES: { summary: 'No table matches the selection of a new pipeline.' },
  SOURCE_POSITION_LOST: {
    summary: 'The position to resume from is gone from the source (purged logs): a new snapshot is needed.',
  },
  SOURCE_SCHEMA: {
    summary: 'A table schema or DDL cannot be followed exactly: the message names the table.',
  },
  SOURCE_QUERY: { summary: 'A query on the source failed.' },
  VALUE_INVALID: { summary: 'A value cannot be converted exactly (e.g. a corrupt geometry).' },
  SINK_WRITE: {
    summary: 'Writing or committing into the sink failed; the uncommitted changes were rolled back.',
  },
  SINK_SCHEMA: {
    summary: 'The sink cannot apply a schema change exactly: the message names table and change.',
  },
  SCHEMA_MERGE: {
    summary:
      'Tables routed to one sink table cannot be merged exactly (column types, primary keys): the message names tables and columns.',
  },
  SINK_OPEN: { summary: 'The sink cannot be opened (a file in use by another process is retryable).' },
  SINK_BEHIND: {
    summary: "The sink lacks data the state directory's checkpoint says it has (a deleted or replaced file).",
  },
  CHECKPOINT: { summary: 'A checkpoint cannot be read or is of an incompatible format.' },
  STATE_DIR: {
    summary: 'The state directory (--state-dir) cannot be created or written: the message says why.',
  },
  STATE_LOCKED: { summary: 'Another process runs this pipeline with the same state directory.' },
  PIPELINE_MISMATCH: { summary: 'The checkpoint belongs to another pipeline (other sink or tables).' },
  RESOURCE_IN_USE: {
    summary: 'Two pipelines of one process claim one resource (a DuckDB file, a replica id).',
  },
  UDF_OPEN: {
    summary:
      "A user function's open() failed: the message names it and gives its error (retryable when that error has `retryable: true`).",
  },
  QUERY_FAILED: { summary: '`tidemark query`: DuckDB refused the SQL (the message is its own).' },
  QUERY_REFUSED: {
    summary:
      "A query of a running pipeline's store was refused (not one SELECT, too slow, or no such store running).",
  },
  SERVER_UNREACHABLE: {
    summary: 'The job server cannot be reached: start it (`tidemark server`) or pass --server URL.',
  },
  SERVER_AUTH: {
    summary: "The job server refused the token: use the server's token file (TIDEMARK_TOKEN or --state-dir).",
  },
  JOB_NOT_FOUND: { summary: 'No job with that id on the job server (`tidemark jobs` lists them).' },
  JOB_STATE: { summary: 'The job is not in a state that allows this (e.g. resume of a running job).' },
  INTERNAL: { summary: 'A bug in tidemark: please report it with the log.' },
});

/**
 * Connectors' codes, merged in by each connector's `errors.ts`
 * (`declare module '…/tidemark-error.js' { interface ConnectorErrorCodes … }`), so that a code is
 * typed where it is thrown and listed, with its owner, in the runtime registry and the docs.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ConnectorErrorCodes {}

export type ErrorCode = keyof typeof CORE_ERROR_CODES.codes | keyof ConnectorErrorCodes;

export interface TidemarkErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
  /** Structured context (table, position, file:line...) for logs; never secrets. */
  readonly details?: Record<string, unknown>;
}

/**
 * The one error family of tidemark. `code` is stable, `retryable` says whether trying the same
 * thing again may work (a lost connection) or not (a wrong password, a bad option), and the
 * message tells the user what to do.
 */
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
