import type { AddedColumn, AddColumnPosition, SchemaChange } from '../../event/change-event.js';
import { sameColumnType } from '../../event/column-type.js';
import { applySchemaChange } from '../../event/schema-change.js';
import type { Column, TableId, TableSchema } from '../../event/table-schema.js';
import type { AlterClause } from './ddl-parser.js';
import { conversionLoss } from './type-conversion.js';

type AddClause = Extract<AlterClause, { kind: 'add-column' }>;
type ChangeClause = Extract<AlterClause, { kind: 'change-column' }>;

/** What an ALTER TABLE did to a table. */
export interface AlterResult {
  /** The schema after the statement. */
  readonly schema: TableSchema;
  /**
   * Schema changes that turn the schema before into `schema` when applied in order: drops,
   * renames (simultaneous), type changes, adds, the column order, the primary key.
   */
  readonly changes: readonly SchemaChange[];
  /** ALTER TABLE … RENAME TO: the table's new name (applied after the changes). */
  readonly renameTo?: TableId;
}

/**
 * Why an ALTER TABLE cannot be followed: the statement does not fit the tracked schema (the server
 * would have refused it, so the tracked schema is wrong).
 */
export class AlterMismatch extends Error {}

/**
 * Applies an ALTER TABLE's clauses to a schema the way MariaDB does (checked against it by a
 * randomized test):
 * - DROP, CHANGE, MODIFY and RENAME COLUMN name columns of the table before the statement, all at
 *   once (RENAME a TO b, RENAME b TO a swaps them); the first CHANGE/MODIFY/RENAME naming a column
 *   changes it; a later one with the same name changes a column this statement ADDs;
 * - IF [NOT] EXISTS is decided against the table before the statement (and earlier ADDs);
 * - the surviving columns keep their places, then ADDs and CHANGE/MODIFY … FIRST|AFTER (and
 *   changes of added columns) are placed one after another in statement order, AFTER naming a
 *   column of the new layout;
 * - DROP PRIMARY KEY drops the old key wherever it stands; primary-key columns are NOT NULL.
 * `existing` gives the value that rows already in the table get in an added column.
 */
export function applyAlterTable(
  before: TableSchema,
  clauses: readonly AlterClause[],
  existing: (clause: AddClause) => Omit<AddedColumn, 'column' | 'position'>,
  strict = false,
): AlterResult {
  const plan = planAlter(before, clauses);
  const { live, renames, dropped } = plan;
  let columns: Column[] = before.columns
    .filter((c) => !dropped.has(lower(c.name)))
    .map((c) => plan.claims.get(lower(c.name))?.column ?? renamed(c, renames));
  columns = applyDefaults(columns, live, renames);
  /** Added columns by their name now → the ADD clause that made them. */
  const added = new Map<string, AddClause>();
  for (const step of plan.steps) {
    const c = step.clause;
    if (c.kind === 'add-column') {
      place(columns, c.column, c.position);
      added.set(lower(c.column.name), c);
    } else if (step.kind === 'change-added') {
      const add = added.get(lower(c.from))!;
      added.delete(lower(c.from));
      columns.splice(
        columns.findIndex((x) => lower(x.name) === lower(c.from)),
        1,
      );
      place(columns, c.column, c.position);
      added.set(lower(c.column.name), { ...add, column: c.column });
    } else if (c.position) {
      const i = columns.findIndex((x) => lower(x.name) === lower(c.column.name));
      const [moved] = columns.splice(i, 1);
      place(columns, moved!, c.position);
    }
  }
  columns = convertCharset(columns, live);
  const primaryKeys = primaryKeyAfter(before, live, renames, dropped);
  const pk = new Set(primaryKeys.map(lower));
  columns = columns.map((c) => (pk.has(lower(c.name)) && c.nullable ? { ...c, nullable: false } : c));
  const charset = live.findLast((c) => c.kind === 'default-charset' || c.kind === 'convert-charset');
  const schema: TableSchema = {
    ...before,
    columns,
    primaryKeys,
    ...(charset && 'charset' in charset ? { charset: charset.charset } : {}),
  };
  const renameTo = live.findLast((c) => c.kind === 'rename-table');
  // Added columns as they end up (CONVERT TO CHARACTER SET, a primary key change them).
  const final = new Map(columns.map((c) => [lower(c.name), c]));
  const adds = [...added.values()].map((a) => {
    const column = final.get(lower(a.column.name)) ?? a.column;
    return { column, position: { kind: 'last' } as const, ...existing({ ...a, column }) };
  });
  return {
    schema,
    changes: changesBetween(before, schema, { dropped, renames, added: adds, strict }),
    ...(renameTo?.kind === 'rename-table' ? { renameTo: renameTo.to } : {}),
  };
}

