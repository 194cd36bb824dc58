import type { DataChangeEvent } from '../../event/change-event.js';
import type { TableId, TableSchema } from '../../event/table-schema.js';
import { utf8, type JsonBytes } from './json-bytes.js';
import { jsonRowEncoder } from './json-values.js';

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
): (e: DataChangeEvent, out: JsonBytes) => void {
  const row = jsonRowEncoder(schema);
  const rest = utf8(
    `"database":${JSON.stringify(table.schemaName ?? null)},"table":${JSON.stringify(table.tableName)},` +
      `"pkNames":${JSON.stringify(schema.primaryKeys)},"ts":`,
  );
  const types = {
    insert: utf8('],"type":"INSERT",'),
    update: utf8('],"type":"UPDATE",'),
    delete: utf8('],"type":"DELETE",'),
  };
  return (e, out) => {
    if (e.op === 'update') {
      out.bytes(OLD_ROW);
      row(e.before!, out);
      out.bytes(DATA_AFTER_OLD);
    } else out.bytes(NO_OLD);
    row(e.op === 'delete' ? e.before! : e.after!, out);
    out.bytes(types[e.op]);
    out.bytes(rest);
    out.ascii(String(now()));
    out.bytes(ES);
    out.ascii(String(e.meta.tsMs));
    out.bytes(CLOSE);
  };
}

const OLD_ROW = utf8('{"old":[');
const DATA_AFTER_OLD = utf8('],"data":[');
const NO_OLD = utf8('{"old":null,"data":[');
const ES = utf8(',"es":');
const CLOSE = utf8('}');
