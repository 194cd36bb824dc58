import type { DataChangeEvent, Row } from '../../event/change-event.js';
import { assertNever } from '../../event/column-type.js';
import type { TableId, TableSchema } from '../../event/table-schema.js';
import { debeziumConnectSchema } from './debezium-schema.js';
import { jsonRowWriter } from './json-values.js';

/**
 * debezium-json values (Flink CDC's shape):
 * `{"before":{…}|null,"after":{…}|null,"op":"c|u|d|r","source":{"db":…,"table":…,"ts_ms":…}}`;
 * `r` for snapshot rows, `ts_ms` the commit time at the source (0 for snapshot rows). With the
 * schema: `{"schema":{…},"payload":<that>}`.
 */
export function debeziumJsonValue(
  schema: TableSchema,
  table: TableId,
  includeSchema: boolean,
): (e: DataChangeEvent) => string {
  const row = jsonRowWriter(schema);
  const image = (r: Row | null): string => (r === null ? 'null' : row(r));
  const source = `"source":{"db":${JSON.stringify(table.schemaName ?? null)},"table":${JSON.stringify(table.tableName)},"ts_ms":`;
  const head = includeSchema ? `{"schema":${debeziumConnectSchema(schema, table)},"payload":` : '';
  const tail = includeSchema ? '}}' : '}';
  return (e) =>
    `${head}{"before":${image(e.before)},"after":${image(e.after)},"op":"${debeziumOp(e)}",${source}${e.meta.tsMs}}${tail}`;
}

export function debeziumOp(e: DataChangeEvent): 'c' | 'r' | 'u' | 'd' {
  switch (e.op) {
    case 'insert':
      return e.meta.snapshot ? 'r' : 'c';
    case 'update':
      return 'u';
    case 'delete':
      return 'd';
    default:
      return assertNever(e.op);
  }
}
