import type { ColumnType } from './column-type.js';

/**
 * A table's identity as Flink CDC models it: `namespace.schemaName.tableName`, where MySQL uses
 * schemaName = database and no namespace.
 */
export interface TableId {
  readonly namespace?: string;
  readonly schemaName?: string;
  readonly tableName: string;
}

export function tableId(schemaName: string | undefined, tableName: string, namespace?: string): TableId {
  const id: { namespace?: string; schemaName?: string; tableName: string } = { tableName };
  if (namespace !== undefined) id.namespace = namespace;
  if (schemaName !== undefined) id.schemaName = schemaName;
  return id;
}

/** tableIdToString per id object (ids are immutable): every row event carries one, most share it. */
const idStrings = new WeakMap<TableId, string>();

/** "db.table" (or "ns.db.table", or "table"): the form used in YAML patterns, logs and maps. */
export function tableIdToString(id: TableId): string {
  let text = idStrings.get(id);
  if (text === undefined) {
    text = [id.namespace, id.schemaName, id.tableName].filter((p) => p !== undefined).join('.');
    idStrings.set(id, text);
  }
  return text;
}

/** Parses "db.table" / "table" / "ns.db.table" (no escaping: names with dots need TableId). */
export function parseTableId(text: string): TableId {
  const parts = text.split('.');
  if (parts.length === 1) return tableId(undefined, parts[0]!);
  if (parts.length === 2) return tableId(parts[0], parts[1]!);
  return tableId(parts[1], parts.slice(2).join('.'), parts[0]);
}

export function sameTableId(a: TableId, b: TableId): boolean {
  return a.namespace === b.namespace && a.schemaName === b.schemaName && a.tableName === b.tableName;
}

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** Default value as SQL text (e.g. `'abc'`, `0`, `CURRENT_TIMESTAMP`), when known. */
  readonly defaultValue?: string | null;
  readonly comment?: string;
}

/** A Column under construction (parsers fill the optional fields as they find them). */
export type ColumnDraft = { -readonly [K in keyof Column]: Column[K] };

export interface TableSchema {
  readonly columns: readonly Column[];
  /** Primary key column names in key order; empty when the table has none. */
  readonly primaryKeys: readonly string[];
  readonly comment?: string;
  /** The table's default character set (MySQL: columns added later without one get it). */
  readonly charset?: string;
}

export function columnIndex(schema: TableSchema, name: string): number {
  const lower = name.toLowerCase();
  return schema.columns.findIndex((c) => c.name.toLowerCase() === lower);
}

export function primaryKeyIndexes(schema: TableSchema): number[] {
  return schema.primaryKeys.map((k) => {
    const i = columnIndex(schema, k);
    if (i < 0) throw new Error(`primary key column ${k} is not a column of the table`);
    return i;
  });
}
