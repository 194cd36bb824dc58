import { assertNever, type ColumnType, type Value } from '../../event/column-type.js';
import { geometryToJson } from '../../event/geometry-json.js';
import type { Row } from '../../event/change-event.js';
import type { TableSchema } from '../../event/table-schema.js';

/**
 * How a column value is written into the JSON formats (debezium-json, canal-json, json, and the
 * keys): exact, and readable back exactly when the column type is known (see jsonToValue).
 *
 * | column type                        | JSON                                                        |
 * |------------------------------------|-------------------------------------------------------------|
 * | BOOLEAN, BIT(1)                    | `true` / `false`                                            |
 * | TINYINT … BIGINT (UNSIGNED too)    | number, every digit (a BIGINT beyond 2^53 too: the text is exact) |
 * | DECIMAL(p,s)                       | string with exactly s fraction digits: `"4.00"`            |
 * | FLOAT, DOUBLE                      | number, the shortest text that reads back to the same double |
 * | CHAR, VARCHAR, TEXT, ENUM, SET     | string (SET: members joined by `,`)                         |
 * | UUID, INET4, INET6 (MariaDB)       | string, the server's text                                   |
 * | BINARY, VARBINARY, BLOB, BIT(n>1)  | string, base64 of the bytes                                 |
 * | DATE                               | `"2024-01-31"`                                              |
 * | TIME(p)                            | `"-838:59:59.000000"`: hours beyond 24 and the sign kept, p fraction digits |
 * | DATETIME(p)                        | `"2024-01-31 23:59:59.123456"`: wall clock, p fraction digits |
 * | TIMESTAMP(p)                       | `"2024-01-31 23:59:59.123456Z"`: the instant in UTC         |
 * | YEAR                               | number                                                      |
 * | JSON                               | string holding the JSON text as the server shows it         |
 * | GEOMETRY…                          | object `{"type":"Point","coordinates":[1,2],"srid":0}`      |
 */
export type JsonValueWriter = (v: Value) => string;

/** The JSON text of values of type `t` (SQL NULL: `null`). */
export function jsonValueWriter(t: ColumnType): JsonValueWriter {
  const write = nonNullWriter(t);
  return (v) => (v === null ? 'null' : write(v));
}

function nonNullWriter(t: ColumnType): JsonValueWriter {
  switch (t.kind) {
    case 'boolean':
    case 'integer':
    case 'float':
    case 'double':
    case 'year':
      return (v) => String(v);
    case 'decimal':
    case 'string':
    case 'enum':
    case 'set':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'json':
      return (v) => JSON.stringify(v);
    case 'timestamp_ltz':
      return (v) => `"${v as string}Z"`;
    case 'binary':
      return base64;
    case 'bit':
      return t.length === 1 ? (v) => String(v) : base64;
    case 'geometry':
      return (v) => JSON.stringify(geometryToJson(v as Uint8Array));
    default:
      return assertNever(t);
  }
}

function base64(v: Value): string {
  const b = v as Uint8Array;
  return `"${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')}"`;
}

/**
 * `{"col":value,…}` for rows of `schema`, every column in schema order (a column absent from a
 * row image is left out). Compiled once per schema: the hot path of every JSON format.
 */
export function jsonRowWriter(schema: TableSchema, only?: readonly number[]): (row: Row) => string {
  const indexes = only ?? schema.columns.map((_, i) => i);
  const names = indexes.map((i) => JSON.stringify(schema.columns[i]!.name) + ':');
  const writers = indexes.map((i) => jsonValueWriter(schema.columns[i]!.type));
  return (row) => {
    let out = '{';
    for (let k = 0; k < indexes.length; k++) {
      const v = row[indexes[k]!];
      if (v === undefined) continue;
      if (out.length > 1) out += ',';
      out += names[k]! + writers[k]!(v);
    }
    return out + '}';
  };
}
