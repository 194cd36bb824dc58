import type {
  DataChangeEvent,
  Row,
  SchemaChange,
  SchemaChangeEvent,
  SchemaChangeType,
} from '../event/change-event.js';
import { assertNever, sameColumnType } from '../event/column-type.js';
import type { JsonValue } from '../event/json-value.js';
import { applySchemaChange } from '../event/schema-change.js';
import type { Column, TableId, TableSchema } from '../event/table-schema.js';
import { columnIndex, sameTableId, tableIdToString } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import type { SchemaChangeBehavior } from '../pipeline-spec/pipeline-spec.js';
import { ALL_SCHEMA_CHANGE_TYPES, type SinkSchemaCapabilities } from './sink.js';

/** Maps a source table to its sink table (routing); identity when no route matches. */
export interface TableRouter {
  route(source: TableId): TableId;
}

export const identityRouter: TableRouter = { route: (t) => t };

/** Rewrites a source table's schema before it reaches the sink (transform `primary-keys`, ...). */
export type SchemaTransform = (source: TableId, schema: TableSchema) => TableSchema;

/** A change to apply to a sink table, with the sink table's schema after it. */
export interface SinkSchemaChange {
  readonly tableId: TableId;
  readonly change: SchemaChange;
  /** The sink table's schema before this change (the one it keeps if the sink refuses it). */
  readonly schemaBefore: TableSchema | undefined;
  readonly schemaAfter: TableSchema | undefined;
}

interface Mapping {
  readonly sink: TableId;
  readonly sinkKey: string;
  /** sink column i takes source column indexes[i] (-1 = NULL); null = identical layout. */
  readonly indexes: Int32Array | null;
}

/** The sink's schema capabilities, and where to say what was left out. */
export interface SinkFit {
  readonly capabilities: SinkSchemaCapabilities;
  /** The change types the user lets through (`include/exclude.schema.changes`); default: all. */
  readonly accepted?: ReadonlySet<SchemaChangeType>;
  readonly warn: (msg: string, fields: Record<string, unknown>) => void;
  /** Says a change the user excluded was left out. */
  readonly info?: (msg: string, fields: Record<string, unknown>) => void;
}

const ALL_CHANGES: SinkSchemaCapabilities = { applies: ALL_SCHEMA_CHANGE_TYPES, columnPositions: true };

/**
 * Flink CDC's SchemaOperator: keeps the schema of every source table and of every sink table,
 * turns source schema changes into sink schema changes according to `schema.change.behavior` and
 * routing (several source tables may merge into one sink table), and reshapes rows from the
 * source layout into the sink layout by column name.
 *
 * Beyond Flink CDC: primary-key changes re-key the sink table (not under `ignore`); column moves
 * reach the sink under `evolve`; a renamed table keeps its rows: the sink table is renamed (or
 * merged into the table the new name routes to), except under `ignore`, where the rows of the
 * renamed table keep going to the old sink table.
 */
export class SchemaOperator {
  private readonly sourceSchemas = new Map<string, TableSchema>();
  /** The ids of the source tables in sourceSchemas. */
  private readonly sourceIds = new Map<string, TableId>();
  private readonly sinkSchemas = new Map<string, { id: TableId; schema: TableSchema }>();
  private readonly mappings = new Map<string, Mapping>();
  /** `ignore`: source tables renamed while schema changes were ignored → the sink table they keep. */
  private readonly aliases = new Map<string, TableId>();

  constructor(
    private readonly router: TableRouter,
    private readonly behavior: SchemaChangeBehavior,
    restored?: JsonValue,
    private readonly transform?: SchemaTransform,
    private readonly sink: SinkFit = { capabilities: ALL_CHANGES, warn: () => undefined },
  ) {
    if (restored && typeof restored === 'object' && !Array.isArray(restored)) {
      const r = restored as {
        sinkSchemas?: { id: TableId; schema: TableSchema }[];
        aliases?: [string, TableId][];
      };
      for (const s of r.sinkSchemas ?? []) this.sinkSchemas.set(tableIdToString(s.id), s);
      for (const [k, id] of r.aliases ?? []) this.aliases.set(k, id);
    }
  }

