/**
 * A read-only query on the database a running DuckDB sink holds open. DuckDB lets one process
 * write a file and no other open it meanwhile, so a query while the pipeline runs must be made by
 * the process that holds the file, on a connection of its own: it sees committed data only (the
 * sink's open transaction is invisible to it).
 *
 * Read-only: exactly one statement, and a SELECT (checked by DuckDB's own parser). Bounded: at
 * most maxRows rows are read. Time-limited: the connection is interrupted after timeoutMs.
 */
import { StatementType, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import type { SinkQueryFormat, SinkQueryLimits, SinkQueryResult } from '../../runtime/sink.js';
import { SINK_CATALOG } from './duckdb-open.js';
import { noStatementProblem, renderResult } from './duckdb-query.js';
import { quoteIdent } from './quote-ident.js';

export async function liveQuery(
  instance: DuckDBInstance,
  sql: string,
  format: SinkQueryFormat,
  limits: SinkQueryLimits,
): Promise<SinkQueryResult> {
  const conn = await instance.connect();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.interrupt();
  }, limits.timeoutMs);
  try {
    // a new connection starts in the instance's default catalog, which openDuckDb detached
    await conn.run(`USE ${quoteIdent(SINK_CATALOG)}`);
    await checkReadOnly(conn, sql);
    const reader = await conn.runAndReadUntil(sql, limits.maxRows + 1);
    const rows = Math.min(reader.currentRowCount, limits.maxRows);
    return {
      output: renderResult(reader, format, limits.maxRows),
      rows,
      truncated: reader.currentRowCount > limits.maxRows,
    };
  } catch (e) {
    if (e instanceof TidemarkError) throw e;
    throw new TidemarkError(
      'QUERY_REFUSED',
      timedOut
        ? `the query ran longer than ${limits.timeoutMs} ms and was interrupted: narrow it (WHERE, LIMIT)`
        : `query failed: ${errorMessage(e)}`,
      { cause: e },
    );
  } finally {
    clearTimeout(timer);
    conn.closeSync();
  }
}

async function checkReadOnly(conn: DuckDBConnection, sql: string): Promise<void> {
  const empty = noStatementProblem(sql);
  if (empty !== undefined) throw new TidemarkError('QUERY_REFUSED', empty);
  let statements;
  try {
    statements = await conn.extractStatements(sql);
  } catch (e) {
    throw new TidemarkError('QUERY_REFUSED', `query failed: ${errorMessage(e)}`, { cause: e });
  }
  if (statements.count !== 1) {
    throw new TidemarkError(
      'QUERY_REFUSED',
      `a query of a running pipeline's store is one SELECT statement; this holds ${statements.count}`,
    );
  }
  const prepared = await statements.prepare(0);
  try {
    if (prepared.statementType !== StatementType.SELECT) {
      throw new TidemarkError(
        'QUERY_REFUSED',
        "a running pipeline's store is read-only to queries: only a SELECT is run (stop the pipeline to change the file)",
      );
    }
  } finally {
    prepared.destroySync();
  }
}
