import { resolve } from 'node:path';
import { offlineChecks } from '../composer/pipeline-checks.js';
import { TidemarkError } from '../event/tidemark-error.js';
import { loadPipelineYaml } from '../pipeline-spec/yaml-pipeline-loader.js';
import { variableSource } from '../pipeline-spec/variable-substitution.js';
import type { ComponentRegistry } from '../runtime/component-registry.js';
import { ResourceLedger } from '../runtime/resource-ledger.js';
import type { SinkQueryFormat, SinkQueryLimits, SinkQueryResult } from '../runtime/sink.js';
import { transformSyntaxProblems } from '../transforms/transform-syntax.js';
import { JobStore, newJobId, type JobRecord } from './job-store.js';
import { ManagedJob, type JobEnvironment } from './managed-job.js';

export interface SupervisorOptions {
  readonly stateDir: string;
  readonly registry: ComponentRegistry;
  readonly defaultCheckpointIntervalMs?: number;
  readonly writeLog: (line: string) => void;
  readonly onFailure?: (job: ManagedJob, code: string) => void;
  /** Told of every job as it is loaded or submitted (to attach metrics). */
  readonly onJob?: (job: ManagedJob) => void;
}

/**
 * The server's jobs, run in this process. Submitting saves the job before it starts; on start the
 * supervisor brings every saved job back to what the user last asked (running ones resume from
 * their checkpoints). Jobs share one resource ledger: two jobs writing one DuckDB file, or using
 * one replica server id, are refused (RESOURCE_IN_USE).
 */
export class JobSupervisor {
  private readonly jobs = new Map<string, ManagedJob>();
  private readonly env: JobEnvironment;
  private sampler: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SupervisorOptions) {
    this.env = {
      registry: opts.registry,
      resources: new ResourceLedger(),
      store: new JobStore(opts.stateDir),
      defaultCheckpointIntervalMs: opts.defaultCheckpointIntervalMs,
      writeLog: opts.writeLog,
      onFailure: (job, code) => opts.onFailure?.(job, code),
    };
  }

  /** Loads the saved jobs and starts those that were running; samples rates once a second. */
  async start(): Promise<void> {
    for (const record of await this.env.store.loadAll()) {
      const job = this.add(record);
      if (record.desired === 'running') void job.start();
    }
    this.sampler = setInterval(() => {
      for (const job of this.jobs.values()) job.telemetry.sample();
    }, 1000);
    this.sampler.unref();
  }

  /**
   * Validates the pipeline with every check `validate` makes (problems located in `file`, the name
   * of the submitted file), saves it, then starts it; returns the job (running or failed).
   */
  async submit(pipelineYaml: string, file?: string): Promise<ManagedJob> {
    const spec = loadPipelineYaml(pipelineYaml, file ?? 'submitted pipeline', {
      catalog: this.opts.registry,
      variables: variableSource(process.env),
      check: offlineChecks(transformSyntaxProblems),
      undefinedVariableHint: (_name, env) =>
        `set ${env} in the job server's environment (a submitted pipeline's placeholders are resolved there) and restart the server`,
    });
    const record: JobRecord = {
      id: newJobId(),
      name: spec.pipeline.name,
      submittedAt: Date.now(),
      pipelineYaml,
      ...(file !== undefined ? { file } : {}),
      desired: 'running',
      savepoints: [],
    };
    await this.env.store.save(record);
    const job = this.add(record);
    await job.start();
    return job;
  }

  private add(record: JobRecord): ManagedJob {
    const job = new ManagedJob(record, this.env);
    this.jobs.set(job.id, job);
    this.opts.onJob?.(job);
    return job;
  }

  list(): ManagedJob[] {
    return [...this.jobs.values()];
  }

  get(id: string): ManagedJob {
    const job = this.jobs.get(id);
    if (!job)
      throw new TidemarkError('JOB_NOT_FOUND', `no job ${id} on this server (\`tidemark jobs\` lists them)`);
    return job;
  }

  /** Every secret value of every job: removed from anything the server sends or logs. */
  secrets(): string[] {
    return this.list().flatMap((j) => j.secrets);
  }

  /** A read-only query of the DuckDB file a running job writes. */
  query(
    path: string,
    sql: string,
    format: SinkQueryFormat,
    limits: SinkQueryLimits,
  ): Promise<SinkQueryResult> {
    const target = `duckdb ${resolve(path)}`;
    const job = this.list().find((j) => j.target === target && j.status === 'RUNNING');
    if (!job) {
      return Promise.reject(
        new TidemarkError('QUERY_REFUSED', `no running job of this server writes ${resolve(path)}`),
      );
    }
    return job.query(sql, format, limits);
  }

  /** Stops every run for a server shutdown; the jobs resume when the server starts again. */
  async shutdown(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    await Promise.all(this.list().map((j) => j.shutdown()));
  }
}
