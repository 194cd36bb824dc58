import type {
  DataChangeEvent,
  SchemaChange,
  SchemaChangeEvent,
  SchemaChangeType,
} from '../event/change-event.js';
import { assertNever, formatColumnType, sameColumnType } from '../event/column-type.js';
import type { JsonValue } from '../event/json-value.js';
import { applySchemaChange } from '../event/schema-change.js';
import type { Column, TableId, TableSchema } from '../event/table-schema.js';
import { columnIndex, sameTableId, tableIdToString } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import type { SchemaChangeBehavior } from '../pipeline-spec/pipeline-spec.js';
import { mergedSinkSchema, sinkSchemaDifference, type Upstream } from './merged-sink-schema.js';
import { mapRowEvent, rowMapping, type RowMapping } from './row-mapping.js';
import { ALL_SCHEMA_CHANGE_TYPES, type SinkSchemaCapabilities } from './sink.js';

/** A sink table a source table is routed to. */
export interface RouteTarget {
  readonly sink: TableId;
  /** Add the source's database and table name as columns, first in the key (`route[].shard-columns`). */
  readonly shardColumns: boolean;
}

/** Maps a source table to its sink tables (routing): one or more; itself when no route matches. */
export interface TableRouter {
  route(source: TableId): readonly RouteTarget[];
  /** Warnings about route rules that match none of the captured tables (called at start). */
  unmatchedRules?(captured: readonly TableId[]): string[];
}

export const identityRouter: TableRouter = { route: (t) => [{ sink: t, shardColumns: false }] };

/** A change to apply to a sink table, with the sink table's schema after it. */
export interface SinkSchemaChange {
  readonly tableId: TableId;
  readonly change: SchemaChange;
  /** The sink table's schema before this change (the one it keeps if the sink refuses it). */
  readonly schemaBefore: TableSchema | undefined;
  readonly schemaAfter: TableSchema | undefined;
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
 * routing, and reshapes rows from the source layout into the sink layout by column name.
 *
 * Routing is one-to-many: a source table's changes and rows go to each of its sink tables. A sink
 * table with several source tables (a sharded merge), or with shard columns, evolves as Flink CDC
 * evolves merged tables: its schema is the union of its source tables' schemas with every type
 * widened to hold them all (mergedSinkSchema); columns are added and widened, never dropped or
 * renamed; a drop or truncate of one source table leaves the others' rows. Rows are padded with
 * NULL and their values coerced exactly into the widened types (rowMapping).
 *
 * Beyond Flink CDC: primary-key changes re-key the sink table (not under `ignore`); column moves
 * reach the sink under `evolve`; a renamed table keeps its rows: the sink table is renamed (or
 * merged into the table the new name routes to), except under `ignore` or when the sink options
 * exclude `rename.table`, where the rows of the renamed table keep going to the old sink table.
 */
export class SchemaOperator {
  private readonly sourceSchemas = new Map<string, TableSchema>();
  /** The ids of the source tables in sourceSchemas. */
  private readonly sourceIds = new Map<string, TableId>();
  /** The sink tables of the source tables in sourceSchemas, as they were indexed in `upstreams`. */
  private readonly sourceTargets = new Map<string, readonly RouteTarget[]>();
  /** Sink table → the source tables routed to it. */
  private readonly upstreams = new Map<string, Set<string>>();
  private readonly sinkSchemas = new Map<string, { id: TableId; schema: TableSchema }>();
  /** Source table → how its rows go to each of its sink tables. */
  private readonly mappings = new Map<string, readonly RowMapping[]>();
  /**
   * Source tables renamed while their sink tables kept their names (`ignore`, or rename.table
   * excluded by the sink options) → the sink tables they keep.
   */
  private readonly aliases = new Map<string, readonly RouteTarget[]>();

