import type { DataChangeEvent, Row } from '../../event/change-event.js';
import { assertNever } from '../../event/column-type.js';
import type { TableId, TableSchema } from '../../event/table-schema.js';
import { debeziumConnectSchema } from './debezium-schema.js';
import { utf8, type JsonBytes } from './json-bytes.js';
import { jsonRowEncoder } from './json-values.js';

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
): (e: DataChangeEvent, out: JsonBytes) => void {
  const row = jsonRowEncoder(schema);
  const image = (r: Row | null, out: JsonBytes): void => (r === null ? out.bytes(NULL) : row(r, out));
  const source = `"source":{"db":${JSON.stringify(table.schemaName ?? null)},"table":${JSON.stringify(table.tableName)},"ts_ms":`;
  const head = utf8(
    `${includeSchema ? `{"schema":${debeziumConnectSchema(schema, table)},"payload":` : ''}{"before":`,
  );
  const op = (o: string): Uint8Array => utf8(`,"op":"${o}",${source}`);
  const middle = { c: op('c'), r: op('r'), u: op('u'), d: op('d') };
  const tail = utf8(includeSchema ? '}}}' : '}}'); // source, envelope (, schema + payload)
  return (e, out) => {
    out.bytes(head);
    image(e.before, out);
    out.bytes(AFTER);
    image(e.after, out);
    out.bytes(middle[debeziumOp(e)]);
    out.ascii(String(e.meta.tsMs));
    out.bytes(tail);
  };
}

const NULL = utf8('null');
const AFTER = utf8(',"after":');

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
