import type { DataChangeEvent } from '../../event/change-event.js';
import type { TableId, TableSchema } from '../../event/table-schema.js';
import { jsonRowWriter } from './json-values.js';

/**
 * canal-json values (Flink CDC's shape): `{"old":[before]|null,"data":[row],"type":"INSERT|
 * UPDATE|DELETE","database":…,"table":…,"pkNames":[…],"ts":…,"es":…}`. `old` holds the whole
 * row before an UPDATE (null otherwise); `data` the row after an INSERT or UPDATE and the deleted
 * row of a DELETE. As in Canal, `es` is when the change was executed at the source (the commit
 * time, 0 for snapshot rows) and `ts` when the message was made (`now()`, epoch milliseconds).
 */
export function canalJsonValue(
  schema: TableSchema,
  table: TableId,
  now: () => number,
): (e: DataChangeEvent) => string {
  const row = jsonRowWriter(schema);
  const rest =
    `"database":${JSON.stringify(table.schemaName ?? null)},"table":${JSON.stringify(table.tableName)},` +
    `"pkNames":${JSON.stringify(schema.primaryKeys)},"ts":`;
  return (e) => {
    const old = e.op === 'update' ? `[${row(e.before!)}]` : 'null';
    const data = row(e.op === 'delete' ? e.before! : e.after!);
    return `{"old":${old},"data":[${data}],"type":"${e.op.toUpperCase()}",${rest}${now()},"es":${e.meta.tsMs}}`;
  };
}