  constructor(
    private readonly router: TableRouter,
    private readonly behavior: SchemaChangeBehavior,
    restored?: JsonValue,
    private readonly sink: SinkFit = { capabilities: ALL_CHANGES, warn: () => undefined },
  ) {
    if (restored && typeof restored === 'object' && !Array.isArray(restored)) {
      const r = restored as {
        sinkSchemas?: { id: TableId; schema: TableSchema }[];
        aliases?: [string, TableId | RouteTarget[]][];
      };
      for (const s of r.sinkSchemas ?? []) this.sinkSchemas.set(tableIdToString(s.id), s);
      for (const [k, to] of r.aliases ?? []) {
        // (checkpoints before one-to-many routing hold one sink table id)
        this.aliases.set(k, Array.isArray(to) ? to : [{ sink: to, shardColumns: false }]);
      }
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

  private targetsOf(source: TableId): readonly RouteTarget[] {
    return this.aliases.get(tableIdToString(source)) ?? this.router.route(source);
  }

  /** Records a source table's schema, and indexes it under its sink tables. */
  private setSource(key: string, id: TableId, schema: TableSchema): void {
    this.unindex(key);
    this.sourceSchemas.set(key, schema);
    this.sourceIds.set(key, id);
    const targets = this.targetsOf(id);
    this.sourceTargets.set(key, targets);
    for (const t of targets) {
      const sinkKey = tableIdToString(t.sink);
      let set = this.upstreams.get(sinkKey);
      if (!set) this.upstreams.set(sinkKey, (set = new Set()));
      set.add(key);
    }
  }

  private deleteSource(key: string): void {
    this.unindex(key);
    this.sourceSchemas.delete(key);
    this.sourceIds.delete(key);
  }

  private unindex(key: string): void {
    for (const t of this.sourceTargets.get(key) ?? [])
      this.upstreams.get(tableIdToString(t.sink))?.delete(key);
    this.sourceTargets.delete(key);
  }

  /** The source tables routed to a sink table, with their schemas. */
  private upstreamsOf(sinkKey: string): Upstream[] {
    return [...(this.upstreams.get(sinkKey) ?? [])].map((k) => ({
      id: this.sourceIds.get(k)!,
      schema: this.sourceSchemas.get(k)!,
      shardColumns:
        this.sourceTargets.get(k)?.find((t) => tableIdToString(t.sink) === sinkKey)?.shardColumns ?? false,
    }));
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
    if (change.type === 'create-table' && after)
      ev = { ...ev, change: { type: 'create-table', schema: after } };
    // (a create-table of a renamed table whose sink table kept its name is the source replaying it on restart:
    // its rows keep going to the sink table of its old name)
    if (change.type === 'drop-table') this.aliases.delete(key);
    const targets = this.targetsOf(ev.tableId);
    if (after) this.setSource(key, ev.tableId, after);
    else this.deleteSource(key);
    this.mappings.delete(key);
    return targets.flatMap((t) => this.changeSink(ev, t, before, after));
  }

  /** The sink changes one source schema change makes in one of its sink tables. */
  private changeSink(
    ev: SchemaChangeEvent,
    target: RouteTarget,
    before: TableSchema | undefined,
    after: TableSchema | undefined,
  ): SinkSchemaChange[] {
    const sinkId = target.sink;
    const sinkKey = tableIdToString(sinkId);
    const current = this.sinkSchemas.get(sinkKey)?.schema;
    const upstreams = this.upstreamsOf(sinkKey);
    const type = ev.change.type;
    const others = upstreams.filter((u) => !sameTableId(u.id, ev.tableId));
    let derived: SchemaChange[];
    if ((type === 'drop-table' || type === 'truncate-table') && others.length > 0) {
      derived = this.keepSharedTable(ev, sinkId, others);
    } else if (after && (target.shardColumns || upstreams.length > 1)) {
      derived = this.deriveMergedChanges(ev, sinkId, current, upstreams);
    } else {
      derived = this.deriveSinkChanges(ev, current, before, after);
    }
    return this.applyToSink(sinkId, this.fitToSink(ev, sinkId, derived));
  }

  /** A drop or truncate of one source table of a merged sink table: the others' rows stay. */
  private keepSharedTable(
    ev: SchemaChangeEvent,
    sinkId: TableId,
    others: readonly Upstream[],
  ): SchemaChange[] {
    if (this.behavior === 'exception') throw this.exceptionError(ev);
    if (this.behavior === 'evolve' || this.behavior === 'try_evolve') {
      const table = tableIdToString(ev.tableId);
      this.sink.warn(
        `${ev.change.type} of ${table} is not applied to sink table ${tableIdToString(sinkId)}: it also holds ` +
          `the rows of ${others.map((u) => tableIdToString(u.id)).join(', ')}`,
        { table, change: ev.change.type },
      );
    }
    return [];
  }

  /**
   * A sink table merged from several source tables, or with shard columns: the changes that make
   * it hold every source table's rows (Flink CDC's merged-table derivation), as the behaviour lets
   * them through: none but the first create under `ignore`, an error under `exception`.
   */
  private deriveMergedChanges(
    ev: SchemaChangeEvent,
    sinkId: TableId,
    current: TableSchema | undefined,
    upstreams: readonly Upstream[],
  ): SchemaChange[] {
    const create = ev.change.type === 'create-table';
    if (!create && this.behavior === 'exception') throw this.exceptionError(ev);
    // the sink table exists (restart, or another source table created it): re-announce it to the
    // sink (create-table is idempotent there)
    const reannounce: SchemaChange[] = create && current ? [{ type: 'create-table', schema: current }] : [];
    if (current && this.behavior === 'ignore') return reannounce;
    const changes = sinkSchemaDifference(current, mergedSinkSchema(sinkId, current, upstreams));
    if (current && changes.length > 0 && this.behavior === 'exception') {
      throw new TidemarkError(
        'SINK_SCHEMA',
        `table ${tableIdToString(ev.tableId)} needs sink table ${tableIdToString(sinkId)} changed (${changes.map((c) => c.type).join(', ')}) and schema.change.behavior is exception`,
      );
    }
    if (this.behavior !== 'lenient' && this.behavior !== 'ctas') return [...reannounce, ...changes];
    return [...reannounce, ...changes.map(lenientAdd)];
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
      if (!this.letThrough(ev, sinkId, c.type)) continue;
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

  /**
   * Whether a change type reaches the sink table: not when the user excluded it (said as info);
   * one the sink does not apply is a clear error under `evolve` and skipped with a warning otherwise.
   */
  private letThrough(ev: SchemaChangeEvent, sinkId: TableId, type: SchemaChangeType): boolean {
    if (this.sink.accepted && !this.sink.accepted.has(type)) {
      this.sink.info?.(
        `${type} of ${tableIdToString(sinkId)} not applied: excluded by the sink's include/exclude.schema.changes`,
        { table: tableIdToString(ev.tableId), change: type },
      );
      return false;
    }
    if (this.sink.capabilities.applies.includes(type)) return true;
    const what = `the sink cannot apply ${type} to ${tableIdToString(sinkId)} (table ${tableIdToString(ev.tableId)}${ev.ddl ? `, DDL: ${ev.ddl}` : ''}${ev.meta.location ? ` at ${ev.meta.location}` : ''})`;
    if (this.behavior === 'evolve') {
      throw new TidemarkError(
        'SINK_SCHEMA',
        `${what}; with schema.change.behavior: try_evolve or lenient the pipeline goes on without such changes`,
      );
    }
    this.sink.warn(`${what}: skipped`, { table: tableIdToString(ev.tableId), change: type });
    return false;
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
    for (const [k, ms] of this.mappings) if (ms.some((m) => m.sinkKey === sinkKey)) this.mappings.delete(k);
  }

  /** RENAME TABLE: the rows move with the table (see the class comment). */
  private onRename(ev: SchemaChangeEvent, to: TableId, schema: TableSchema | undefined): SinkSchemaChange[] {
    const fromKey = tableIdToString(ev.tableId);
    const toKey = tableIdToString(to);
    const fromTargets = this.targetsOf(ev.tableId);
    if (this.behavior === 'exception') throw this.exceptionError(ev);
    this.deleteSource(fromKey);
    this.aliases.delete(fromKey);
    this.aliases.delete(toKey);
    this.mappings.delete(fromKey);
    this.mappings.delete(toKey);
    if (!schema) return [];
    const sharded = fromTargets.find((t) => t.shardColumns);
    if (sharded) throw renamedShardError(ev, to, sharded.sink);
    const toTargets = this.router.route(to);
    const same = sameTargets(fromTargets, toTargets);
    // not moved (ignore, or a rename.table the sink options exclude or the sink cannot apply): the
    // rows of the renamed table keep going to the sink tables of its old name
    const stay =
      !same &&
      (this.behavior === 'ignore' || fromTargets.some((t) => !this.letThrough(ev, t.sink, 'rename-table')));
    if (stay) this.aliases.set(toKey, fromTargets);
    this.setSource(toKey, to, schema);
    if (stay || same) return [];
    if (fromTargets.length !== 1 || toTargets.length !== 1) {
      throw new TidemarkError(
        'SINK_SCHEMA',
        `table ${fromKey} was renamed to ${toKey}${ev.ddl ? ` (${ev.ddl})` : ''}, and its rows are in several sink tables ` +
          `(${fromTargets.map((t) => tableIdToString(t.sink)).join(', ')}) or would go to several ` +
          `(${toTargets.map((t) => tableIdToString(t.sink)).join(', ')}): route the new name to the same sink tables, or snapshot again`,
        { details: { table: fromKey, position: ev.meta.location } },
      );
    }
    return this.moveSinkTable(ev, toKey, fromTargets[0]!.sink, toTargets[0]!.sink);
  }

  /** The renamed table's sink table follows it to the sink table its new name routes to. */
  private moveSinkTable(
    ev: SchemaChangeEvent,
    toKey: string,
    fromSink: TableId,
    toSink: TableId,
  ): SinkSchemaChange[] {
    const fromKey = tableIdToString(ev.tableId);
    const fromSinkKey = tableIdToString(fromSink);
    const sharer = [...(this.upstreams.get(fromSinkKey) ?? [])].find((k) => k !== toKey);
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
    if (this.behavior === 'ctas') {
      const refused = ctasRefusal(change, before);
      if (refused) throw recreateError(ev, refused);
    }
    const evolve = this.behavior === 'evolve' || this.behavior === 'try_evolve';
    return evolve ? evolveChanges(change, sink, after) : lenientChanges(change, sink, before);
  }
  /** The row event in sink terms: one event per sink table (sink table id, layout and types). */
  onDataChange(ev: DataChangeEvent): readonly DataChangeEvent[] {
    const one = this.singleSinkRow(ev);
    return one ? [one] : this.mappingsOf(ev).map((m) => mapRowEvent(m, ev));
  }

  /**
   * onDataChange's one event when the table goes to one sink table (the usual case, without an
   * array per row), else undefined.
   */
  singleSinkRow(ev: DataChangeEvent): DataChangeEvent | undefined {
    const ms = this.mappingsOf(ev);
    return ms.length === 1 ? mapRowEvent(ms[0]!, ev) : undefined;
  }

  private mappingsOf(ev: DataChangeEvent): readonly RowMapping[] {
    const key = tableIdToString(ev.tableId);
    let ms = this.mappings.get(key);
    if (!ms) {
      ms = this.buildMappings(ev.tableId, key);
      this.mappings.set(key, ms);
    }
    return ms;
  }

  private buildMappings(source: TableId, key: string): RowMapping[] {
    const src = this.sourceSchemas.get(key);
    if (!src) {
      throw new TidemarkError('SOURCE_SCHEMA', `row event for ${key} before its schema is known`, {
        details: { table: key },
      });
    }
    return this.targetsOf(source).map((t) => {
      const sinkKey = tableIdToString(t.sink);
      const dst = this.sinkSchemas.get(sinkKey)?.schema;
      if (!dst) throw new TidemarkError('INTERNAL', `sink table ${sinkKey} has no schema (routing ${key})`);
      return rowMapping(source, src, t.sink, dst, t.shardColumns);
    });
  }
}

function sameTargets(a: readonly RouteTarget[], b: readonly RouteTarget[]): boolean {
  const keys = (ts: readonly RouteTarget[]): string =>
    ts
      .map((t) => tableIdToString(t.sink))
      .sort()
      .join('\n');
  return keys(a) === keys(b);
}

/** Lenient (Flink CDC): columns added to a merged sink table are nullable. */
function lenientAdd(c: SchemaChange): SchemaChange {
  return c.type === 'add-column'
    ? { ...c, columns: c.columns.map((a) => ({ ...a, column: nullable(a.column) })) }
    : c;
}

function renamedShardError(ev: SchemaChangeEvent, to: TableId, sink: TableId): TidemarkError {
  const from = tableIdToString(ev.tableId);
  return new TidemarkError(
    'SINK_SCHEMA',
    `table ${from} was renamed to ${tableIdToString(to)}${ev.ddl ? ` (${ev.ddl})` : ''}, but its rows in sink table ` +
      `${tableIdToString(sink)} carry its old name in the shard columns (${ev.tableId.tableName}): snapshot again into a new sink table`,
    { details: { table: from, position: ev.meta.location } },
  );
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

/**
 * `ctas`, the fixed policy of Flink's CREATE TABLE AS (seed 003): nullable columns added, dropped
 * or renamed follow `lenient`; any other change of the columns or the key needs the sink table
 * recreated. What the change does that the policy does not follow; undefined when it follows it.
 */
export function ctasRefusal(change: SchemaChange, before: TableSchema | undefined): string | undefined {
  const old = (name: string): Column | undefined =>
    before?.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  const notNull = (names: readonly string[]): string | undefined =>
    names.find((n) => old(n)?.nullable === false);
  switch (change.type) {
    case 'add-column': {
      const c = change.columns.find((a) => !a.column.nullable);
      return c ? `it adds the NOT NULL column "${c.column.name}"` : undefined;
    }
    case 'drop-column': {
      const n = notNull(change.columns);
      return n === undefined ? undefined : `it drops the NOT NULL column "${n}"`;
    }
    case 'rename-column': {
      const n = notNull(change.renames.map((r) => r.from));
      return n === undefined ? undefined : `it renames the NOT NULL column "${n}"`;
    }
    case 'alter-column-type': {
      for (const ch of change.changes) {
        const c = old(ch.column);
        if (!c) continue;
        if (!sameColumnType(c.type, ch.type)) {
          return `it changes the type of column "${c.name}" from ${formatColumnType(c.type)} to ${formatColumnType(ch.type)}`;
        }
        if (c.nullable !== ch.nullable) {
          return `it makes column "${c.name}" ${ch.nullable ? 'nullable' : 'NOT NULL'}`;
        }
      }
      return undefined;
    }
    case 'alter-primary-key': {
      const was = before?.primaryKeys ?? [];
      const same =
        was.length === change.primaryKeys.length &&
        was.every((k, i) => k.toLowerCase() === change.primaryKeys[i]!.toLowerCase());
      const show = (ks: readonly string[]): string =>
        ks.length ? `(${ks.map((k) => `"${k}"`).join(', ')})` : 'none';
      return same ? undefined : `it changes the primary key from ${show(was)} to ${show(change.primaryKeys)}`;
    }
    case 'create-table':
    case 'reorder-columns':
    case 'drop-table':
    case 'truncate-table':
    case 'rename-table':
      return undefined;
    default:
      return assertNever(change, 'schema change');
  }
}

function recreateError(ev: SchemaChangeEvent, refused: string): TidemarkError {
  const table = tableIdToString(ev.tableId);
  return new TidemarkError(
    'SINK_SCHEMA',
    `schema change ${ev.change.type} on ${table}${ev.ddl ? ` (${ev.ddl})` : ''}${ev.meta.location ? ` at ${ev.meta.location}` : ''}: ` +
      `${refused}, and schema.change.behavior ctas follows only nullable columns added, dropped or renamed. ` +
      `The sink table of ${table} must be recreated: drop it and snapshot the table again (a new sink file and state directory)`,
    { details: { table, ...(ev.meta.location ? { position: ev.meta.location } : {}) } },
  );
}
