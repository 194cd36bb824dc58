import type { DataChangeEvent, Row, SchemaChangeEvent } from '../event/change-event.js';
import type { Value } from '../event/column-type.js';
import { applySchemaChange } from '../event/schema-change.js';
import type { TableId, TableSchema } from '../event/table-schema.js';
import { tableIdToString } from '../event/table-schema.js';
import { TidemarkError, errorMessage, isTidemarkError } from '../event/tidemark-error.js';
import { compileTableSelector, type TableSelector } from '../routing/table-selector.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import type { EvalContext, MetadataColumn, UserFunction } from './expression/index.js';
import { schemaChanges } from './schema-diff.js';
import {
  compileTableTransform,
  type CompiledRule,
  type TableTransform,
  type TransformSettings,
} from './table-transform.js';

export interface TransformOperatorOptions extends TransformSettings {
  /** `transform.filter.convert-updates`: an UPDATE leaving (entering) the filter becomes a DELETE (INSERT). */
  readonly convertUpdates: boolean;
}

/** Flink CDC's `__data_event_type__` of each row image. */
type EventType = '+I' | '-U' | '+U' | '-D';

/**
 * Flink CDC's transform operators (pre- and post-transform in one): the `transform` rules applied
 * to the source's events before routing. For each table, the rules whose `source-table` matches are
 * compiled once per schema version; a row goes through the first of them whose filter it passes
 * (none: the row is dropped), its projection computes the sink-side row, and `primary-keys`,
 * `partition-keys` and `converter-after-transform` shape the rest. Schema changes are re-derived
 * from the transformed schemas before and after them: a `*` projection follows added and renamed
 * columns, a column list stays as it is, and a projection that names a column the change removed
 * is a clear error. Tables no rule matches pass unchanged.
 */
export class TransformOperator {
  private readonly selectors: TableSelector[];
  private readonly tables = new Map<string, TableTransform>();
  /** By id object (sources reuse one per table): no string per row. Replaced on a schema change. */
  private byId = new WeakMap<TableId, BoundTable | null>();
  /** Whether rows carry `op_ts` (the source lists it in metadata-column.include-list). */
  private readonly opTs: boolean;
  private lastOpTsMs = NaN;
  private lastOpTsText = '';
  /** The rule pick() last chose. */
  private picked: CompiledRule | undefined;

  constructor(private readonly o: TransformOperatorOptions) {
    this.selectors = o.rules.map((r) => compileTableSelector(r['source-table']));
    this.opTs = o.sourceMetadata.some((m) => m.name === 'op_ts');
  }

  /** Warnings for the rules that match none of the captured tables. */
  unmatchedRules(captured: readonly TableId[]): string[] {
    return this.selectors.flatMap((sel, i) => {
      if (captured.some((t) => sel.matches(t.schemaName ?? '', t.tableName))) return [];
      const rule = this.o.rules[i]!;
      const what = `transform[${i}] (source-table: ${rule['source-table']})${rule.description ? ` "${rule.description}"` : ''}`;
      return [`${what} matches none of the captured tables`];
    });
  }

  /** The schema events after the transform: the change as the sink-side table sees it. */
  onSchemaChange(ev: SchemaChangeEvent): SchemaChangeEvent[] {
    const key = tableIdToString(ev.tableId);
    const was = this.tables.get(key);
    const change = ev.change;
    if (change.type === 'drop-table') this.forget(key);
    if (change.type === 'rename-table') return this.onRename(ev, was, change.to);
    if (change.type === 'drop-table' || change.type === 'truncate-table') return [ev];
    const matching = this.matching(ev.tableId);
    if (matching.length === 0 && !was) return [ev];
    const source = applySchemaChange(was?.source, change)!;
    const next = this.compile(ev, source, matching);
    if (change.type === 'rename-column' && was) this.checkRenamed(ev, was.source, change.renames, matching);
    this.forget(key);
    this.tables.set(key, next);
    if (change.type === 'create-table' || !was)
      return [{ ...ev, change: { type: 'create-table', schema: next.output } }];
    return schemaChanges(key, was.output, next.output, change).map((c) => ({ ...ev, change: c }));
  }

  /** The row events after the transform (none when no rule's filter passes). */
  onDataChange(ev: DataChangeEvent): DataChangeEvent[] {
    const b = this.lookup(ev.tableId);
    if (!b) return [ev];
    // Flink CDC reads the clock once per record; only for rules that read it (it costs ~50 ns)
    const nowMs = b.t.volatile ? Date.now() : 0;
    switch (ev.op) {
      case 'insert': {
        const row = this.pick(b, ev, ev.after!, '+I', nowMs);
        return row ? [withRows(ev, 'insert', null, row)] : [];
      }
      case 'delete':
        return this.deleted(b, ev, ev.before!, nowMs);
      case 'update':
        return this.updated(b, ev, nowMs);
    }
  }