  /** The runner's state for the checkpoint. */
  snapshotState(): JsonValue {
    return {
      sinkSchemas: [...this.sinkSchemas.values()],
      ...(this.aliases.size ? { aliases: [...this.aliases] } : {}),
    } as unknown as JsonValue;
  }

  sinkSchema(sink: TableId): TableSchema | undefined {
    return this.sinkSchemas.get(tableIdToString(sink))?.schema;
  }

  private sinkOf(source: TableId): TableId {
    return this.aliases.get(tableIdToString(source)) ?? this.router.route(source);
  }

  onSchemaChange(ev: SchemaChangeEvent): SinkSchemaChange[] {
    const key = tableIdToString(ev.tableId);
    const before = this.sourceSchemas.get(key);
    let after: TableSchema | undefined;
    try {
      after = applySchemaChange(before, ev.change);
    } catch (e) {
      throw new TidemarkError(
        'SOURCE_SCHEMA',
        `table ${key}: ${(e as Error).message}${ev.ddl ? ` (DDL: ${ev.ddl})` : ''}`,
      );
    }
    const change = ev.change;
    if (change.type === 'rename-table') return this.onRename(ev, change.to, after);
    if (after && this.transform) after = this.transform(ev.tableId, after);
    if (change.type === 'create-table' && after)
      ev = { ...ev, change: { type: 'create-table', schema: after } };
    // (a create-table of a renamed table under `ignore` is the source replaying it on restart:
    // its rows keep going to the sink table of its old name)
    if (change.type === 'drop-table') this.aliases.delete(key);
    if (after) {
      this.sourceSchemas.set(key, after);
      this.sourceIds.set(key, ev.tableId);
    } else {
      this.sourceSchemas.delete(key);
      this.sourceIds.delete(key);
    }
    this.mappings.delete(key);

    const sinkId = this.sinkOf(ev.tableId);
    const current = this.sinkSchemas.get(tableIdToString(sinkId))?.schema;
    const derived = this.deriveSinkChanges(ev, current, before, after);
    return this.applyToSink(sinkId, this.fitToSink(ev, sinkId, derived));
  }

  /**
   * The derived changes as the sink can apply them: a change type the user excluded is left out; a
   * type the sink does not apply is a clear error under `evolve` and skipped with a warning otherwise; without
   * column positions, added columns go last and reorders are left out.
   */
  private fitToSink(
    ev: SchemaChangeEvent,
    sinkId: TableId,
    changes: readonly SchemaChange[],
  ): SchemaChange[] {
    const caps = this.sink.capabilities;
    const out: SchemaChange[] = [];
    for (const c of changes) {
      if (this.sink.accepted && !this.sink.accepted.has(c.type)) {
        this.sink.info?.(
          `${c.type} of ${tableIdToString(sinkId)} not applied: excluded by the sink's include/exclude.schema.changes`,
          { table: tableIdToString(ev.tableId), change: c.type },
        );
        continue;
      }
      if (!caps.applies.includes(c.type)) {
        const what = `the sink cannot apply ${c.type} to ${tableIdToString(sinkId)} (table ${tableIdToString(ev.tableId)}${ev.ddl ? `, DDL: ${ev.ddl}` : ''}${ev.meta.location ? ` at ${ev.meta.location}` : ''})`;
        if (this.behavior === 'evolve') {
          throw new TidemarkError(
            'SINK_SCHEMA',
            `${what}; with schema.change.behavior: try_evolve or lenient the pipeline goes on without such changes`,
          );
        }
        this.sink.warn(`${what}: skipped`, { table: tableIdToString(ev.tableId), change: c.type });
        continue;
      }
      if (!caps.columnPositions && c.type === 'reorder-columns') continue;
      if (
        !caps.columnPositions &&
        c.type === 'add-column' &&
        c.columns.some((a) => a.position.kind !== 'last')
      ) {
        out.push({ ...c, columns: c.columns.map((a) => ({ ...a, position: { kind: 'last' } as const })) });
        continue;
      }
      out.push(c);
    }
    return out;
  }

