import type { ChangeEvent, EventMeta, Row, SchemaChange } from '../../event/change-event.js';
import { formatColumnType, sameColumnType, type ColumnType, type Value } from '../../event/column-type.js';
import {
  columnIndex,
  tableIdToString,
  type Column,
  type TableId,
  type TableSchema,
} from '../../event/table-schema.js';
import { STRING_TYPE, widerColumnType } from '../../event/wider-column-type.js';
import type { DecodedChange, JsonRow } from './change-message-decoder.js';
import { jsonValueReader, ValueTypeError, type JsonValueReader } from './json-values.js';
import { JsonNumberText, stringifyJsonExact, type ExactJson } from './parse-json-exact.js';

export type InferenceStrategy = 'continuous' | 'static';

/** A table as the source knows it: kept in the source state, so that a resume has the same schemas. */
export interface InferredTable {
  readonly table: TableId;
  readonly schema: TableSchema;
  /** Columns whose type was guessed from values (not given by the message): they may widen. */
  readonly inferred: readonly string[];
}

const BIGINT: ColumnType = { kind: 'integer', bytes: 8, unsigned: false };
const DOUBLE: ColumnType = { kind: 'double' };

/**
 * The type of a JSON value when the message gives none (Flink CDC's JSON inference, exact where it
 * is not): true/false → BOOLEAN; an integer → BIGINT (DECIMAL(n,0) beyond BIGINT); a fraction →
 * DOUBLE, or DECIMAL(p,s) when its text has more digits than a double holds; a string → STRING;
 * an object or array → JSON; null → STRING until a value says more.
 */
export function inferType(v: ExactJson | undefined): ColumnType {
  if (typeof v === 'boolean') return { kind: 'boolean' };
  // a whole number beyond 2^53 that JSON.parse read was written with an exponent (1e+308):
  // longer digit runs are read as JsonNumberText; a double, not a BIGINT it does not fit
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BIGINT : DOUBLE;
  if (v instanceof JsonNumberText) return inferNumberText(v.text);
  if (v !== null && typeof v === 'object') return { kind: 'json' };
  return STRING_TYPE;
}

function inferNumberText(text: string): ColumnType {
  const m = /^-?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return DOUBLE; // an exponent: Flink's DOUBLE
  const [intDigits, frac = ''] = [m[1]!.replace(/^0+(?=\d)/, ''), m[2]];
  if (frac === '' && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n) return BIGINT;
  const precision = intDigits.length + frac.length;
  return precision <= 65 ? { kind: 'decimal', precision, scale: frac.length } : STRING_TYPE;
}

/** The type an inferred column widens to for a value it cannot hold. */
export function widenInferred(current: ColumnType, value: ColumnType): ColumnType {
  const wider = widerColumnType(current, value);
  if ('type' in wider) return wider.type;
  const numeric = (t: ColumnType): boolean =>
    t.kind === 'integer' || t.kind === 'double' || t.kind === 'float';
  return numeric(current) && numeric(value) ? DOUBLE : STRING_TYPE; // Flink: BIGINT + DOUBLE → DOUBLE
}

/** A value that cannot be its column's type: names the column. */
export class ColumnValueError extends Error {}

export interface Compiled {
  readonly t: InferredTable;
  readonly readers: readonly JsonValueReader[];
  /** The column names as written, for the per-message check that a message brings no new field. */
  readonly names: ReadonlySet<string>;
  /** The column names by their lower case: a field spelled otherwise is that column. */
  readonly byLowerCase: ReadonlyMap<string, string>;
}

/**
 * Turns decoded messages into change events: a `create-table` before a table's first row, an
 * `add-column` before the first row with a new field and an `alter-column-type` before the first
 * value an inferred column cannot hold (continuous), rows in schema order. A field absent from a
 * message is NULL, as in Flink, except in a NOT NULL (key) column: then the message is bad input.
 * Field names are column names, case-insensitive as MySQL's: `ID` is the column `id`.
 */
export class SchemaInference {
  private readonly tables = new Map<string, Compiled>();
  private readonly warnedFields = new Set<string>();
  private cached: readonly InferredTable[] | undefined;

  constructor(
    private readonly strategy: InferenceStrategy,
    private readonly warn: (msg: string, fields: Record<string, unknown>) => void,
    restored: readonly InferredTable[] = [],
  ) {
    for (const t of restored) this.tables.set(tableIdToString(t.table), compile(t));
  }