const lower = (s: string): string => s.toLowerCase();

type ColumnChange = ChangeClause | Extract<AlterClause, { kind: 'rename-column' }>;

interface AlterPlan {
  /** The clauses that take effect (IF [NOT] EXISTS decided). */
  readonly live: readonly AlterClause[];
  /** Old columns dropped (lower case). */
  readonly dropped: ReadonlySet<string>;
  /** Old column (lower case) → the column it becomes (CHANGE/MODIFY, or RENAME of the old def). */
  readonly claims: ReadonlyMap<string, { readonly column?: Column; readonly clause: ColumnChange }>;
  /** Old name (lower case) → new name. */
  readonly renames: ReadonlyMap<string, string>;
  /** What is placed after the surviving columns, in statement order. */
  readonly steps: readonly (
    | { readonly kind: 'add'; readonly clause: AddClause }
    | { readonly kind: 'change-old'; readonly clause: ChangeClause }
    | { readonly kind: 'change-added'; readonly clause: ChangeClause }
  )[];
}

/** Decides which clauses take effect and what each CHANGE/MODIFY/RENAME applies to. */
function planAlter(before: TableSchema, clauses: readonly AlterClause[]): AlterPlan {
  const original = new Set(before.columns.map((c) => lower(c.name)));
  const dropped = new Set<string>();
  for (const c of clauses) {
    if (c.kind !== 'drop-column') continue;
    if (c.ifExists && (!original.has(lower(c.column)) || dropped.has(lower(c.column)))) continue;
    if (!original.has(lower(c.column))) throw new AlterMismatch(`DROP COLUMN: no column ${c.column}`);
    dropped.add(lower(c.column));
  }
  const addedNames = new Set<string>();
  const claims = new Map<string, { column?: Column; clause: ColumnChange }>();
  const renames = new Map<string, string>();
  const live: AlterClause[] = [];
  const steps: AlterPlan['steps'][number][] = [];
  for (const c of clauses) {
    if (c.kind === 'add-column') {
      const name = lower(c.column.name);
      if (c.ifNotExists && (original.has(name) || addedNames.has(name))) continue;
      addedNames.add(name);
      steps.push({ kind: 'add', clause: c });
    } else if (c.kind === 'drop-column') {
      if (!dropped.has(lower(c.column))) continue;
    } else if (c.kind === 'change-column' || c.kind === 'rename-column') {
      const from = lower(c.from);
      if (original.has(from) && !dropped.has(from) && !claims.has(from)) {
        claims.set(from, c.kind === 'change-column' ? { column: c.column, clause: c } : { clause: c });
        const to = c.kind === 'change-column' ? c.column.name : c.to;
        if (to !== before.columns.find((x) => lower(x.name) === from)!.name) renames.set(from, to);
        if (c.kind === 'change-column' && c.position) steps.push({ kind: 'change-old', clause: c });
      } else if (addedNames.has(from) && c.kind === 'change-column') {
        addedNames.delete(from);
        addedNames.add(lower(c.column.name));
        steps.push({ kind: 'change-added', clause: c });
      } else if (c.ifExists) {
        continue;
      } else {
        const what = c.kind === 'change-column' ? 'CHANGE/MODIFY' : 'RENAME COLUMN';
        throw new AlterMismatch(`${what}: no column ${c.from}`);
      }
    }
    live.push(c);
  }
  return { live, dropped, claims, renames, steps };
}

function renamed(c: Column, renames: ReadonlyMap<string, string>): Column {
  const to = renames.get(lower(c.name));
  return to === undefined ? c : { ...c, name: to };
}

/** ALTER COLUMN c SET/DROP DEFAULT (c names the column before the statement). */
function applyDefaults(
  columns: Column[],
  live: readonly AlterClause[],
  renames: ReadonlyMap<string, string>,
): Column[] {
  const sets = live.filter((c) => c.kind === 'set-default');
  if (sets.length === 0) return columns;
  return columns.map((col) => {
    const s = [...sets]
      .reverse()
      .find((c) => lower(renames.get(lower(c.column)) ?? c.column) === lower(col.name));
    if (!s) return col;
    const { defaultValue: _, ...rest } = col;
    return s.defaultValue === undefined ? rest : { ...rest, defaultValue: s.defaultValue };
  });
}

