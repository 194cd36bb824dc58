import { TidemarkError, errorMessage } from '../../../event/tidemark-error.js';

/**
 * Server errors that say a snapshot query met a table changed by DDL since the snapshot began:
 * ER_NO_SUCH_TABLE (renamed or dropped), ER_TABLE_DEF_CHANGED (altered under a consistent-snapshot
 * read), ER_BAD_FIELD_ERROR (a key column renamed or dropped).
 */
const TABLE_CHANGED_ERRNOS = new Set([1146, 1412, 1054]);

/**
 * The error of a failed snapshot query on `table`. A table renamed, dropped or altered while its
 * snapshot runs cannot have its snapshot finished exactly (its remaining rows are elsewhere or in
 * another shape): a clear SOURCE_SCHEMA error that says what to do, never a snapshot that quietly
 * misses rows. Anything else is a retryable SOURCE_QUERY error.
 */
export function snapshotQueryError(e: unknown, table: string, what: string): TidemarkError {
  const errno = (e as { errno?: unknown } | undefined)?.errno;
  if (typeof errno === 'number' && TABLE_CHANGED_ERRNOS.has(errno))
    return changedDuringSnapshot(table, what, errorMessage(e), e);
  return new TidemarkError('SOURCE_QUERY', `snapshot of ${table}: ${what} failed: ${errorMessage(e)}`, {
    cause: e,
    retryable: true,
    details: { table },
  });
}

/**
 * DDL met a table whose snapshot is unfinished: the chunks still to read would read the changed
 * table with the columns of before (or not find it). Flink CDC does not support this either.
 */
export function changedDuringSnapshot(
  table: string,
  what: string,
  why: string,
  cause?: unknown,
): TidemarkError {
  return new TidemarkError(
    'SOURCE_SCHEMA',
    `snapshot of ${table}: ${what} failed: the table was renamed, dropped or altered while its snapshot ` +
      `was running (${why}). Its snapshot cannot be finished exactly: start the pipeline afresh (a new ` +
      'state directory and sink) now that the DDL is done, and run DDL on a captured table only after ' +
      'its snapshot finished.',
    { ...(cause === undefined ? {} : { cause }), details: { table } },
  );
}
