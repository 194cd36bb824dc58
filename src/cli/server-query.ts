import { resolve } from 'node:path';
import { TidemarkError } from '../event/tidemark-error.js';
import type { QueryFormat } from '../connectors/duckdb/duckdb-query.js';

/**
 * `tidemark query`: the file is opened read-only here; when a running pipeline holds it (DuckDB's
 * one writer), the query goes to the job server whose job writes it (read-only, bounded rows,
 * time-limited). Without such a server the lock error stands.
 */
export async function queryDuckDbOrServer(file: string, sql: string, format: QueryFormat): Promise<string> {
  const { queryDuckDb } = await import('../connectors/duckdb/duckdb-query.js');
  try {
    return await queryDuckDb(file, sql, format);
  } catch (e) {
    if (!(e instanceof TidemarkError) || e.code !== 'SINK_OPEN' || !e.retryable) throw e;
    const viaServer = await queryThroughServer(file, sql, format);
    if (viaServer === undefined) throw e;
    return viaServer;
  }
}

async function queryThroughServer(
  file: string,
  sql: string,
  format: QueryFormat,
): Promise<string | undefined> {
  const { ServerClient } = await import('../server/server-client.js');
  let client;
  try {
    client = await ServerClient.connect();
  } catch {
    return undefined; // no server configured here
  }
  let r: { output: string; rows: number; truncated: boolean };
  try {
    r = await client.request('POST', '/api/v1/query', { path: resolve(file), sql, format });
  } catch (e) {
    if (e instanceof TidemarkError && (e.code === 'SERVER_UNREACHABLE' || e.code === 'SERVER_AUTH'))
      return undefined;
    if (e instanceof TidemarkError && e.code === 'QUERY_REFUSED' && /no running job/.test(e.message))
      return undefined;
    throw e;
  }
  if (r.truncated) process.stderr.write(`(the first ${r.rows} rows; add a LIMIT or a WHERE for the rest)\n`);
  return r.output;
}
