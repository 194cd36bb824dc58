import type { DataChangeEvent, Row, SchemaChange, SchemaChangeEvent } from '../event/change-event.js';
import { assertNever } from '../event/column-type.js';
import type { JsonValue } from '../event/json-value.js';
import { applySchemaChange } from '../event/schema-change.js';
import type { Column, TableId, TableSchema } from '../event/table-schema.js';
import { columnIndex, tableIdToString } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import type { SchemaChangeBehavior } from '../pipeline-spec/pipeline-spec.js';

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
  readonly schemaAfter: TableSchema | undefined;
}

interface Mapping {
  readonly sink: TableId;
  readonly sinkKey: string;
  /** sink column i takes source column indexes[i] (-1 = NULL); null = identical layout. */
  readonly indexes: Int32Array | null;
}

/**
 * Flink CDC's SchemaOperator: keeps the schema of every source table and of every sink table,
 * turns source schema changes into sink schema changes according to `schema.change.behavior` and
 * routing (several source tables may merge into one sink table), and reshapes rows from the
 * source layout into the sink layout by column name.
 */
export class SchemaOperator {
  private readonly sourceSchemas = new Map<string, TableSchema>();
  private readonly sinkSchemas = new Map<string, { id: TableId; schema: TableSchema }>();
  private readonly mappings = new Map<string, Mapping>();

  constructor(
    private readonly router: TableRouter,
    private readonly behavior: SchemaChangeBehavior,
    restored?: JsonValue,
    private readonly transform?: SchemaTransform,
  ) {
    if (restored && typeof restored === 'object' && !Array.isArray(restored)) {
      const sinks = (restored as { sinkSchemas?: { id: TableId; schema: TableSchema }[] }).sinkSchemas ?? [];
      for (const s of sinks) this.sinkSchemas.set(tableIdToString(s.id), s);
    }
  }

  /** The runner's state for the checkpoint. */
  snapshotState(): JsonValue {
    return { sinkSchemas: [...this.sinkSchemas.values()] } as unknown as JsonValue;
  }

  sinkSchema(sink: TableId): TableSchema | undefined {
    return this.sinkSchemas.get(tableIdToString(sink))?.schema;
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
    if (after && this.transform) after = this.transform(ev.tableId, after);
    if (ev.change.type === 'create-table' && after)
      ev = { ...ev, change: { type: 'create-table', schema: after } };
    if (after) this.sourceSchemas.set(key, after);
    else this.sourceSchemas.delete(key);
    this.mappings.delete(key);

    const sinkId = this.router.route(ev.tableId);
    const sinkKey = tableIdToString(sinkId);
    const current = this.sinkSchemas.get(sinkKey)?.schema;
    const changes = this.deriveSinkChanges(ev, current, before);
    const out: SinkSchemaChange[] = [];
    let schema = current;
    for (const change of changes) {
      schema = applySchemaChange(schema, change);
      out.push({ tableId: sinkId, change, schemaAfter: schema });
    }
    if (schema) this.sinkSchemas.set(sinkKey, { id: sinkId, schema });
    else this.sinkSchemas.delete(sinkKey);
    // any source table routed to this sink table needs its row mapping recomputed
    for (const [k, m] of this.mappings) if (m.sinkKey === sinkKey) this.mappings.delete(k);
    return out;
  }

  private deriveSinkChanges(
    ev: SchemaChangeEvent,
    sink: TableSchema | undefined,
    before: TableSchema | undefined,
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
    if (this.behavior === 'exception') {
      throw new TidemarkError(
        'SOURCE_SCHEMA',
        `schema change ${change.type} on ${where}${ev.ddl ? ` (${ev.ddl})` : ''} and schema.change.behavior is exception: ` +
          'change the behaviour or restore the schema',
      );
    }
    if (this.behavior === 'ignore' || !sink) return [];
    const evolve = this.behavior === 'evolve' || this.behavior === 'try_evolve';
    switch (change.type) {
      case 'add-column': {
        const cols = change.columns.filter((c) => columnIndex(sink, c.column.name) < 0);
        if (cols.length === 0) return [];
        return [
          {
            type: 'add-column',
            columns: evolve
              ? cols
              : cols.map((c) => ({ column: nullable(c.column), position: { kind: 'last' } })),
          },
        ];
      }
      case 'drop-column':
        return evolve ? [change] : [];
      case 'rename-column': {
        if (evolve) return [change];
        const added: Column[] = [];
        for (const r of change.renames) {
          const col = before?.columns.find((c) => c.name.toLowerCase() === r.from.toLowerCase());
          if (col && columnIndex(sink, r.to) < 0) added.push(nullable({ ...col, name: r.to }));
        }
        return added.length
          ? [{ type: 'add-column', columns: added.map((c) => ({ column: c, position: { kind: 'last' } })) }]
          : [];
      }
      case 'alter-column-type': {
        const changes = change.changes.filter((c) => columnIndex(sink, c.column) >= 0);
        return changes.length
          ? [
              {
                type: 'alter-column-type',
                changes: evolve ? changes : changes.map((c) => ({ ...c, nullable: true })),
              },
            ]
          : [];
      }
      case 'drop-table':
      case 'truncate-table':
        return evolve ? [change] : [];
      default:
        return assertNever(change, 'schema change');
    }
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
    const sink = this.router.route(source);
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
