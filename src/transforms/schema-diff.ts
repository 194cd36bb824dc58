import type { AddedColumn, SchemaChange } from '../event/change-event.js';
import { sameColumnType } from '../event/column-type.js';
import { applySchemaChange } from '../event/schema-change.js';
import { columnIndex, type Column, type TableSchema } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const has = (cols: readonly Column[], name: string): boolean => cols.some((c) => same(c.name, name));

/**
 * The schema changes that turn `before` into `after`, two transformed schemas of one table, for a
 * source change `cause` (whose renames and added-column values carry over to the columns a
 * projection copies): renames, drops, additions at their place, type changes, the order, the key.
 * Applying them to `before` gives exactly `after` (checked).
 */
export function schemaChanges(
  table: string,
  before: TableSchema,
  after: TableSchema,
  cause: SchemaChange,
): SchemaChange[] {
  const out: SchemaChange[] = [];
  let cur = before;
  const push = (c: SchemaChange): void => {
    out.push(c);
    cur = applySchemaChange(cur, c)!;
  };
  if (cause.type === 'rename-column') {
    const renames = carriedRenames(cur, after, cause.renames);
    if (renames.length) push({ type: 'rename-column', renames });
  }
  const dropped = cur.columns.filter((c) => !has(after.columns, c.name)).map((c) => c.name);
  if (dropped.length) push({ type: 'drop-column', columns: dropped });
  const added = addedColumns(cur, after, cause);
  if (added.length) push({ type: 'add-column', columns: added });
  const retyped = after.columns.flatMap((c) => {
    const was = cur.columns[columnIndex(cur, c.name)]!;
    return sameColumnType(was.type, c.type) && was.nullable === c.nullable
      ? []
      : [{ column: c.name, type: c.type, nullable: c.nullable, ...carriedUnknown(cause, c.name) }];
  });
  if (retyped.length) push({ type: 'alter-column-type', changes: retyped });
  if (cur.columns.some((c, i) => !same(c.name, after.columns[i]!.name)))
    push({ type: 'reorder-columns', columns: after.columns.map((c) => c.name) });
  const keys = (s: TableSchema): string => s.primaryKeys.map((k) => k.toLowerCase()).join('\u0000');
  if (keys(cur) !== keys(after)) push({ type: 'alter-primary-key', primaryKeys: after.primaryKeys });
  checkSame(table, cur, after);
  return out;
}

/**
 * The source's renames that the transformed table follows: from a column it has to a column it
 * gets. They apply at once, as in the ALTER: an old name still there afterwards, or a new name
 * there before, is fine when another of them renames into it or away from it (a swap, or a chain
 * like `RENAME COLUMN a TO c, RENAME COLUMN b TO a`); taken one by one, a chain would become a drop
 * and an add, and the column that takes a name would keep the old column's values.
 */
function carriedRenames(
  cur: TableSchema,
  after: TableSchema,
  renames: readonly { readonly from: string; readonly to: string }[],
): { from: string; to: string }[] {
  let kept = renames.filter((r) => has(cur.columns, r.from) && has(after.columns, r.to));
  for (;;) {
    const next = kept.filter(
      (r) =>
        (!has(after.columns, r.from) || kept.some((x) => same(x.to, r.from))) &&
        (!has(cur.columns, r.to) || kept.some((x) => same(x.from, r.to))),
    );
    if (next.length === kept.length) return next.map((r) => ({ from: r.from, to: r.to }));
    kept = next;
  }
}

/** Columns of `after` that `cur` lacks, each placed after its predecessor in `after`. */
function addedColumns(cur: TableSchema, after: TableSchema, cause: SchemaChange): AddedColumn[] {
  const out: AddedColumn[] = [];
  after.columns.forEach((c, i) => {
    if (has(cur.columns, c.name)) return;
    const prev = after.columns[i - 1];
    const source =
      cause.type === 'add-column' ? cause.columns.find((a) => same(a.column.name, c.name)) : undefined;
    out.push({
      column: c,
      position: prev ? { kind: 'after', column: prev.name } : { kind: 'first' },
      ...(source?.existingValue !== undefined ? { existingValue: source.existingValue } : {}),
      ...(source?.existingUnknown !== undefined ? { existingUnknown: source.existingUnknown } : {}),
    });
  });
  return out;
}

function carriedUnknown(cause: SchemaChange, column: string): { existingUnknown?: string } {
  if (cause.type !== 'alter-column-type') return {};
  const c = cause.changes.find((x) => same(x.column, column));
  return c?.existingUnknown !== undefined ? { existingUnknown: c.existingUnknown } : {};
}

function checkSame(table: string, got: TableSchema, want: TableSchema): void {
  const equal =
    got.columns.length === want.columns.length &&
    got.columns.every((c, i) => {
      const w = want.columns[i]!;
      return same(c.name, w.name) && sameColumnType(c.type, w.type) && c.nullable === w.nullable;
    }) &&
    got.primaryKeys.join('\u0000').toLowerCase() === want.primaryKeys.join('\u0000').toLowerCase();
  if (!equal) {
    const text = (s: TableSchema): string => s.columns.map((c) => c.name).join(', ');
    throw new TidemarkError(
      'INTERNAL',
      `transform of ${table}: the derived schema changes lead to (${text(got)}), not to the transformed schema (${text(want)})`,
    );
  }
}
