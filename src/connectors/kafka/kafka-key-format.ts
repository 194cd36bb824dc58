import { assertNever } from '../../event/column-type.js';
import type { Row } from '../../event/change-event.js';
import { primaryKeyIndexes, type TableSchema } from '../../event/table-schema.js';
import type { JsonBytes } from './json-bytes.js';
import { jsonRowEncoder, jsonValueWriter } from './json-values.js';
import type { KeyFormatName } from './sink-options.js';

/** Writes the message key of a row (its primary-key columns) into `out`. */
export type KeyWriter = (row: Row, out: JsonBytes) => void;

/**
 * The key writer of a table, undefined when it has no primary key (its messages have no key).
 * `json`: `{"id":1,"region":"eu"}` (values as json-values.ts writes them). `csv`: `1,eu`, each
 * value as its JSON text with the quotes of strings removed, quoted as RFC 4180 when it holds
 * `,`, `"` or a line break; NULL is empty.
 */
export function keyWriter(schema: TableSchema, format: KeyFormatName): KeyWriter | undefined {
  if (schema.primaryKeys.length === 0) return undefined;
  const keys = primaryKeyIndexes(schema);
  switch (format) {
    case 'json':
      return jsonRowEncoder(schema, keys);
    case 'csv':
      return csvKeyWriter(schema, keys);
    default:
      return assertNever(format);
  }
}

function csvKeyWriter(schema: TableSchema, keys: readonly number[]): KeyWriter {
  const writers = keys.map((i) => jsonValueWriter(schema.columns[i]!.type));
  return (row, out) => out.text(keys.map((i, k) => csvField(writers[k]!(row[i] ?? null))).join(','));
}

function csvField(json: string): string {
  if (json === 'null') return '';
  const text = json.startsWith('"') ? (JSON.parse(json) as string) : json;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
