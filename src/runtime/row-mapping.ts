import type { DataChangeEvent, Row } from '../event/change-event.js';
import type { Value } from '../event/column-type.js';
import type { TableId, TableSchema } from '../event/table-schema.js';
import { columnIndex, tableIdToString } from '../event/table-schema.js';
import { valueCoercion } from '../event/value-coercion.js';
import { DB_NAME_COLUMN, TABLE_NAME_COLUMN } from './merged-sink-schema.js';

/** How the rows of one source table become rows of one sink table. */
export interface RowMapping {
  readonly sink: TableId;
  readonly sinkKey: string;
  /** The sink table has the source table's id. */
  readonly sameId: boolean;
  /** The source row in the sink layout; null when the layouts and types are the same. */
  readonly reshape: ((row: Row) => Row) | null;
}

/** columnIndex's answer for a missing column */
const NULL = -1;
const CONSTANT = -2;

/**
 * Sink column i takes the source column of the same name (case-insensitive), its value coerced
 * exactly into the sink column's type where the sink widened it (valueCoercion), NULL when the
 * source has no such column, or, for the shard columns, the source's database and table name.
 * A type the sink column does not hold exactly (the sink kept a narrower type: `ignore`, or a
 * refused change under `try_evolve`) passes as it is, for the sink to take or refuse.
 */
export function rowMapping(
  source: TableId,
  src: TableSchema,
  sink: TableId,
  dst: TableSchema,
  shardColumns: boolean,
): RowMapping {
  const n = dst.columns.length;
  const indexes = new Int32Array(n);
  const converts: (((v: NonNullable<Value>) => Value) | undefined)[] = new Array<undefined>(n);
  const constants: Value[] = new Array<Value>(n).fill(null);
  const shard = new Map([
    [DB_NAME_COLUMN, source.schemaName ?? ''],
    [TABLE_NAME_COLUMN, source.tableName],
  ]);
  let same = n === src.columns.length;
  dst.columns.forEach((c, i) => {
    const constant = shardColumns ? shard.get(c.name) : undefined;
    // columnIndex gives -1 (NULL) for a column the source lacks
    const j = constant === undefined ? columnIndex(src, c.name) : CONSTANT;
    indexes[i] = j;
    if (constant !== undefined) constants[i] = constant;
    if (j >= 0) {
      const coercion = valueCoercion(src.columns[j]!.type, c.type);
      if (coercion.exact) converts[i] = coercion.convert;
    }
    if (j !== i || converts[i]) same = false;
  });
  const sinkKey = tableIdToString(sink);
  const reshape = same ? null : reshaper(indexes, converts, constants);
  return { sink, sinkKey, sameId: sinkKey === tableIdToString(source), reshape };
}

function reshaper(
  indexes: Int32Array,
  converts: readonly (((v: NonNullable<Value>) => Value) | undefined)[],
  constants: readonly Value[],
): (row: Row) => Row {
  return (row) => {
    const out = new Array<Row[number]>(indexes.length);
    for (let i = 0; i < indexes.length; i++) {
      const j = indexes[i]!;
      if (j < 0) {
        out[i] = j === NULL ? null : constants[i];
        continue;
      }
      const v = row[j];
      const convert = converts[i];
      out[i] = convert && v !== null && v !== undefined ? convert(v) : v;
    }
    return out;
  };
}

/** The row event in sink terms (sink table id, sink column layout and types). */
export function mapRowEvent(m: RowMapping, ev: DataChangeEvent): DataChangeEvent {
  const reshape = m.reshape;
  if (reshape === null) return m.sameId ? ev : { ...ev, tableId: m.sink };
  return {
    ...ev,
    tableId: m.sink,
    before: ev.before === null ? null : reshape(ev.before),
    after: ev.after === null ? null : reshape(ev.after),
  };
}
