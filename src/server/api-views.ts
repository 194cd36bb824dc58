import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import type { JobDetail, JobSummary } from './api-schemas.js';
import type { ManagedJob } from './managed-job.js';

/** A job as the API lists it: status, phase, checkpoint, rates, last error; no secret. */
export function jobSummaryView(job: ManagedJob, now = Date.now()): JobSummary {
  const p = job.pipeline;
  const t = job.telemetry;
  const lastCp = t.checkpoints.at(-1);
  const lastSample = t.samples.at(-1);
  const running = job.status === 'RUNNING';
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    phase: running ? (p?.progress?.phase ?? null) : null,
    submittedAt: job.submittedAt,
    startedAt: job.startedAt ?? null,
    restarts: job.restarts,
    lastCheckpoint: lastCp ? { seq: lastCp.seq, at: lastCp.at } : null,
    checkpointAgeSeconds: lastCp ? (now - lastCp.at) / 1000 : null,
    rowsWritten: t.tables().reduce((n, x) => n + x.rowsWritten, 0),
    rowsPerSecond: running ? (lastSample?.rowsPerSecond ?? 0) : 0,
    lagMs: running ? (p?.progress?.lagMs ?? null) : null,
    error: job.lastError ?? null,
  };
}

/** A job with everything the dashboard shows of it. */
export function jobDetailView(job: ManagedJob, now = Date.now()): JobDetail {
  const t = job.telemetry;
  return {
    ...jobSummaryView(job, now),
    graph: job.pipelineSpec ? pipelineGraphView(job.pipelineSpec, job.target) : null,
    position: job.pipeline?.progress?.position ?? null,
    snapshot: snapshotView(job),
    sinkTables: t.tables(),
    checkpoints: t.checkpoints.slice(-50),
    schemaChanges: t.schemaChanges.slice(-100),
    errors: t.errors.slice(-20),
    savepoints: [...job.savepoints],
  };
}

export function snapshotView(job: ManagedJob): JobDetail['snapshot'] {
  return job.telemetry.snapshotTables.map((x) => ({
    table: x.table,
    rowsRead: x.rowsRead,
    rowsEstimated: x.rowsEstimated,
    done: x.done,
  }));
}

/** The pipeline's shape; of the options only the table selection (never a credential). */
function pipelineGraphView(spec: PipelineSpec, target: string | undefined): NonNullable<JobDetail['graph']> {
  const tables = spec.source.options.tables;
  return {
    source: { type: spec.source.type, tables: typeof tables === 'string' ? tables : null },
    transforms: spec.transforms.map((r) => ({
      sourceTable: r['source-table'],
      projection: r.projection ?? null,
      filter: r.filter ?? null,
    })),
    routes: spec.routes.map((r) => ({ sourceTable: r['source-table'], sinkTable: r['sink-table'] })),
    sink: { type: spec.sink.type, target: target ?? null },
  };
}
