import type { DataChangeEvent, Row } from '../../event/change-event.js';
import { assertNever } from '../../event/column-type.js';
import { tableIdToString, type TableId, type TableSchema } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import type { EncodedMessages } from './encoded-messages.js';
import { jsonRowEncoder } from './json-values.js';
import type { KeyWriter } from './kafka-key-format.js';

/**
 * `json` values and upsert-kafka: the row (after an INSERT or UPDATE) under its key; a DELETE is a
 * tombstone (null value) for its key, and an UPDATE that changes the key is a tombstone for the old
 * key followed by the new row. A delete has no key to carry it in a table without primary key: it
 * is an error rather than a silently lost delete.
 */
export function jsonMessages(
  schema: TableSchema,
  table: TableId,
  key: KeyWriter | undefined,
): (e: DataChangeEvent, out: EncodedMessages) => void {
  const row = jsonRowEncoder(schema);
  /** The row `r` as the value of a message under the key written from `k`. */
  const upsert = (k: number, r: Row, out: EncodedMessages): void => {
    const v = out.mark();
    row(r, out.bytes);
    out.addMessage(k, v);
  };
  return (e, out) => {
    switch (e.op) {
      case 'insert':
        return upsert(out.writeKey(key, e.after!), e.after!, out);
      case 'update': {
        const old = out.writeKey(key, e.before!);
        const oldEnd = out.mark();
        const k = out.writeKey(key, e.after!);
        if (old >= 0 && !out.same(old, oldEnd, k, out.mark())) out.addTombstone(old, oldEnd);
        return upsert(k, e.after!, out);
      }
      case 'delete': {
        if (key === undefined)
          throw new TidemarkError(
            'KAFKA_SINK_ROW',
            `value.format json cannot carry a DELETE of ${tableIdToString(table)}: the table has no primary key, so there is no key for a tombstone. Use value.format debezium-json or canal-json, or give the table a primary key (transform primary-keys).`,
            { details: { table: tableIdToString(table) } },
          );
        out.addTombstone(out.writeKey(key, e.before!), out.mark());
        return;
      }
      default:
        return assertNever(e.op);
    }
  };
}