  /** A create-table for every table known from the restored state (a resume emits them first). */
  restoredCreates(meta: EventMeta): ChangeEvent[] {
    return [...this.tables.values()].map(({ t }) =>
      schemaEvent(t.table, { type: 'create-table', schema: t.schema }, meta),
    );
  }

  /** What reset() goes back to: the tables as they are now. */
  mark(): ReadonlyMap<string, Compiled> {
    return new Map(this.tables);
  }

  reset(mark: ReadonlyMap<string, Compiled>): void {
    this.tables.clear();
    this.cached = undefined;
    for (const [k, v] of mark) this.tables.set(k, v);
  }

  /** The tables, for the source state (the same array until a schema changes: one per checkpoint is cheap). */
  state(): readonly InferredTable[] {
    this.cached ??= [...this.tables.values()].map((c) => c.t);
    return this.cached;
  }

  /** The events of one change; nothing is remembered when it throws (ColumnValueError). */
  toEvents(decoded: DecodedChange, meta: EventMeta): ChangeEvent[] {
    const key = tableIdToString(decoded.table);
    const known = this.tables.get(key);
    // the common case: a known table, no declared types, no new field, every value fits its column
    if (known && decoded.types === undefined && !hasUnknownField(known, decoded)) {
      const event = rowsAsTheyAre(known, decoded, meta);
      if (event) return [event];
    }
    const change = this.spelledAsColumns(known, decoded, meta);
    const events: ChangeEvent[] = [];
    let t = known?.t ?? this.created(change, events, meta);
    if (known && hasUnknownField(known, change)) t = this.withNewFields(t, change, events, meta);
    if (this.strategy === 'continuous') t = retyped(t, change, events, meta);
    const compiled = t === known?.t ? known : compile(t);
    const row = (r: JsonRow | null): Row | null => r && readRow(compiled, r);
    events.push({
      kind: 'data',
      tableId: change.table,
      op: change.op,
      before: row(change.before),
      after: row(change.after),
      meta,
    });
    if (compiled !== known) {
      this.tables.set(key, compiled);
      this.cached = undefined;
    }
    return events;
  }

  /** The change with its fields named as the table's columns (see `columnSpellings`). */
  private spelledAsColumns(
    known: Compiled | undefined,
    change: DecodedChange,
    meta: EventMeta,
  ): DecodedChange {
    const renames = columnSpellings(known, change);
    if (renames === undefined) return change;
    const table = tableIdToString(change.table);
    for (const [field, column] of renames) {
      if (!known?.names.has(column) || this.warnedFields.has(`${table}\u0000${field}`)) continue;
      this.warnedFields.add(`${table}\u0000${field}`);
      this.warn('a field is read as the column its name differs from only by case', {
        table,
        field,
        column,
        at: meta.location,
      });
    }
    return renamedFields(change, renames);
  }

  private created(change: DecodedChange, events: ChangeEvent[], meta: EventMeta): InferredTable {
    const keys = change.primaryKeys ?? [];
    const { columns, inferred } = newColumns(fieldsOf(change), change, keys, change.notNull);
    const t: InferredTable = { table: change.table, schema: { columns, primaryKeys: [...keys] }, inferred };
    events.push(schemaEvent(change.table, { type: 'create-table', schema: t.schema }, meta));
    return t;
  }

  private withNewFields(
    t: InferredTable,
    change: DecodedChange,
    events: ChangeEvent[],
    meta: EventMeta,
  ): InferredTable {
    const fresh = fieldsOf(change).filter((f) => columnIndex(t.schema, f) < 0);
    if (fresh.length === 0) return t;
    if (this.strategy === 'static') {
      const table = tableIdToString(t.table);
      for (const f of fresh.filter((f) => !this.warnedFields.has(`${table}\u0000${f}`))) {
        this.warnedFields.add(`${table}\u0000${f}`);
        this.warn('a new field is ignored (schema.inference.strategy: static)', {
          table,
          field: f,
          at: meta.location,
        });
      }
      return t;
    }
    const { columns, inferred } = newColumns(fresh, change, [], undefined);
    events.push(
      schemaEvent(
        t.table,
        { type: 'add-column', columns: columns.map((column) => ({ column, position: { kind: 'last' } })) },
        meta,
      ),
    );
    return {
      ...t,
      schema: { ...t.schema, columns: [...t.schema.columns, ...columns] },
      inferred: [...t.inferred, ...inferred],
    };
  }
}

/**
 * The renames (field → column name) that make the change's fields spelled as the table's columns,
 * or as the first spelling of the message for a new one; undefined when there is none. Column names
 * are case-insensitive (MySQL's, the sinks'): a field `ID` is the column `id`, never a second one.
 * Two fields of one row naming one column are bad input (ColumnValueError).
 */
