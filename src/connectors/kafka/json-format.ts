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
  /** Writes the key of `r`; its start, -1 without a key. */
  const keyOf = (r: Row, out: EncodedMessages): number => {
    if (!key) return -1;
    const start = out.mark();
    key(r, out.bytes);
    return start;
  };
  const upsert = (r: Row, out: EncodedMessages): void => {
    const k = keyOf(r, out);
    const v = out.mark();
    row(r, out.bytes);
    out.add(k, k < 0 ? -1 : v, v, out.mark());
  };
  return (e, out) => {
    switch (e.op) {
      case 'insert':
        return upsert(e.after!, out);
      case 'update': {
        const old = keyOf(e.before!, out);
        const oldEnd = out.mark();
        const k = keyOf(e.after!, out);
        if (old >= 0 && !out.same(old, oldEnd, k, out.mark())) out.add(old, oldEnd, -1, -1);
        const v = out.mark();
        row(e.after!, out.bytes);
        out.add(k, k < 0 ? -1 : v, v, out.mark());
        return;
      }
      case 'delete': {
        if (key === undefined)
          throw new TidemarkError(
            'KAFKA_SINK_ROW',
            `value.format json cannot carry a DELETE of ${tableIdToString(table)}: the table has no primary key, so there is no key for a tombstone. Use value.format debezium-json or canal-json, or give the table a primary key (transform primary-keys).`,
            { details: { table: tableIdToString(table) } },
          );
        const k = keyOf(e.before!, out);
        out.add(k, out.mark(), -1, -1);
        return;
      }
      default:
        return assertNever(e.op);
    }
  };
}
