import { assertNever, type ColumnType } from '../../event/column-type.js';
import { tableIdToString, type Column, type TableId, type TableSchema } from '../../event/table-schema.js';

/** A Kafka Connect field schema, as Debezium's JSON converter writes it. */
interface ConnectField {
  type: string;
  optional: boolean;
  field?: string;
  name?: string;
  version?: number;
  parameters?: Record<string, string>;
  fields?: ConnectField[];
}

/** The literal JSON type of the value text (json-values.ts) and the semantic name of a column type. */
function connectType(t: ColumnType): Pick<ConnectField, 'type' | 'name' | 'parameters'> {
  switch (t.kind) {
    case 'boolean':
      return { type: 'boolean' };
    case 'integer':
      return { type: integerType(t.bytes, t.unsigned) };
    case 'decimal':
      return {
        type: 'string',
        name: 'org.apache.kafka.connect.data.Decimal',
        parameters: { scale: String(t.scale), 'connect.decimal.precision': String(t.precision) },
      };
    case 'float':
      return { type: 'float32' };
    case 'double':
      return { type: 'float64' };
    case 'string':
      return { type: 'string' };
    case 'enum':
      return { type: 'string', name: 'io.debezium.data.Enum', parameters: { allowed: t.values.join(',') } };
    case 'set':
      return {
        type: 'string',
        name: 'io.debezium.data.EnumSet',
        parameters: { allowed: t.values.join(',') },
      };
    case 'binary':
      return { type: 'bytes' };
    case 'bit':
      if (t.length === 1) return { type: 'boolean' };
      return { type: 'bytes', name: 'io.debezium.data.Bits', parameters: { length: String(t.length) } };
    case 'date':
      return { type: 'string', name: 'io.debezium.time.Date' };
    case 'time':
      return { type: 'string', name: 'io.debezium.time.MicroTime' };
    case 'timestamp':
      return { type: 'string', name: `io.debezium.time.${t.precision > 3 ? 'MicroTimestamp' : 'Timestamp'}` };
    case 'timestamp_ltz':
      return { type: 'string', name: 'io.debezium.time.ZonedTimestamp' };
    case 'year':
      return { type: 'int32', name: 'io.debezium.time.Year' };
    case 'json':
      return { type: 'string', name: 'io.debezium.data.Json' };
    case 'geometry':
      return { type: 'struct', name: 'tidemark.data.GeoJson' };
    default:
      return assertNever(t);
  }
}

function integerType(bytes: 1 | 2 | 3 | 4 | 8, unsigned: boolean): string {
  if (bytes === 1 || (bytes === 2 && !unsigned)) return 'int16';
  if (bytes === 8 || (bytes === 4 && unsigned)) return 'int64';
  return 'int32';
}

function columnField(c: Column): ConnectField {
  const t = connectType(c.type);
  const field: ConnectField = { type: t.type, optional: c.nullable, field: c.name };
  if (t.name) Object.assign(field, { name: t.name, version: 1 });
  field.parameters = { ...t.parameters, 'tidemark.column.type': JSON.stringify(c.type) };
  return field;
}

/**
 * The `schema` of debezium-json messages with `debezium-json.include-schema.enabled`: Debezium's
 * envelope (before, after, op, source). Each column's `type` is the literal JSON type its value is
 * written as (json-values.ts: a DECIMAL or a DATE is a string), `name` the semantic type as
 * Debezium names it, and the parameter `tidemark.column.type` the exact column type as JSON.
 */
export function debeziumConnectSchema(schema: TableSchema, table: TableId): string {
  const name = tableIdToString(table);
  const row = (field: string): ConnectField =>
    Object.assign(
      { type: 'struct', optional: true, field, name: `${name}.Value` },
      { fields: schema.columns.map(columnField) },
    );
  const source: ConnectField = {
    type: 'struct',
    optional: false,
    field: 'source',
    fields: [
      { type: 'string', optional: true, field: 'db' },
      { type: 'string', optional: false, field: 'table' },
      { type: 'int64', optional: false, field: 'ts_ms' },
    ],
  };
  return JSON.stringify({
    type: 'struct',
    fields: [row('before'), row('after'), { type: 'string', optional: false, field: 'op' }, source],
    optional: false,
    name: `${name}.Envelope`,
  });
}
