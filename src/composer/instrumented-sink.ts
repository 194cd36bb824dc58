import type { DataChangeEvent, SchemaChange } from '../event/change-event.js';
import { tableIdToString, type TableId, type TableSchema } from '../event/table-schema.js';
import type { Checkpoint } from '../runtime/checkpoint.js';
import type { Sink, SinkContext } from '../runtime/sink.js';

/** What a sink reports to a metrics exporter; every hook is optional and must not throw. */
export interface SinkMetrics {
  /** Row events handed to the sink, per sink table (`db.table`). */
  rowsWritten?(table: string, rows: number): void;
  /** A flush (a checkpoint's commit into the sink) took durationMs. */
  sinkFlushed?(durationMs: number): void;
  /** A schema change was applied to a sink table. */
  schemaChangeApplied?(m: { readonly table: string; readonly change: string; readonly at: number }): void;
}

/**
 * The sink, with its writes counted per table, its flushes timed and its schema changes reported.
 * Every call is passed on unchanged, in order.
 */
export function instrumentSink(sink: Sink, metrics: SinkMetrics): Sink {
  const wrapped: Sink = {
    schemaCapabilities: sink.schemaCapabilities,
    transactional: sink.transactional,
    target: sink.target,
    open: (ctx: SinkContext) => sink.open(ctx),
    committedCheckpoint: () => sink.committedCheckpoint(),
    isEmpty: () => sink.isEmpty(),
    async applySchemaChange(tableId: TableId, change: SchemaChange, after: TableSchema | undefined) {
      await sink.applySchemaChange(tableId, change, after);
      metrics.schemaChangeApplied?.({ table: tableIdToString(tableId), change: change.type, at: Date.now() });
    },
    write(events: readonly DataChangeEvent[]) {
      countPerTable(events, metrics);
      return sink.write(events);
    },
    async flush(cp: Checkpoint) {
      const start = performance.now();
      await sink.flush(cp);
      metrics.sinkFlushed?.(performance.now() - start);
    },
    close: () => sink.close(),
  };
  if (sink.query) {
    const query = sink.query.bind(sink);
    return { ...wrapped, query };
  }
  return wrapped;
}

function countPerTable(events: readonly DataChangeEvent[], metrics: SinkMetrics): void {
  if (!metrics.rowsWritten || events.length === 0) return;
  let table = events[0]!.tableId;
  let n = 0;
  for (const ev of events) {
    if (ev.tableId !== table) {
      metrics.rowsWritten(tableIdToString(table), n);
      table = ev.tableId;
      n = 0;
    }
    n++;
  }
  metrics.rowsWritten(tableIdToString(table), n);
}