  /** Applies derived changes to the sink table's schema and says them to the sink. */
  private applyToSink(sinkId: TableId, changes: readonly SchemaChange[]): SinkSchemaChange[] {
    const sinkKey = tableIdToString(sinkId);
    let schema = this.sinkSchemas.get(sinkKey)?.schema;
    const out: SinkSchemaChange[] = [];
    for (const change of changes) {
      const schemaBefore = schema;
      schema = applySchemaChange(schema, change);
      out.push({ tableId: sinkId, change, schemaBefore, schemaAfter: schema });
    }
    if (schema) this.sinkSchemas.set(sinkKey, { id: sinkId, schema });
    else this.sinkSchemas.delete(sinkKey);
    this.dropMappingsOf(sinkKey);
    return out;
  }

  /** Any source table routed to this sink table needs its row mapping recomputed. */
  private dropMappingsOf(sinkKey: string): void {
    for (const [k, m] of this.mappings) if (m.sinkKey === sinkKey) this.mappings.delete(k);
  }

  /** RENAME TABLE: the rows move with the table (see the class comment). */
  private onRename(ev: SchemaChangeEvent, to: TableId, schema: TableSchema | undefined): SinkSchemaChange[] {
    const fromKey = tableIdToString(ev.tableId);
    const toKey = tableIdToString(to);
    const fromSink = this.sinkOf(ev.tableId);
    if (this.behavior === 'exception') throw this.exceptionError(ev);
    this.sourceSchemas.delete(fromKey);
    this.sourceIds.delete(fromKey);
    this.aliases.delete(fromKey);
    this.aliases.delete(toKey);
    this.mappings.delete(fromKey);
    this.mappings.delete(toKey);
    if (!schema) return [];
    this.sourceSchemas.set(toKey, this.transform ? this.transform(to, schema) : schema);
    this.sourceIds.set(toKey, to);
    const toSink = this.router.route(to);
    if (this.behavior === 'ignore') {
      if (!sameTableId(fromSink, toSink)) this.aliases.set(toKey, fromSink);
      return [];
    }
    if (sameTableId(fromSink, toSink)) return [];
    const fromSinkKey = tableIdToString(fromSink);
    const sharer = [...this.sourceIds].find(
      ([k, id]) => k !== toKey && tableIdToString(this.sinkOf(id)) === fromSinkKey,
    )?.[0];
    if (sharer !== undefined) {
      throw new TidemarkError(
        'SINK_SCHEMA',
        `table ${fromKey} was renamed to ${toKey}${ev.ddl ? ` (${ev.ddl})` : ''}, but its sink table ${fromSinkKey} ` +
          `also holds the rows of ${sharer}: they cannot be told apart to move them to ${tableIdToString(toSink)}. ` +
          'Route the renamed table to the same sink table, or snapshot again',
        { details: { table: fromKey, position: ev.meta.location } },
      );
    }
    const moving = this.sinkSchemas.get(fromSinkKey)?.schema;
    if (!moving) return [];
    const target = this.sinkSchemas.get(tableIdToString(toSink))?.schema;
    const merged = target
      ? {
          ...target,
          columns: [
            ...target.columns,
            ...moving.columns.filter((c) => columnIndex(target, c.name) < 0).map(nullable),
          ],
        }
      : moving;
    this.sinkSchemas.delete(fromSinkKey);
    this.sinkSchemas.set(tableIdToString(toSink), { id: toSink, schema: merged });
    this.dropMappingsOf(fromSinkKey);
    this.dropMappingsOf(tableIdToString(toSink));
    return [
      {
        tableId: fromSink,
        change: { type: 'rename-table', to: toSink },
        schemaBefore: moving,
        schemaAfter: merged,
      },
    ];
  }

