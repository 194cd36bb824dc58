import type { SchemaChange } from '../event/change-event.js';
import { formatColumnType, sameColumnType, type ColumnType } from '../event/column-type.js';
import type { Column, TableId, TableSchema } from '../event/table-schema.js';
import { columnIndex, tableIdToString } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import { widerColumnType } from '../event/wider-column-type.js';

/** The columns `route[].shard-columns` adds first to a sink table: where each row comes from. */
export const DB_NAME_COLUMN = '_db_name';
export const TABLE_NAME_COLUMN = '_table_name';
/** MySQL names are at most 64 characters. */
const NAME_TYPE: ColumnType = { kind: 'string', length: 64 };

/** A source table routed to a sink table, with its schema (after transforms). */
export interface Upstream {
  readonly id: TableId;
  readonly schema: TableSchema;
  readonly shardColumns: boolean;
}

/**
 * The schema a sink table needs to hold the rows of all its source tables (Flink CDC's
 * SchemaMergingUtils.getLeastCommonSchema over the current sink schema and every upstream schema):
 * the sink's columns, each widened to hold every upstream's type (widerColumnType), then the
 * columns it lacks, in the order the upstreams bring them. A column some upstream lacks is
 * nullable (its rows get NULL there). Columns are never dropped. The primary key is the upstreams'
 * (they must agree); with shard columns it starts with `_db_name`, `_table_name`.
 */
export function mergedSinkSchema(
  sink: TableId,
  current: TableSchema | undefined,
  upstreams: readonly Upstream[],
): TableSchema {
  const shaped = shapedUpstreams(sink, upstreams);
  let merged = current;
  for (const u of shaped) merged = merged ? mergeInto(sink, merged, u, current, shaped) : u.schema;
  if (!merged)
    throw new TidemarkError('INTERNAL', `sink table ${tableIdToString(sink)} has no upstream table`);
  const columns = merged.columns.map((c) =>
    c.nullable || shaped.every((u) => columnIndex(u.schema, c.name) >= 0) ? c : { ...c, nullable: true },
  );
  return { ...merged, columns, primaryKeys: mergedPrimaryKey(sink, shaped) };
}

/** The upstream schemas as the sink sees them: with the shard columns when the route asks. */
function shapedUpstreams(sink: TableId, upstreams: readonly Upstream[]): Upstream[] {
  const withShard = upstreams.filter((u) => u.shardColumns);
  if (withShard.length > 0 && withShard.length < upstreams.length) {
    const without = upstreams.filter((u) => !u.shardColumns);
    throw new TidemarkError(
      'CONFIG_INVALID',
      `sink table ${tableIdToString(sink)} gets ${names(withShard)} through a route with shard-columns and ` +
        `${names(without)} through one without: set shard-columns alike on the routes to one sink table`,
    );
  }
  return upstreams.map((u) => (u.shardColumns ? { ...u, schema: withShardColumns(u.id, u.schema) } : u));
}

const names = (us: readonly Upstream[]): string => us.map((u) => tableIdToString(u.id)).join(', ');

/** The source schema with `_db_name`, `_table_name` first, and first in the primary key. */
export function withShardColumns(source: TableId, schema: TableSchema): TableSchema {
  for (const name of [DB_NAME_COLUMN, TABLE_NAME_COLUMN]) {
    if (columnIndex(schema, name) >= 0) {
      throw new TidemarkError(
        'SCHEMA_MERGE',
        `table ${tableIdToString(source)} has a column ${name}, the name of a column shard-columns adds: ` +
          'rename the column, or turn shard-columns off for its route',
        { details: { table: tableIdToString(source), column: name } },
      );
    }
  }
  const shard = (name: string): Column => ({ name, type: NAME_TYPE, nullable: false });
  return {
    ...schema,
    columns: [shard(DB_NAME_COLUMN), shard(TABLE_NAME_COLUMN), ...schema.columns],
    primaryKeys:
      schema.primaryKeys.length > 0 ? [DB_NAME_COLUMN, TABLE_NAME_COLUMN, ...schema.primaryKeys] : [],
  };
}

