import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ManagedJob } from './managed-job.js';

/**
 * The server's Prometheus metrics (/metrics). Gauges are read from the jobs when scraped; labels
 * are the job id, the pipeline name and the table: never an option value.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly flushLatency: Histogram<'job_id' | 'pipeline'>;
  private readonly errors: Counter<'job_id' | 'pipeline' | 'code'>;

  constructor(jobs: () => readonly ManagedJob[]) {
    const r = [this.registry];
    const jobLabels = ['job_id', 'pipeline'] as const;
    const tableLabels = ['job_id', 'pipeline', 'table'] as const;
    this.flushLatency = new Histogram({
      name: 'tidemark_sink_batch_latency_seconds',
      help: 'How long a sink flush (a checkpoint commit) took',
      labelNames: jobLabels,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    });
    this.errors = new Counter({
      name: 'tidemark_errors_total',
      help: 'Failed runs of a job, by error code',
      labelNames: ['job_id', 'pipeline', 'code'],
      registers: r,
    });
    const perJob = (name: string, help: string, value: (j: ManagedJob) => number | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: jobLabels,
        registers: r,
        collect() {
          this.reset();
          for (const j of jobs()) {
            const v = value(j);
            if (v !== undefined) this.set({ job_id: j.id, pipeline: j.name }, v);
          }
        },
      });
    };
    const perTable = (
      name: string,
      help: string,
      rows: (j: ManagedJob) => readonly { table: string; value: number }[],
    ): void => {
      new Gauge({
        name,
        help,
        labelNames: tableLabels,
        registers: r,
        collect() {
          this.reset();
          for (const j of jobs())
            for (const x of rows(j)) this.set({ job_id: j.id, pipeline: j.name, table: x.table }, x.value);
        },
      });
    };
    perJob('tidemark_job_running', '1 while the job runs, else 0', (j) => (j.status === 'RUNNING' ? 1 : 0));
    perJob('tidemark_job_restarts', 'Restarts after retryable failures', (j) => j.restarts);
    perJob('tidemark_lag_seconds', 'Streaming lag behind the source log', (j) => {
      const lag = j.status === 'RUNNING' ? j.pipeline?.progress?.lagMs : undefined;
      return lag === undefined ? undefined : lag / 1000;
    });
    perJob('tidemark_checkpoint_age_seconds', 'Seconds since the last committed checkpoint', (j) => {
      const cp = j.telemetry.checkpoints.at(-1);
      return cp ? (Date.now() - cp.at) / 1000 : undefined;
    });
    perJob('tidemark_checkpoint_duration_seconds', 'How long the last checkpoint commit took', (j) => {
      const d = j.telemetry.checkpoints.at(-1)?.durationMs;
      return d === null || d === undefined ? undefined : d / 1000;
    });
    perJob(
      'tidemark_checkpoint_seq',
      'Sequence number of the last committed checkpoint',
      (j) => j.telemetry.checkpoints.at(-1)?.seq,
    );
    perTable('tidemark_events_per_second', 'Row events written per second, per sink table', (j) =>
      j.telemetry.tables().map((t) => ({ table: t.table, value: t.rowsPerSecond })),
    );
    perTable('tidemark_rows_written', 'Row events written since the server started, per sink table', (j) =>
      j.telemetry.tables().map((t) => ({ table: t.table, value: t.rowsWritten })),
    );
    const snapshot = (j: ManagedJob) => j.telemetry.snapshotTables;
    perTable('tidemark_snapshot_rows_read', 'Snapshot rows read, per source table', (j) =>
      snapshot(j).map((t) => ({ table: t.table, value: t.rowsRead })),
    );
    perTable('tidemark_snapshot_rows_estimated', 'Snapshot rows estimated, per source table', (j) =>
      snapshot(j).map((t) => ({ table: t.table, value: t.rowsEstimated })),
    );
  }

  /** Feeds the job's sink flush times into the latency histogram. */
  attach(job: ManagedJob): void {
    job.telemetry.onFlush = (seconds) =>
      this.flushLatency.observe({ job_id: job.id, pipeline: job.name }, seconds);
  }

  failed(job: ManagedJob, code: string): void {
    this.errors.inc({ job_id: job.id, pipeline: job.name, code });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