/** Puts `column` where `position` says, in the layout being built. */
function place(columns: Column[], column: Column, position: AddColumnPosition | undefined): void {
  if (!position || position.kind === 'last') {
    columns.push(column);
    return;
  }
  if (position.kind === 'first') {
    columns.unshift(column);
    return;
  }
  const i = columns.findIndex((c) => lower(c.name) === lower(position.column));
  if (i < 0) throw new AlterMismatch(`${position.kind.toUpperCase()} ${position.column}: no such column`);
  columns.splice(position.kind === 'after' ? i + 1 : i, 0, column);
}

/**
 * CONVERT TO CHARACTER SET: every character column gets it. A new default charset (table option)
 * applies to the columns this statement defines without one.
 */
function convertCharset(columns: Column[], live: readonly AlterClause[]): Column[] {
  const convert = live.findLast((c) => c.kind === 'convert-charset');
  const table = live.findLast((c) => c.kind === 'default-charset' || c.kind === 'convert-charset');
  const inheriting = new Set(
    live.flatMap((c) =>
      (c.kind === 'add-column' || c.kind === 'change-column') && c.inheritsCharset
        ? [lower(c.column.name)]
        : [],
    ),
  );
  if (!table) return columns;
  return columns.map((c) => {
    if (c.type.kind !== 'string') return c;
    const cs =
      convert?.kind === 'convert-charset'
        ? convert.charset
        : inheriting.has(lower(c.name))
          ? table.charset
          : undefined;
    return cs === undefined ? c : { ...c, type: { ...c.type, charset: cs } };
  });
}

function primaryKeyAfter(
  before: TableSchema,
  live: readonly AlterClause[],
  renames: ReadonlyMap<string, string>,
  dropped: ReadonlySet<string>,
): string[] {
  // A dropped column leaves the key; the key's other columns stay a key (MariaDB).
  let pk = before.primaryKeys.filter((k) => !dropped.has(lower(k))).map((k) => renames.get(lower(k)) ?? k);
  // DROP PRIMARY KEY drops the table's key, wherever it stands among the clauses.
  if (live.some((c) => c.kind === 'drop-primary-key')) pk = [];
  for (const c of live) {
    if (c.kind === 'add-primary-key') pk = [...c.columns];
    else if ((c.kind === 'add-column' || c.kind === 'change-column') && c.primaryKey) pk = [c.column.name];
  }
  return pk;
}

/** The schema changes from `before` to `after`, given the statement's drops, renames and adds. */
function changesBetween(
  before: TableSchema,
  after: TableSchema,
  intent: {
    dropped: ReadonlySet<string>;
    renames: ReadonlyMap<string, string>;
    added: readonly AddedColumn[];
    strict: boolean;
  },
): SchemaChange[] {
  const out: SchemaChange[] = [];
  const drops = before.columns.filter((c) => intent.dropped.has(lower(c.name))).map((c) => c.name);
  if (drops.length) out.push({ type: 'drop-column', columns: drops });
  const renames = before.columns.flatMap((c) => {
    const to = intent.renames.get(lower(c.name));
    return to !== undefined && to !== c.name && !intent.dropped.has(lower(c.name))
      ? [{ from: c.name, to }]
      : [];
  });
  if (renames.length) out.push({ type: 'rename-column', renames });
  const addedNames = new Set(intent.added.map((a) => lower(a.column.name)));
  const byName = new Map(after.columns.map((c) => [lower(c.name), c]));
  let cur = fold(before, out);
  const types = cur.columns.flatMap((c) => {
    const a = byName.get(lower(c.name));
    if (!a || addedNames.has(lower(c.name))) return [];
    if (sameColumnType(a.type, c.type) && a.nullable === c.nullable) return [];
    const loss = conversionLoss(c.type, a.type, { from: c.nullable, to: a.nullable }, intent.strict);
    return [
      { column: a.name, type: a.type, nullable: a.nullable, ...(loss ? { existingUnknown: loss } : {}) },
    ];
  });
  if (types.length) out.push({ type: 'alter-column-type', changes: types });
  if (intent.added.length) out.push({ type: 'add-column', columns: intent.added });
  cur = fold(before, out);
  const order = after.columns.map((c) => c.name);
  if (cur.columns.some((c, i) => c.name !== order[i])) out.push({ type: 'reorder-columns', columns: order });
  if (
    !sameNames(
      before.primaryKeys.map((k) => intent.renames.get(lower(k)) ?? k),
      after.primaryKeys,
    )
  ) {
    out.push({ type: 'alter-primary-key', primaryKeys: after.primaryKeys });
  }
  return out;
}

function fold(schema: TableSchema, changes: readonly SchemaChange[]): TableSchema {
  let s: TableSchema | undefined = schema;
  for (const c of changes) s = applySchemaChange(s, c);
  return s!;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => lower(x) === lower(b[i]!));
}
