import type { Column, TableSchema } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import type { TableMapEvent } from './binlog/binlog-event.js';

/**
 * A table schema from a TABLE_MAP event with full row metadata (`binlog_row_metadata=FULL`):
 * column names, types (charsets, signedness, ENUM/SET members, as the decoder maps them), nullability
 * and the primary key. Throws SOURCE_SCHEMA naming the table when the column names are missing.
 */
export function tableSchemaFromTableMap(tm: TableMapEvent, location?: string): TableSchema {
  const names = tm.optionalMetadata.columnNames;
  const table = `${tm.schema}.${tm.table}`;
  if (!names || names.length !== tm.columnCount) {
    throw new TidemarkError(
      'SOURCE_SCHEMA',
      `the binlog has no column names for table ${table}${location ? ` at ${location}` : ''}: the server wrote it ` +
        'without binlog_row_metadata=FULL. Give the schemas with `schema.ddl-file` or a connection (hostname, username, password)',
      { details: { table, ...(location ? { position: location } : {}) } },
    );
  }
  const columns: Column[] = names.map((name, i) => ({
    name,
    type: tm.columnTypesMapped[i]!,
    nullable: tm.nullability[i] ?? true,
  }));
  const pkIdx =
    tm.optionalMetadata.simplePrimaryKey ??
    tm.optionalMetadata.primaryKeyWithPrefix?.map((p) => p.columnIndex) ??
    [];
  return { columns, primaryKeys: pkIdx.map((i) => names[i]!).filter((n) => n !== undefined) };
}