  private deleted(b: BoundTable, ev: DataChangeEvent, before: Row, nowMs: number): DataChangeEvent[] {
    const row = this.pick(b, ev, before, '-D', nowMs);
    if (!row) return [];
    return this.picked!.softDelete
      ? [withRows(ev, 'insert', null, row)]
      : [withRows(ev, 'delete', row, null)];
  }

  private updated(b: BoundTable, ev: DataChangeEvent, nowMs: number): DataChangeEvent[] {
    const after = this.pick(b, ev, ev.after!, '+U', nowMs);
    if (!this.o.convertUpdates) {
      // Flink CDC 3.x: the new row alone decides
      if (!after) return [];
      let before: Row;
      try {
        before = project(this.picked!, ev.before!, this.context(b, ev, '-U', nowMs));
      } catch (e) {
        throw atRow(e, ev);
      }
      return [withRows(ev, 'update', before, after)];
    }
    const before = this.pick(b, ev, ev.before!, '-U', nowMs);
    if (after && before) return [withRows(ev, 'update', before, after)];
    if (after) return [withRows(ev, 'insert', null, after)];
    if (before) return this.deleted(b, ev, ev.before!, nowMs);
    return [];
  }

  /**
   * The row projected by the first rule whose filter it passes (that rule left in `picked`), or
   * undefined when it passes none.
   */
  private pick(
    b: BoundTable,
    ev: DataChangeEvent,
    row: Row,
    type: EventType,
    nowMs: number,
  ): Row | undefined {
    const ctx = this.context(b, ev, type, nowMs);
    const rules = b.t.rules;
    try {
      for (let i = 0; i < rules.length; i++) {
        const rule = rules[i]!;
        if (rule.filter && !rule.filter.evaluate(row, ctx)) continue;
        this.picked = rule;
        return project(rule, row, ctx);
      }
    } catch (e) {
      throw atRow(e, ev);
    }
    return undefined;
  }

  /**
   * The table's context for rows of this type, filled for this row. One object per table and
   * type, not one per row: evaluation is synchronous and keeps no context.
   */
  private context(b: BoundTable, ev: DataChangeEvent, type: EventType, nowMs: number): EvalContext {
    const ctx = b.contexts[type];
    ctx.nowMs = nowMs;
    // Flink CDC: op_ts is 0 for rows read by the snapshot
    if (this.opTs) ctx.metadata.op_ts = this.opTsText(ev.meta.snapshot ? 0 : ev.meta.tsMs);
    return ctx;
  }

  /** op_ts as text; the rows of a transaction share one commit time, so the last one is kept. */
  private opTsText(ms: number): string {
    if (ms !== this.lastOpTsMs) {
      this.lastOpTsMs = ms;
      this.lastOpTsText = utcMillisText(ms);
    }
    return this.lastOpTsText;
  }

  private matching(id: TableId): number[] {
    const db = id.schemaName ?? '';
    return this.selectors.flatMap((s, i) => (s.matches(db, id.tableName) ? [i] : []));
  }