function columnSpellings(
  known: Compiled | undefined,
  change: DecodedChange,
): Map<string, string> | undefined {
  let renames: Map<string, string> | undefined;
  const spelled = new Map<string, string>(); // lower case → the spelling the message's new fields take
  for (const r of [change.after, change.before]) {
    if (!r) continue;
    const inRow = new Map<string, string>(); // lower case → the field of this row not spelled as a column
    for (const field in r) {
      if (known?.names.has(field)) continue;
      const lower = field.toLowerCase();
      const column = known?.byLowerCase.get(lower) ?? spelled.get(lower) ?? field;
      spelled.set(lower, column);
      const other = inRow.get(lower) ?? (column !== field && column in r ? column : undefined);
      if (other !== undefined)
        throw new ColumnValueError(
          `the fields ${other} and ${field} name one column (column names are case-insensitive)`,
        );
      inRow.set(lower, field);
      if (column !== field) (renames ??= new Map()).set(field, column);
    }
  }
  return renames;
}

function renamedFields(change: DecodedChange, renames: ReadonlyMap<string, string>): DecodedChange {
  const row = (r: JsonRow | null): JsonRow | null =>
    r && Object.fromEntries(Object.entries(r).map(([k, v]) => [renames.get(k) ?? k, v]));
  const types = change.types && new Map([...change.types].map(([k, t]) => [renames.get(k) ?? k, t]));
  const notNull = change.notNull && new Set([...change.notNull].map((k) => renames.get(k) ?? k));
  return {
    ...change,
    before: row(change.before),
    after: row(change.after),
    ...(types ? { types } : {}),
    ...(notNull ? { notNull } : {}),
  };
}

function fieldsOf(change: DecodedChange): string[] {
  const names = new Set(Object.keys(change.after ?? {}));
  for (const k of Object.keys(change.before ?? {})) names.add(k);
  return [...names];
}

/**
 * Columns of new fields: typed as the message declares, else inferred from their values. NOT NULL:
 * key columns, and at the table's creation those the message declares `optional: false` (a column
 * added later is nullable: the rows before it have no value of it).
 */
function newColumns(
  fields: readonly string[],
  change: DecodedChange,
  keys: readonly string[],
  notNull: ReadonlySet<string> | undefined,
): { columns: Column[]; inferred: string[] } {
  const inferred: string[] = [];
  const columns = fields.map((name): Column => {
    let type = change.types?.get(name);
    if (!type) {
      type = inferType(change.after?.[name] ?? change.before?.[name]);
      inferred.push(name);
    }
    return { name, type, nullable: !keys.includes(name) && !notNull?.has(name) };
  });
  return { columns, inferred };
}

/**
 * Column types that change with this message (continuous), with their event: the type the message
 * gives when it differs (the source table was altered), or an inferred column widened for a value
 * it cannot hold. A column the message gives a type for is inferred no more.
 */
function retyped(
  t: InferredTable,
  change: DecodedChange,
  events: ChangeEvent[],
  meta: EventMeta,
): InferredTable {
  if (!retypes(t, change)) return t; // the common case, without allocating per message
  const given = change.types;
  const changes: { column: string; type: ColumnType; nullable: boolean }[] = [];
  const columns = t.schema.columns.map((c) => {
    const type = given?.get(c.name) ?? (t.inferred.includes(c.name) ? widenedFor(c, change) : c.type);
    const nullable = c.nullable || becomesNullable(t, c, change);
    if (sameColumnType(type, c.type) && nullable === c.nullable) return c;
    changes.push({ column: c.name, type, nullable });
    return { ...c, type, nullable };
  });
  const inferred = given ? t.inferred.filter((name) => !given.has(name)) : t.inferred;
  if (changes.length > 0) events.push(schemaEvent(t.table, { type: 'alter-column-type', changes }, meta));
  if (changes.length === 0 && inferred.length === t.inferred.length) return t;
  return { ...t, schema: { ...t.schema, columns }, inferred };
}

/** Whether retyped changes anything: a given type that differs, a value an inferred column cannot hold. */
function retypes(t: InferredTable, change: DecodedChange): boolean {
  const given = change.types;
  for (const c of t.schema.columns) {
    const type = given?.get(c.name);
    if (type !== undefined) {
      if (!sameColumnType(type, c.type) || t.inferred.includes(c.name) || becomesNullable(t, c, change))
        return true;
    } else if (t.inferred.includes(c.name) && !holds(c, change)) return true;
  }
  return false;
}