  /**
   * The sink refused `c` and kept the table as it was (`try_evolve`): rows are mapped onto that
   * schema from now on. Only a change to one existing table can be skipped so; false otherwise.
   */
  sinkRefused(c: SinkSchemaChange): boolean {
    if (!c.schemaBefore || c.change.type === 'create-table' || c.change.type === 'rename-table') return false;
    const sinkKey = tableIdToString(c.tableId);
    this.sinkSchemas.set(sinkKey, { id: c.tableId, schema: c.schemaBefore });
    this.dropMappingsOf(sinkKey);
    return true;
  }

  private exceptionError(ev: SchemaChangeEvent): TidemarkError {
    const where = tableIdToString(ev.tableId);
    return new TidemarkError(
      'SOURCE_SCHEMA',
      `schema change ${ev.change.type} on ${where}${ev.ddl ? ` (${ev.ddl})` : ''}${ev.meta.location ? ` at ${ev.meta.location}` : ''} ` +
        'and schema.change.behavior is exception: change the behaviour or restore the schema',
      { details: { table: where, ...(ev.meta.location ? { position: ev.meta.location } : {}) } },
    );
  }

  private deriveSinkChanges(
    ev: SchemaChangeEvent,
    sink: TableSchema | undefined,
    before: TableSchema | undefined,
    after: TableSchema | undefined,
  ): SchemaChange[] {
    const change = ev.change;
    const where = tableIdToString(ev.tableId);
    if (change.type === 'create-table') {
      if (!sink) return [change];
      // The sink table exists (restart, or another shard merged into it): re-announce it to the
      // sink (create-table is idempotent there) with the columns it lacks appended.
      const missing = change.schema.columns.filter((c) => columnIndex(sink, c.name) < 0);
      if (missing.length > 0 && this.behavior === 'exception') {
        throw new TidemarkError(
          'SINK_SCHEMA',
          `table ${where} has columns the sink table lacks (${missing.map((c) => c.name).join(', ')}) and schema.change.behavior is exception`,
        );
      }
      const add = this.behavior === 'ignore' ? [] : missing.map(nullable);
      return [{ type: 'create-table', schema: { ...sink, columns: [...sink.columns, ...add] } }];
    }
    if (this.behavior === 'exception') throw this.exceptionError(ev);
    if (this.behavior === 'ignore' || !sink) return [];
    const evolve = this.behavior === 'evolve' || this.behavior === 'try_evolve';
    return evolve ? evolveChanges(change, sink, after) : lenientChanges(change, sink, before);
  }
  /** The row event in sink terms (sink table id, sink column layout). */
  onDataChange(ev: DataChangeEvent): DataChangeEvent {
    const key = tableIdToString(ev.tableId);
    let m = this.mappings.get(key);
    if (!m) {
      m = this.buildMapping(ev.tableId, key);
      this.mappings.set(key, m);
    }
    if (m.indexes === null) return m.sink === ev.tableId ? ev : { ...ev, tableId: m.sink };
    const idx = m.indexes;
    const reshape = (row: Row | null): Row | null => {
      if (row === null) return null;
      const out = new Array<Row[number]>(idx.length);
      for (let i = 0; i < idx.length; i++) {
        const j = idx[i]!;
        out[i] = j < 0 ? null : row[j];
      }
      return out;
    };
    return { ...ev, tableId: m.sink, before: reshape(ev.before), after: reshape(ev.after) };
  }

  private buildMapping(source: TableId, key: string): Mapping {
    const src = this.sourceSchemas.get(key);
    if (!src) {
      throw new TidemarkError('SOURCE_SCHEMA', `row event for ${key} before its schema is known`, {
        details: { table: key },
      });
    }
    const sink = this.sinkOf(source);
    const sinkKey = tableIdToString(sink);
    const dst = this.sinkSchemas.get(sinkKey)?.schema;
    if (!dst) throw new TidemarkError('INTERNAL', `sink table ${sinkKey} has no schema (routing ${key})`);
    const indexes = new Int32Array(dst.columns.length);
    let identity = dst.columns.length === src.columns.length;
    dst.columns.forEach((c, i) => {
      const j = columnIndex(src, c.name);
      indexes[i] = j;
      if (j !== i) identity = false;
    });
    return { sink, sinkKey, indexes: identity ? null : indexes };
  }
}

