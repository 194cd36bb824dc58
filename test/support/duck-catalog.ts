import { openDuckDbReadOnly } from './table-oracle.js';

export type TextRow = readonly (string | null)[];

/** A DuckDB table as its catalog describes it, with its rows. */
export interface DuckTable {
  /** `name TYPE` (`NOT NULL` when so), in DuckDB's column order. */
  readonly columns: string[];
  readonly key: string[];
  /** SELECT * with every value cast to VARCHAR, sorted. */
  readonly rows: TextRow[];
}

/** Reads one table of a DuckDB sink file (read-only); undefined when it does not exist. */
export async function duckTable(path: string, schema: string, table: string): Promise<DuckTable | undefined> {
  const d = await openDuckDbReadOnly(path);
  try {
    const q = async (sql: string): Promise<unknown[][]> => (await d.conn.runAndReadAll(sql)).getRowsJS();
    const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
    const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;
    const where = `schema_name = ${lit(schema)} AND table_name = ${lit(table)}`;
    const cols = (await q(
      `SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE ${where} ORDER BY column_index`,
    )) as [string, string, boolean][];
    if (cols.length === 0) return undefined;
    const pk = await q(
      `SELECT constraint_column_names FROM duckdb_constraints() WHERE ${where} AND constraint_type = 'PRIMARY KEY'`,
    );
    const select = cols.map(([n]) => `CAST(${ident(n)} AS VARCHAR)`).join(', ');
    const rows = (await q(`SELECT ${select} FROM ${ident(schema)}.${ident(table)}`)) as (string | null)[][];
    return {
      columns: cols.map(([n, t, nullable]) => `${n} ${t}${nullable ? '' : ' NOT NULL'}`),
      key: (pk[0]?.[0] as string[] | undefined) ?? [],
      rows: sortRows(rows),
    };
  } finally {
    d.close();
  }
}

export function sortRows(rows: readonly TextRow[]): TextRow[] {
  const k = (r: TextRow): string => JSON.stringify(r);
  return [...rows].sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}