/**
 * A NOT NULL column that is no key, which the message's schema declares optional (the source
 * table's column was made nullable). Never the other way: rows in the sink may hold NULLs.
 */
function becomesNullable(t: InferredTable, c: Column, change: DecodedChange): boolean {
  return (
    !c.nullable &&
    change.types?.has(c.name) === true &&
    change.notNull?.has(c.name) !== true &&
    !t.schema.primaryKeys.includes(c.name)
  );
}

/** Whether the column's type holds the change's values of it. */
function holds(c: Column, change: DecodedChange): boolean {
  const b = change.before?.[c.name];
  const a = change.after?.[c.name];
  return (b === undefined || fits(c.type, b)) && (a === undefined || fits(c.type, a));
}

/** The type of an inferred column that holds the values of this change. */
function widenedFor(c: Column, change: DecodedChange): ColumnType {
  let type = c.type;
  for (const r of [change.before, change.after]) {
    const v = r?.[c.name];
    if (v !== undefined && !fits(type, v)) type = widenInferred(type, inferType(v));
  }
  return type;
}

/** Readers by type object: `fits` runs per inferred value of every message. */
const fitReaders = new WeakMap<ColumnType, JsonValueReader>();

function fits(type: ColumnType, v: ExactJson): boolean {
  let read = fitReaders.get(type);
  if (read === undefined) fitReaders.set(type, (read = inferredReader(type)));
  try {
    read(v);
    return true;
  } catch (e) {
    if (e instanceof ValueTypeError) return false;
    throw e;
  }
}

/** An inferred STRING column holds any value as its JSON text (a column widened to STRING). */
function inferredReader(type: ColumnType): JsonValueReader {
  const read = jsonValueReader(type);
  if (type.kind !== 'string') return read;
  return (v) => (v === null || v === undefined || typeof v === 'string' ? read(v) : stringifyJsonExact(v));
}

function compile(t: InferredTable): Compiled {
  const readers = t.schema.columns.map((c) => {
    const read = t.inferred.includes(c.name) ? inferredReader(c.type) : jsonValueReader(c.type);
    return c.nullable ? read : notNullReader(read);
  });
  const names = t.schema.columns.map((c) => c.name);
  return {
    t,
    readers,
    names: new Set(names),
    byLowerCase: new Map(names.map((n) => [n.toLowerCase(), n])),
  };
}

/**
 * A NOT NULL column (a key) has a value in every row: a message without it is bad input, never a
 * NULL in the key (the sink would refuse it, or merge rows under it).
 */
function notNullReader(read: JsonValueReader): JsonValueReader {
  return (v) => {
    if (v === undefined)
      throw new ValueTypeError('the message has no such field, and the column is NOT NULL');
    if (v === null) throw new ValueTypeError('null in a NOT NULL column');
    return read(v);
  };
}

/** Whether a message has a field that is not a column by its exact name (then see withNewFields). */
function hasUnknownField(c: Compiled, change: DecodedChange): boolean {
  for (const r of [change.after, change.before]) if (r) for (const k in r) if (!c.names.has(k)) return true;
  return false;
}

function readRow(c: Compiled, r: JsonRow): Row {
  return c.t.schema.columns.map((col, i) => {
    try {
      return c.readers[i]!(r[col.name]);
    } catch (e) {
      if (!(e instanceof ValueTypeError)) throw e;
      throw new ColumnValueError(`column ${col.name} ${formatColumnType(col.type)}: ${e.message}`);
    }
  });
}

/**
 * The row event of a change under the table's current columns, or undefined when a value does not
 * fit its column (toEvents then widens an inferred column, or reports the value).
 */
function rowsAsTheyAre(c: Compiled, change: DecodedChange, meta: EventMeta): ChangeEvent | undefined {
  const before = change.before && readFitting(c, change.before);
  const after = change.after && readFitting(c, change.after);
  if (before === undefined || after === undefined) return undefined;
  return { kind: 'data', tableId: change.table, op: change.op, before, after, meta };
}

function readFitting(c: Compiled, r: JsonRow): Row | undefined {
  const { columns } = c.t.schema;
  const row: Value[] = new Array<Value>(columns.length);
  try {
    for (let i = 0; i < columns.length; i++) row[i] = c.readers[i]!(r[columns[i]!.name]);
  } catch (e) {
    if (e instanceof ValueTypeError) return undefined;
    throw e;
  }
  return row;
}

function schemaEvent(tableId: TableId, change: SchemaChange, meta: EventMeta): ChangeEvent {
  return { kind: 'schema', tableId, change, meta };
}
