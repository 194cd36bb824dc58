import type { Connection, Pool } from 'mysql2/promise';
import type { ColumnType } from '../../event/column-type.js';
import type { Column, ColumnDraft, TableSchema } from '../../event/table-schema.js';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';
import {
  charsetOfCollationName,
  parseMysqlColumnType,
  type ParseMysqlColumnTypeOptions,
} from './type-mapping.js';

/** What the loader needs of a session: mysql2/promise's `query` (a Connection or a Pool). */
export type QueryRunner = Pick<Connection, 'query'> | Pick<Pool, 'query'>;

export interface SchemaTableName {
  readonly schemaName: string;
  readonly tableName: string;
}

export const SYSTEM_SCHEMAS: readonly string[] = ['mysql', 'information_schema', 'performance_schema', 'sys'];

async function rows<T>(conn: QueryRunner, sql: string, values?: unknown[]): Promise<T[]> {
  try {
    const [result] = await (conn as Pick<Connection, 'query'>).query(sql, values);
    return result as T[];
  } catch (e) {
    throw new TidemarkError('SOURCE_QUERY', `reading table metadata failed: ${errorMessage(e)}`, {
      cause: e,
      retryable: true,
    });
  }
}

/** All base tables outside the system schemas, ordered by database and table. */
export async function listTables(conn: QueryRunner): Promise<SchemaTableName[]> {
  const result = await rows<{ s: string; t: string }>(
    conn,
    "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') AND TABLE_SCHEMA NOT IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME",
    [SYSTEM_SCHEMAS],
  );
  return result.map((r) => ({ schemaName: r.s, tableName: r.t }));
}

interface ColumnRow {
  s: string;
  t: string;
  name: string;
  columnType: string;
  nullable: string;
  dflt: string | null;
  extra: string;
  comment: string;
  charset: string | null;
  isJson: number | string | null;
  tableComment: string | null;
  tableCollation: string | null;
}

/**
 * Reads the schemas of `tables` from information_schema (one query for the columns of all tables,
 * one for all primary keys, plus `SELECT VERSION()`). The map is keyed "db.table"; tables that do
 * not exist are absent from it.
 *
 * Column defaults are SQL text in MariaDB's information_schema form (`'abc'`, `0`,
 * `current_timestamp()`), `null` for DEFAULT NULL, absent when the column has no default. MariaDB
 * JSON columns (LONGTEXT with CHECK (json_valid(`c`))) are typed `json`.
 */
export async function loadTableSchemas(
  conn: QueryRunner,
  tables: readonly SchemaTableName[],
  opts: Pick<ParseMysqlColumnTypeOptions, 'tinyInt1AsBoolean'> = {},
): Promise<Map<string, TableSchema>> {
  const out = new Map<string, TableSchema>();
  if (tables.length === 0) return out;
  const version = (await rows<{ v: string }>(conn, 'SELECT VERSION() AS v'))[0]?.v ?? '';
  const mariadb = /mariadb/i.test(version);
  const pairs = tables.map((t) => [t.schemaName, t.tableName]);
  const isJson = mariadb
    ? "EXISTS (SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k WHERE k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.CHECK_CLAUSE = CONCAT('json_valid(`', REPLACE(c.COLUMN_NAME, '`', '``'), '`)'))"
    : "c.DATA_TYPE = 'json'";
  const columns = await rows<ColumnRow>(
    conn,
    `SELECT c.TABLE_SCHEMA AS s, c.TABLE_NAME AS t, c.COLUMN_NAME AS name, c.COLUMN_TYPE AS columnType,
            c.IS_NULLABLE AS nullable, c.COLUMN_DEFAULT AS dflt, c.EXTRA AS extra,
            c.COLUMN_COMMENT AS comment, c.CHARACTER_SET_NAME AS charset, ${isJson} AS isJson,
            tb.TABLE_COMMENT AS tableComment, tb.TABLE_COLLATION AS tableCollation
       FROM information_schema.COLUMNS c
       JOIN information_schema.TABLES tb ON tb.TABLE_SCHEMA = c.TABLE_SCHEMA AND tb.TABLE_NAME = c.TABLE_NAME
      WHERE (c.TABLE_SCHEMA, c.TABLE_NAME) IN (?)
      ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`,
    [pairs],
  );
  const keys = await rows<{ s: string; t: string; name: string }>(
    conn,
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS name
       FROM information_schema.STATISTICS
      WHERE INDEX_NAME = 'PRIMARY' AND (TABLE_SCHEMA, TABLE_NAME) IN (?)
      ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX`,
    [pairs],
  );
  const pk = new Map<string, string[]>();
  for (const k of keys) {
    const id = `${k.s}.${k.t}`;
    const list = pk.get(id) ?? [];
    list.push(k.name);
    pk.set(id, list);
  }
  const cols = new Map<string, { columns: Column[]; comment: string | null; collation: string | null }>();
  for (const r of columns) {
    const id = `${r.s}.${r.t}`;
    let entry = cols.get(id);
    if (!entry) {
      entry = { columns: [], comment: r.tableComment, collation: r.tableCollation };
      cols.set(id, entry);
    }
    entry.columns.push(toColumn(r, mariadb, opts, id));
  }
  for (const [id, { columns: list, comment, collation }] of cols) {
    const schema: { columns: Column[]; primaryKeys: string[]; comment?: string; charset?: string } = {
      columns: list,
      primaryKeys: pk.get(id) ?? [],
    };
    if (comment) schema.comment = comment;
    if (collation) schema.charset = charsetOfCollationName(collation);
    out.set(id, schema);
  }
  return out;
}

function toColumn(
  r: ColumnRow,
  mariadb: boolean,
  opts: Pick<ParseMysqlColumnTypeOptions, 'tinyInt1AsBoolean'>,
  id: string,
): Column {
  let type: ColumnType;
  try {
    type = parseMysqlColumnType(r.columnType, { ...opts, ...(r.charset ? { charset: r.charset } : {}) });
  } catch (e) {
    throw new TidemarkError('SOURCE_SCHEMA', `table ${id}, column ${r.name}: ${errorMessage(e)}`, {
      cause: e,
      details: { table: id, column: r.name, columnType: r.columnType },
    });
  }
  if (Number(r.isJson) === 1 && type.kind === 'string' && type.text === 'long') type = { kind: 'json' };
  const nullable = r.nullable === 'YES';
  const col: ColumnDraft = { name: r.name, type, nullable };
  const dflt = mariadb ? mariadbDefault(r.dflt) : mysqlDefault(r, type, nullable);
  if (dflt !== undefined) col.defaultValue = dflt;
  if (r.comment) col.comment = r.comment;
  return col;
}

/** MariaDB ≥ 10.2.7: SQL text already; the string 'NULL' is DEFAULT NULL, SQL NULL is no default. */
function mariadbDefault(d: string | null): string | null | undefined {
  if (d === null) return undefined;
  if (d === 'NULL') return null;
  return d;
}

/** MySQL: the raw value; quote literals of non-numeric types, keep expressions. */
function mysqlDefault(r: ColumnRow, type: ColumnType, nullable: boolean): string | null | undefined {
  if (r.dflt === null) return nullable && !/auto_increment/i.test(r.extra) ? null : undefined;
  if (/DEFAULT_GENERATED/i.test(r.extra)) return r.dflt;
  switch (type.kind) {
    case 'integer':
    case 'decimal':
    case 'float':
    case 'double':
    case 'year':
    case 'boolean':
    case 'bit':
      return r.dflt;
    default:
      return `'${r.dflt.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  }
}
