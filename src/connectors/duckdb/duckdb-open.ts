/**
 * Opens a DuckDB database file under a fixed catalog name.
 *
 * DuckDB names the catalog of a file it opens after the file: `app_db.duckdb` becomes catalog
 * `app_db`, and then `app_db.orders` (schema app_db, the captured database) is "ambiguous reference
 * to catalog or schema". So the file is attached to an in-memory instance under SINK_CATALOG and
 * made the default catalog; the instance's own `memory` catalog is detached. `schema.table` then
 * names a table of the file for every schema except `temp`, `system` and SINK_CATALOG itself
 * (DuckDB's other catalogs), which `tidemark_sink.schema.table` still reaches. Instance settings
 * (memory_limit, threads, …) apply as when the file is opened directly; the file is locked the same
 * way (one writing process, or any number of read-only ones); temporary files go to
 * `<file>.tmp`, as DuckDB's default for a file is. Once the file is attached, DuckDB's access to
 * anything else outside (files, extensions: `enable_external_access`) is switched off for the
 * instance's life, so a query of the store reads the store only.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from './quote-ident.js';

/** The catalog name a tidemark DuckDB file is attached under. */
export const SINK_CATALOG = 'tidemark_sink';

export interface OpenDuckDbOptions {
  readonly readOnly?: boolean;
  /** DuckDB settings of the instance (memory_limit, threads, …). */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface OpenedDuckDb {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
}

/** `"tidemark_sink"."schema"."table"`: a table of the attached file, never ambiguous. */
export function qualifiedTableName(schema: string, table: string): string {
  return `${quoteIdent(SINK_CATALOG)}.${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/**
 * Opens `path` (a file, or `:memory:`) attached as SINK_CATALOG; throws DuckDB's error (a lock
 * conflict, a bad setting, a corrupt file) after closing what it opened.
 */
export async function openDuckDb(path: string, options: OpenDuckDbOptions = {}): Promise<OpenedDuckDb> {
  const settings: Record<string, string> = { ...options.settings };
  if (path !== ':memory:') settings.temp_directory ??= `${path}.tmp`;
  const instance = await DuckDBInstance.create(':memory:', settings);
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    const literal = `'${path.replaceAll("'", "''")}'`;
    const catalog = quoteIdent(SINK_CATALOG);
    await connection.run(`ATTACH ${literal} AS ${catalog}${options.readOnly ? ' (READ_ONLY)' : ''}`);
    await connection.run(`USE ${catalog}`);
    await connection.run('DETACH memory');
    // the file is attached: nothing else on disk is the sink's business, and a query (the job
    // server's query box included) must not read other files (read_csv, glob, 'file.parquet')
    await connection.run('SET enable_external_access = false');
    return { instance, connection };
  } catch (e) {
    connection?.closeSync();
    instance.closeSync();
    throw e;
  }
}
