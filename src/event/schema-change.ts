import type { AddColumnPosition, SchemaChange } from './change-event.js';
import { assertNever } from './column-type.js';
import type { Column, TableSchema } from './table-schema.js';
import { columnIndex } from './table-schema.js';

/**
 * Applies a schema change to a table schema: the one rule shared by source-side schema tracking
 * and sinks that keep their own copy. Throws when the change does not fit the schema.
 */
export function applySchemaChange(
  schema: TableSchema | undefined,
  change: SchemaChange,
): TableSchema | undefined {
  switch (change.type) {
    case 'create-table':
      return change.schema;
    case 'drop-table':
      return undefined;
    case 'truncate-table':
    case 'rename-table':
      return schema;
    default:
      break;
  }
  if (!schema) throw new Error(`cannot apply ${change.type}: the table is not known`);
  switch (change.type) {
    case 'add-column': {
      const columns = [...schema.columns];
      for (const { column, position } of change.columns) {
        if (columnIndex({ columns, primaryKeys: [] }, column.name) >= 0) {
          throw new Error(`cannot add column ${column.name}: it exists already`);
        }
        insertColumn(columns, column, position);
      }
      return { ...schema, columns };
    }
    case 'drop-column': {
      const drop = new Set(change.columns.map((c) => c.toLowerCase()));
      return {
        ...schema,
        columns: schema.columns.filter((c) => !drop.has(c.name.toLowerCase())),
        primaryKeys: schema.primaryKeys.filter((k) => !drop.has(k.toLowerCase())),
      };
    }
    case 'rename-column': {
      const map = new Map(change.renames.map((r) => [r.from.toLowerCase(), r.to]));
      const rename = (n: string): string => map.get(n.toLowerCase()) ?? n;
      return {
        ...schema,
        columns: schema.columns.map((c) => ({ ...c, name: rename(c.name) })),
        primaryKeys: schema.primaryKeys.map(rename),
      };
    }
    case 'alter-column-type': {
      const map = new Map(change.changes.map((c) => [c.column.toLowerCase(), c]));
      return {
        ...schema,
        columns: schema.columns.map((c) => {
          const ch = map.get(c.name.toLowerCase());
          return ch ? { ...c, type: ch.type, nullable: ch.nullable } : c;
        }),
      };
    }
    case 'reorder-columns':
      return { ...schema, columns: reorderColumns(schema.columns, change.columns) };
    case 'alter-primary-key': {
      for (const k of change.primaryKeys) {
        if (columnIndex(schema, k) < 0)
          throw new Error(`cannot make ${k} a primary key column: no such column`);
      }
      return { ...schema, primaryKeys: [...change.primaryKeys] };
    }
    default:
      return assertNever(change, 'schema change');
  }
}

/** The columns in the order `names` gives; it must name each of them once. */
function reorderColumns(columns: readonly Column[], names: readonly string[]): Column[] {
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const out = names.map((n) => byName.get(n.toLowerCase()));
  if (out.length !== columns.length || out.some((c) => c === undefined) || new Set(out).size !== out.length) {
    throw new Error(
      `cannot reorder columns (${columns.map((c) => c.name).join(', ')}) as (${names.join(', ')})`,
    );
  }
  return out as Column[];
}

function insertColumn(columns: Column[], column: Column, position: AddColumnPosition): void {
  switch (position.kind) {
    case 'last':
      columns.push(column);
      return;
    case 'first':
      columns.unshift(column);
      return;
    case 'after':
    case 'before': {
      const i = columnIndex({ columns, primaryKeys: [] }, position.column);
      if (i < 0)
        throw new Error(
          `cannot add column ${column.name} ${position.kind} ${position.column}: no such column`,
        );
      columns.splice(position.kind === 'after' ? i + 1 : i, 0, column);
      return;
    }
    default:
      assertNever(position, 'column position');
  }
}

/**
 * The change without table and column comments (a source whose `include-comments.enabled` is
 * off, Flink CDC's default): the same object when it carries none.
 */
export function withoutComments(change: SchemaChange): SchemaChange {
  const bare = (c: Column): Column => {
    if (c.comment === undefined) return c;
    const { comment: _comment, ...rest } = c;
    return rest;
  };
  switch (change.type) {
    case 'create-table': {
      const s = change.schema;
      if (s.comment === undefined && s.columns.every((c) => c.comment === undefined)) return change;
      const { comment: _comment, ...rest } = s;
      return { ...change, schema: { ...rest, columns: s.columns.map(bare) } };
    }
    case 'add-column':
      if (change.columns.every((a) => a.column.comment === undefined)) return change;
      return { ...change, columns: change.columns.map((a) => ({ ...a, column: bare(a.column) })) };
    case 'drop-column':
    case 'rename-column':
    case 'alter-column-type':
    case 'reorder-columns':
    case 'alter-primary-key':
    case 'rename-table':
    case 'drop-table':
    case 'truncate-table':
      return change;
    default:
      return assertNever(change, 'schema change');
  }
}
