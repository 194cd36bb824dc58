import type { DataChangeEvent } from '../../event/change-event.js';
import { assertNever } from '../../event/column-type.js';
import { tableIdToString, type TableId, type TableSchema } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import { jsonRowWriter } from './json-values.js';
import type { KeyWriter } from './kafka-key-format.js';
import type { KafkaMessage } from './kafka-message.js';

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
): (e: DataChangeEvent, out: KafkaMessage[]) => void {
  const row = jsonRowWriter(schema);
  const keyOf = key ?? (() => null);
  return (e, out) => {
    switch (e.op) {
      case 'insert':
        out.push({ key: keyOf(e.after!), value: row(e.after!) });
        return;
      case 'update': {
        const k = keyOf(e.after!);
        const old = keyOf(e.before!);
        if (old !== k) out.push({ key: old, value: null });
        out.push({ key: k, value: row(e.after!) });
        return;
      }
      case 'delete':
        if (key === undefined)
          throw new TidemarkError(
            'KAFKA_SINK_ROW',
            `value.format json cannot carry a DELETE of ${tableIdToString(table)}: the table has no primary key, so there is no key for a tombstone. Use value.format debezium-json or canal-json, or give the table a primary key (transform primary-keys).`,
            { details: { table: tableIdToString(table) } },
          );
        out.push({ key: key(e.before!), value: null });
        return;
      default:
        return assertNever(e.op);
    }
  };
}
