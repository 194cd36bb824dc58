import type { PipelineMetrics } from '../composer/pipeline-composer.js';
import type { SourceProgress } from '../runtime/source.js';

/** One point of a job's charts: the rate over the last sampling interval, and the lag then. */
export interface TelemetrySample {
  readonly at: number;
  readonly rowsPerSecond: number;
  readonly lagMs: number | null;
}

export interface CheckpointEntry {
  readonly seq: number;
  readonly at: number;
  /** Rows committed by the run so far (a job's restart counts anew). */
  readonly rowsCommitted: number;
  /** How long its commit into the sink took. */
  readonly durationMs: number | null;
}

export interface SchemaChangeEntry {
  readonly at: number;
  readonly table: string;
  readonly change: string;
}

/** A warning or error of the job, with the context its log line had (table, position). */
export interface JobErrorEntry {
  readonly at: number;
  readonly level: 'warn' | 'error';
  readonly code: string | null;
  readonly message: string;
  readonly table: string | null;
  readonly position: string | null;
}

export interface TableTelemetry {
  readonly table: string;
  readonly rowsWritten: number;
  readonly rowsPerSecond: number;
}

/** Samples kept: one hour at one a second. */
const MAX_SAMPLES = 3600;
const MAX_CHECKPOINTS = 100;
const MAX_SCHEMA_CHANGES = 200;
const MAX_ERRORS = 50;

/**
 * What the server knows of one job's run beyond its status: rates, checkpoint history, schema
 * changes, last errors. Fed by the pipeline's metrics hooks and its log lines (already free of
 * secrets); sampled once a second by the supervisor. Survives the job's restarts (not the server's).
 */
export class JobTelemetry implements PipelineMetrics {
  readonly samples: TelemetrySample[] = [];
  readonly checkpoints: CheckpointEntry[] = [];
  readonly schemaChanges: SchemaChangeEntry[] = [];
  readonly errors: JobErrorEntry[] = [];
  lastProgress: SourceProgress | undefined;
  /** The last snapshot progress per source table (kept once the job streams). */
  snapshotTables: NonNullable<SourceProgress['tables']> = [];
  lastFlushMs: number | undefined;
  private readonly rowsPerTable = new Map<string, number>();
  private readonly created = new Set<string>();
  private readonly ratePerTable = new Map<string, number>();
  private readonly sampledPerTable = new Map<string, number>();
  private lastSampleAt = Date.now();
  private flushCount = 0;
  /** Called for each sink batch latency (seconds), for a histogram. */
  onFlush: ((seconds: number) => void) | undefined;
  /** Called after each committed checkpoint. */
  onCheckpoint: (() => void) | undefined;

  rowsWritten(table: string, rows: number): void {
    this.rowsPerTable.set(table, (this.rowsPerTable.get(table) ?? 0) + rows);
  }

  sinkFlushed(durationMs: number): void {
    this.lastFlushMs = durationMs;
    this.flushCount++;
    this.onFlush?.(durationMs / 1000);
  }

  schemaChangeApplied(m: { readonly table: string; readonly change: string; readonly at: number }): void {
    // each run replays create-table for every table (make sure it exists): listed once
    if (m.change === 'create-table') {
      if (this.created.has(m.table)) return;
      this.created.add(m.table);
    }
    push(this.schemaChanges, { at: m.at, table: m.table, change: m.change }, MAX_SCHEMA_CHANGES);
  }

  checkpointCommitted(m: {
    readonly seq: number;
    readonly rowsCommitted: number;
    readonly at: number;
  }): void {
    this.onCheckpoint?.();
    const durationMs = this.lastFlushMs ?? null;
    push(
      this.checkpoints,
      { seq: m.seq, at: m.at, rowsCommitted: m.rowsCommitted, durationMs },
      MAX_CHECKPOINTS,
    );
  }

  progress(p: SourceProgress): void {
    this.lastProgress = p;
    if (p.tables) this.snapshotTables = p.tables;
    // streaming starts after the snapshot: every table of it is read
    else if (p.phase === 'streaming')
      this.snapshotTables = this.snapshotTables.map((t) => ({ ...t, done: true }));
  }

  error(entry: JobErrorEntry): void {
    push(this.errors, entry, MAX_ERRORS);
  }

  /** Takes a sample: the rows/s of each table and in all since the last one. */
  sample(now = Date.now()): void {
    const seconds = Math.max((now - this.lastSampleAt) / 1000, 0.001);
    let total = 0;
    for (const [table, rows] of this.rowsPerTable) {
      const delta = rows - (this.sampledPerTable.get(table) ?? 0);
      this.sampledPerTable.set(table, rows);
      this.ratePerTable.set(table, delta / seconds);
      total += delta;
    }
    this.lastSampleAt = now;
    push(
      this.samples,
      { at: now, rowsPerSecond: total / seconds, lagMs: this.lastProgress?.lagMs ?? null },
      MAX_SAMPLES,
    );
  }

  tables(): TableTelemetry[] {
    return [...this.rowsPerTable]
      .map(([table, rowsWritten]) => ({
        table,
        rowsWritten,
        rowsPerSecond: this.ratePerTable.get(table) ?? 0,
      }))
      .sort((a, b) => a.table.localeCompare(b.table));
  }
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
