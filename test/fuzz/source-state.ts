/**
 * Reads the source as the fuzzer's model needs it: every table of the scenario's databases with
 * its columns (TypeSpec from information_schema), primary key and rows as canonical cells. Rows are
 * read through the session that ran the statements, so a transaction's own changes are seen.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { canonicalSource, sourceSelectExpr, type Cell } from './canonical.js';
import { qi, typeFromInfo, type TypeSpec } from './type-spec.js';

export interface SourceColumn {
  readonly name: string;
  readonly type: TypeSpec;
  readonly nullable: boolean;
  /** information_schema.COLUMNS.COLUMN_DEFAULT (MariaDB: 'NULL' text for DEFAULT NULL, null for none). */
  readonly defaultText: string | null;
}

export interface SourceTable {
  readonly db: string;
  readonly name: string;
  readonly columns: readonly SourceColumn[];
  /** Primary key columns in key order; empty for a table without one. */
  readonly key: readonly string[];
  /** One cell per column, in column order. */
  readonly rows: readonly (readonly Cell[])[];
}

export type SourceSnapshot = ReadonlyMap<string, SourceTable>;

export function tableKey(db: string, name: string): string {
  return `${db}.${name}`.toLowerCase();
}

interface ColumnRow extends RowDataPacket {
  t: string;
  c: string;
  dt: string;
  ct: string;
  nullable: string;
  dflt: string | null;
  cs: string | null;
  coll: string | null;
  isJson: number | string;
  s: string;
}

/** Schema and rows of every table in `dbs`, or only of `only` (lower-case db.table keys). */
export async function readSource(
  conn: Connection,
  dbs: readonly string[],
  only?: ReadonlySet<string>,
): Promise<Map<string, SourceTable>> {
  const [cols] = await conn.query<ColumnRow[]>(
    `SELECT c.TABLE_SCHEMA AS s, c.TABLE_NAME AS t, c.COLUMN_NAME AS c, c.DATA_TYPE AS dt, c.COLUMN_TYPE AS ct,
       c.IS_NULLABLE AS nullable, c.COLUMN_DEFAULT AS dflt, c.CHARACTER_SET_NAME AS cs, c.COLLATION_NAME AS coll,
       EXISTS (SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k WHERE k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA
         AND k.TABLE_NAME = c.TABLE_NAME AND k.CHECK_CLAUSE = CONCAT('json_valid(\`', REPLACE(c.COLUMN_NAME, '\`', '\`\`'), '\`)')) AS isJson
     FROM information_schema.COLUMNS c JOIN information_schema.TABLES tb
       ON tb.TABLE_SCHEMA = c.TABLE_SCHEMA AND tb.TABLE_NAME = c.TABLE_NAME AND tb.TABLE_TYPE = 'BASE TABLE'
     WHERE c.TABLE_SCHEMA IN (?) ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
    [dbs],
  );
  const [keys] = await conn.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA IN (?) AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX`,
    [dbs],
  );
  const byTable = new Map<string, { db: string; name: string; columns: SourceColumn[]; key: string[] }>();
  for (const r of cols) {
    const k = tableKey(r.s, r.t);
    if (only && !only.has(k)) continue;
    let t = byTable.get(k);
    if (!t) byTable.set(k, (t = { db: r.s, name: r.t, columns: [], key: [] }));
    t.columns.push({
      name: r.c,
      type: typeFromInfo({
        dataType: r.dt,
        columnType: r.ct,
        charset: r.cs,
        collation: r.coll,
        isJson: Number(r.isJson) === 1,
      }),
      nullable: r.nullable === 'YES',
      defaultText: r.dflt,
    });
  }
  for (const r of keys) byTable.get(tableKey(String(r.s), String(r.t)))?.key.push(String(r.c));
  const out = new Map<string, SourceTable>();
  for (const [k, t] of byTable) out.set(k, { ...t, rows: await readRows(conn, t.db, t.name, t.columns) });
  return out;
}

async function readRows(
  conn: Connection,
  db: string,
  name: string,
  columns: readonly SourceColumn[],
): Promise<Cell[][]> {
  const exprs = columns.map((c) => sourceSelectExpr(c.name, c.type)).join(', ');
  const [rows] = await conn.query<unknown[][] & RowDataPacket[]>({
    sql: `SELECT ${exprs} FROM ${qi(db)}.${qi(name)}`,
    rowsAsArray: true,
  });
  return rows.map((r) => columns.map((c, i) => canonicalSource(c.name, c.type, r[i])));
}