function mergeInto(
  sink: TableId,
  merged: TableSchema,
  u: Upstream,
  current: TableSchema | undefined,
  all: readonly Upstream[],
): TableSchema {
  const columns = [...merged.columns];
  for (const col of u.schema.columns) {
    const i = columnIndex(merged, col.name);
    if (i < 0) {
      columns.push(col);
      continue;
    }
    const have = columns[i]!;
    const wider = widerColumnType(have.type, col.type);
    if ('reason' in wider) throw mergeError(sink, col.name, wider.reason, current, all);
    const nullable = have.nullable || col.nullable;
    if (!sameColumnType(wider.type, have.type) || nullable !== have.nullable) {
      columns[i] = { ...have, type: wider.type, nullable };
    }
  }
  return { ...merged, columns };
}

function mergeError(
  sink: TableId,
  column: string,
  reason: string,
  current: TableSchema | undefined,
  all: readonly Upstream[],
): TidemarkError {
  const typeIn = (s: TableSchema): string | undefined => {
    const i = columnIndex(s, column);
    return i < 0 ? undefined : formatColumnType(s.columns[i]!.type);
  };
  const types = [
    ...(current && typeIn(current) ? [`the sink table: ${typeIn(current)}`] : []),
    ...all.flatMap((u) => (typeIn(u.schema) ? [`${tableIdToString(u.id)}: ${typeIn(u.schema)}`] : [])),
  ];
  const sinkName = tableIdToString(sink);
  return new TidemarkError(
    'SCHEMA_MERGE',
    `tables ${names(all)} are routed to sink table ${sinkName}, and column ${column} cannot hold all of them exactly ` +
      `(${types.join('; ')}): ${reason}. Give the column compatible types in every table, or route them to different sink tables`,
    { details: { table: sinkName, column } },
  );
}

const sameNames = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x.toLowerCase() === b[i]!.toLowerCase());

function mergedPrimaryKey(sink: TableId, shaped: readonly Upstream[]): readonly string[] {
  const first = shaped[0]!.schema.primaryKeys;
  const other = shaped.find((u) => !sameNames(u.schema.primaryKeys, first));
  if (other) {
    const keys = shaped.map((u) => `${tableIdToString(u.id)} (${u.schema.primaryKeys.join(', ') || 'none'})`);
    throw new TidemarkError(
      'SCHEMA_MERGE',
      `tables routed to sink table ${tableIdToString(sink)} have different primary keys: ${keys.join(', ')}. ` +
        'Give them one primary key (a transform rule `primary-keys` can), or route them to different sink tables',
      { details: { table: tableIdToString(sink) } },
    );
  }
  return first;
}

/**
 * The changes that turn the sink table `current` into `wanted` (Flink CDC's getSchemaDifference):
 * create it, or add the columns it lacks (last, in order), change the types and nullability that
 * differ, and re-key it. `wanted` holds every column of `current` (mergedSinkSchema never drops).
 */
export function sinkSchemaDifference(current: TableSchema | undefined, wanted: TableSchema): SchemaChange[] {
  if (!current) return [{ type: 'create-table', schema: wanted }];
  const out: SchemaChange[] = [];
  const added = wanted.columns.filter((c) => columnIndex(current, c.name) < 0);
  if (added.length > 0) {
    out.push({
      type: 'add-column',
      columns: added.map((column) => ({ column, position: { kind: 'last' } })),
    });
  }
  const changed = current.columns.flatMap((c) => {
    const w = wanted.columns[columnIndex(wanted, c.name)];
    return w && (!sameColumnType(w.type, c.type) || w.nullable !== c.nullable)
      ? [{ column: c.name, type: w.type, nullable: w.nullable }]
      : [];
  });
  if (changed.length > 0) out.push({ type: 'alter-column-type', changes: changed });
  if (!sameNames(current.primaryKeys, wanted.primaryKeys)) {
    out.push({ type: 'alter-primary-key', primaryKeys: wanted.primaryKeys });
  }
  return out;
}