  private compile(ev: SchemaChangeEvent, source: TableSchema, matching: readonly number[]): TableTransform {
    try {
      return compileTableTransform(ev.tableId, source, matching, this.o);
    } catch (e) {
      if (!isTidemarkError(e) || e.code !== 'CONFIG_INVALID' || ev.change.type === 'create-table') throw e;
      // the rules compiled for the table before: this change is what they cannot follow
      throw new TidemarkError(
        'CONFIG_INVALID',
        `${e.message} — after ${ev.ddl ? `the DDL \`${ev.ddl}\`` : ev.change.type} on ${tableIdToString(ev.tableId)}` +
          `${ev.meta.location ? ` at ${ev.meta.location}` : ''}; change the transform rule to match the table, then restart`,
        {
          details: {
            table: tableIdToString(ev.tableId),
            ...(ev.meta.location ? { position: ev.meta.location } : {}),
          },
        },
      );
    }
  }

  /**
   * A rule that names a renamed column is an error even when another column of the same ALTER
   * takes that name (`RENAME COLUMN c2 TO c14, RENAME COLUMN c12 TO c2`): recompiled by name, it
   * would read the other column. Compiling the rules for the old schema without the renamed
   * columns finds such a rule.
   */
  private checkRenamed(
    ev: SchemaChangeEvent,
    old: TableSchema,
    renames: readonly { readonly from: string }[],
    matching: readonly number[],
  ): void {
    const renamed = new Set(renames.map((r) => r.from.toLowerCase()));
    const without: TableSchema = {
      ...old,
      columns: old.columns.filter((c) => !renamed.has(c.name.toLowerCase())),
      primaryKeys: old.primaryKeys.filter((k) => !renamed.has(k.toLowerCase())),
    };
    this.compile(ev, without, matching);
  }

  /** A renamed table keeps its rows: it must stay under the same rules. */
  private onRename(ev: SchemaChangeEvent, was: TableTransform | undefined, to: TableId): SchemaChangeEvent[] {
    const before = this.matching(ev.tableId);
    const after = this.matching(to);
    if (before.join() !== after.join()) {
      throw new TidemarkError(
        'CONFIG_INVALID',
        `table ${tableIdToString(ev.tableId)} was renamed to ${tableIdToString(to)}${ev.ddl ? ` (${ev.ddl})` : ''}, ` +
          `which other transform rules match (${before.join(', ') || 'none'} before, ${after.join(', ') || 'none'} after): ` +
          'its rows in the sink were transformed by the old ones; make the rules match both names, or snapshot again',
      );
    }
    this.forget(tableIdToString(ev.tableId));
    if (was) this.tables.set(tableIdToString(to), was);
    return [ev];
  }

  private lookup(id: TableId): BoundTable | undefined {
    let b = this.byId.get(id);
    if (b === undefined) {
      const t = this.tables.get(tableIdToString(id));
      b = t ? bind(t, id) : null;
      this.byId.set(id, b);
    }
    return b ?? undefined;
  }

  private forget(key: string): void {
    this.tables.delete(key);
    // the id objects cached for the table look it up again (schema changes are rare)
    this.byId = new WeakMap();
  }
}

/** What an expression reads besides the row, refilled for each row. */
interface RowContext extends EvalContext {
  readonly metadata: Record<string, Value>;
  nowMs: number;
}

/** A table's compiled rules and its row contexts, one per event type. */
interface BoundTable {
  readonly t: TableTransform;
  readonly contexts: Readonly<Record<EventType, RowContext>>;
}

function bind(t: TableTransform, id: TableId): BoundTable {
  const context = (type: EventType): RowContext => ({
    metadata: {
      __namespace_name__: id.namespace ?? null,
      __schema_name__: id.schemaName ?? null,
      __table_name__: id.tableName,
      __data_event_type__: type,
    },
    nowMs: 0,
  });
  return {
    t,
    contexts: { '+I': context('+I'), '-U': context('-U'), '+U': context('+U'), '-D': context('-D') },
  };
}

/** The event with these rows (built whole: no spread per row). */
function withRows(
  ev: DataChangeEvent,
  op: DataChangeEvent['op'],
  before: Row | null,
  after: Row | null,
): DataChangeEvent {
  return { kind: 'data', tableId: ev.tableId, op, before, after, meta: ev.meta };
}

function project(rule: CompiledRule, row: Row, ctx: EvalContext): Row {
  return rule.projection ? rule.projection.evaluate(row, ctx) : row;
}

function atRow(e: unknown, ev: DataChangeEvent): unknown {
  if (!isTidemarkError(e)) return e;
  const where = `${tableIdToString(ev.tableId)}${ev.meta.location ? ` at ${ev.meta.location}` : ''}`;
  return new TidemarkError(e.code, `${errorMessage(e)} (a row of ${where})`, { cause: e });
}

/** Epoch milliseconds as a TIMESTAMP_LTZ(3) value: "YYYY-MM-DD HH:MM:SS.fff" in UTC. */
function utcMillisText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
}

/** Source metadata columns (`metadata-column.include-list`) and their types. */
const SOURCE_METADATA: Readonly<Record<string, MetadataColumn>> = {
  op_ts: { name: 'op_ts', type: { kind: 'timestamp_ltz', precision: 3 }, nullable: false },
};

/** The transform operator of a pipeline, or undefined when it has no transform rules. */
export function transformOperatorFromSpec(
  spec: PipelineSpec,
  userFunctions?: Readonly<Record<string, UserFunction>>,
): TransformOperator | undefined {
  if (spec.transforms.length === 0) return undefined;
  const listed = spec.source.options['metadata-column.include-list'];
  const names = Array.isArray(listed) ? (listed as string[]) : [];
  return new TransformOperator({
    rules: spec.transforms,
    ...(spec.transformPositions ? { positions: spec.transformPositions } : {}),
    origin: spec.origin,
    ...(spec.pipeline['local-time-zone'] ? { timeZone: spec.pipeline['local-time-zone'] } : {}),
    ...(userFunctions ? { userFunctions } : {}),
    sourceMetadata: names.flatMap((n) => (SOURCE_METADATA[n] ? [SOURCE_METADATA[n]] : [])),
    allowTrimmingPk: spec.pipeline['transform.allow.trimming.pk-columns'],
    convertUpdates: spec.pipeline['transform.filter.convert-updates'],
  });
}
