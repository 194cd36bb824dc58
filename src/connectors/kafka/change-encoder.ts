import type { DataChangeEvent, Row } from '../../event/change-event.js';
import { assertNever } from '../../event/column-type.js';
import { tableIdToString, type TableId, type TableSchema } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import { canalJsonValue } from './canal-json-format.js';
import { debeziumJsonValue } from './debezium-json-format.js';
import { jsonMessages } from './json-format.js';
import { keyWriter } from './kafka-key-format.js';
import type { EncodedMessages } from './encoded-messages.js';
import type { KeyFormatName, ValueFormatName } from './sink-options.js';

/** How a sink encodes changes (the `kafka` sink's options; upsert-kafka is `json` + `json`). */
export interface EncodingOptions {
  readonly valueFormat: ValueFormatName;
  readonly keyFormat: KeyFormatName;
  readonly includeSchema: boolean;
  /** The clock of canal-json's `ts`. */
  readonly now: () => number;
}

/** Appends the messages of one change of a table to `out`. */
export type ChangeEncoder = (e: DataChangeEvent, out: EncodedMessages) => void;

/** The encoder of a table's changes under its current schema (compiled once per schema). */
export function changeEncoder(schema: TableSchema, table: TableId, o: EncodingOptions): ChangeEncoder {
  const key = keyWriter(schema, o.keyFormat);
  const complete = completeRowCheck(schema, table);
  const encode = valueEncoder(schema, table, o, key);
  return (e, out) => {
    complete(e.before);
    complete(e.after);
    encode(e, out);
  };
}

function valueEncoder(
  schema: TableSchema,
  table: TableId,
  o: EncodingOptions,
  key: ReturnType<typeof keyWriter>,
): ChangeEncoder {
  switch (o.valueFormat) {
    case 'debezium-json':
      return keyedValue(key, debeziumJsonValue(schema, table, o.includeSchema));
    case 'canal-json':
      return keyedValue(key, canalJsonValue(schema, table, o.now));
    case 'json':
      return jsonMessages(schema, table, key);
    default:
      return assertNever(o.valueFormat);
  }
}

/** One message a change: the key of its row (the image after, else before) and the value. */
function keyedValue(
  key: ReturnType<typeof keyWriter>,
  value: (e: DataChangeEvent, out: EncodedMessages['bytes']) => void,
): ChangeEncoder {
  return (e, out) => {
    const k = out.writeKey(key, e.after ?? e.before!);
    const v = out.mark();
    value(e, out.bytes);
    out.addMessage(k, v);
  };
}

/**
 * Refuses partial row images (binlog_row_image MINIMAL/NOBLOB): a message holds whole rows, and a
 * missing value written as NULL would be a lie.
 */
function completeRowCheck(schema: TableSchema, table: TableId): (row: Row | null) => void {
  return (row) => {
    if (row === null) return;
    for (let i = 0; i < schema.columns.length; i++)
      if (row[i] === undefined)
        throw new TidemarkError(
          'KAFKA_SINK_ROW',
          `a change of ${tableIdToString(table)} lacks the value of column ${schema.columns[i]!.name} (a partial row image): Kafka messages hold whole rows. Set binlog_row_image=FULL on the source server.`,
          { details: { table: tableIdToString(table), column: schema.columns[i]!.name } },
        );
  };
}