function nullable(c: Column): Column {
  return c.nullable ? c : { ...c, nullable: true };
}

const has = (s: TableSchema, name: string): boolean => columnIndex(s, name) >= 0;

/** `evolve`/`try_evolve`: the change as it is, limited to the columns the sink table has. */
function evolveChanges(
  change: SchemaChange,
  sink: TableSchema,
  after: TableSchema | undefined,
): SchemaChange[] {
  switch (change.type) {
    case 'add-column': {
      const columns = change.columns.filter((c) => !has(sink, c.column.name));
      return columns.length ? [{ ...change, columns }] : [];
    }
    case 'drop-column': {
      const columns = change.columns.filter((c) => has(sink, c));
      return columns.length ? [{ type: 'drop-column', columns }] : [];
    }
    case 'rename-column': {
      const renames = change.renames.filter((r) => has(sink, r.from));
      return renames.length ? [{ type: 'rename-column', renames }] : [];
    }
    case 'alter-column-type': {
      const changes = change.changes.filter((c) => has(sink, c.column));
      return changes.length ? [{ type: 'alter-column-type', changes }] : [];
    }
    case 'reorder-columns': {
      // Only a sink table with exactly the source's columns takes the source's order.
      const same =
        after !== undefined &&
        sink.columns.length === change.columns.length &&
        change.columns.every((c) => has(sink, c));
      return same ? [change] : [];
    }
    case 'alter-primary-key':
      return change.primaryKeys.every((k) => has(sink, k)) ? [change] : [];
    case 'drop-table':
    case 'truncate-table':
      return [change];
    case 'create-table':
    case 'rename-table':
      return [];
    default:
      return assertNever(change, 'schema change');
  }
}

/**
 * `lenient` (Flink CDC): nothing is lost. Added columns go last and nullable (a column added again
 * after a drop reuses the kept column, widened to the new type); drops and table drops/truncates
 * are ignored; a renamed column is added under its new name; types change with nullable columns.
 */
function lenientChanges(
  change: SchemaChange,
  sink: TableSchema,
  before: TableSchema | undefined,
): SchemaChange[] {
  switch (change.type) {
    case 'add-column': {
      const add = change.columns
        .filter((c) => !has(sink, c.column.name))
        .map((c) => ({ ...c, column: nullable(c.column), position: { kind: 'last' } as const }));
      const retype = change.columns
        .filter((c) => has(sink, c.column.name))
        .map((c) => ({
          column: sink.columns[columnIndex(sink, c.column.name)]!.name,
          type: c.column.type,
          nullable: true,
        }))
        .filter((c) => !sameColumnType(sink.columns[columnIndex(sink, c.column)]!.type, c.type));
      return [
        ...(retype.length ? [{ type: 'alter-column-type' as const, changes: retype }] : []),
        ...(add.length ? [{ type: 'add-column' as const, columns: add }] : []),
      ];
    }
    case 'rename-column': {
      const added: Column[] = [];
      for (const r of change.renames) {
        const col = before?.columns.find((c) => c.name.toLowerCase() === r.from.toLowerCase());
        if (col && !has(sink, r.to)) added.push(nullable({ ...col, name: r.to }));
      }
      return added.length
        ? [{ type: 'add-column', columns: added.map((c) => ({ column: c, position: { kind: 'last' } })) }]
        : [];
    }
    case 'alter-column-type': {
      const changes = change.changes
        .filter((c) => has(sink, c.column))
        .map((c) => ({ ...c, nullable: true }));
      return changes.length ? [{ type: 'alter-column-type', changes }] : [];
    }
    case 'alter-primary-key':
      return change.primaryKeys.every((k) => has(sink, k)) ? [change] : [];
    case 'drop-column':
    case 'reorder-columns':
    case 'drop-table':
    case 'truncate-table':
    case 'create-table':
    case 'rename-table':
      return [];
    default:
      return assertNever(change, 'schema change');
  }
}
