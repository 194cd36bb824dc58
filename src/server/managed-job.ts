import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { composePipeline, type PipelineHandle, type PipelineStatus } from '../composer/pipeline-composer.js';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { variableSource } from '../pipeline-spec/variable-substitution.js';
import { loadPipelineYaml } from '../pipeline-spec/yaml-pipeline-loader.js';
import { parseCheckpoint } from '../runtime/checkpoint.js';
import type { ComponentRegistry } from '../runtime/component-registry.js';
import { createLogger, redactSecrets, type Logger } from '../runtime/logger.js';
import type { ResourceLedger } from '../runtime/resource-ledger.js';
import { StateStore } from '../runtime/state-store.js';
import type { SinkQueryFormat, SinkQueryLimits, SinkQueryResult } from '../runtime/sink.js';
import {
  writeAtomic,
  type JobDesiredState,
  type JobRecord,
  type JobStore,
  type SavepointRecord,
} from './job-store.js';
import { JobTelemetry } from './job-telemetry.js';

/** Flink's job states, as far as tidemark has them. */
export type JobStatus =
  | 'INITIALIZING'
  | 'RUNNING'
  | 'RESTARTING'
  | 'STOPPING'
  | 'STOPPED'
  | 'CANCELING'
  | 'CANCELED'
  | 'FAILED'
  | 'FINISHED';

/** What every job of a server shares. */
export interface JobEnvironment {
  readonly registry: ComponentRegistry;
  readonly resources: ResourceLedger;
  readonly store: JobStore;
  /** `execution.checkpointing.interval` of the server: for pipelines that set no checkpoint.interval. */
  readonly defaultCheckpointIntervalMs: number | undefined;
  /** The server's log output (lines already free of the job's secrets). */
  readonly writeLog: (line: string) => void;
  /** Told of every failure of a run (for the errors metric). */
  readonly onFailure: (job: ManagedJob, code: string) => void;
}

/** Restart delays of a job whose error is retryable: 1 s, 2 s, 4 s … at most 60 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** attempt, 60_000);
}

export interface JobError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly at: number;
}

/**
 * One job of the server: its pipeline composed exactly as `tidemark run` composes it, run in this
 * process, restarted with backoff when it fails with a retryable error, and brought back to what
 * the user last asked (`desired`, saved in the job store) when the server starts.
 */
export class ManagedJob {
  readonly telemetry = new JobTelemetry();
  private handle: PipelineHandle | undefined;
  private starting: Promise<void> | undefined;
  private runDone: Promise<void> | undefined;
  private current: JobStatus;
  private restartTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private shuttingDown = false;
  /** The server's lines about this job (the pipeline's own lines come from its logger). */
  private readonly log: Logger;
  private lastStatus: PipelineStatus | undefined;
  private spec: PipelineSpec | undefined;
  private sinkTarget: string | undefined;
  startedAt: number | undefined;
  restarts = 0;
  lastError: JobError | undefined;

  constructor(
    private record: JobRecord,
    private readonly env: JobEnvironment,
  ) {
    this.current = idleStatus(record.desired);
    this.log = createLogger(
      { pretty: false, write: env.writeLog },
      { job: record.id, pipeline: record.name },
    );
    // a run that commits again is healthy: the next failure starts the backoff anew
    this.telemetry.onCheckpoint = () => {
      this.attempts = 0;
    };
    try {
      this.spec = this.loadSpec();
    } catch {
      // reported when the job starts
    }
  }

  get id(): string {
    return this.record.id;
  }
  get name(): string {
    return this.record.name;
  }
  get submittedAt(): number {
    return this.record.submittedAt;
  }
  get savepoints(): readonly SavepointRecord[] {
    return this.record.savepoints;
  }
  get status(): JobStatus {
    return this.current;
  }
  /** The pipeline's own status (tables, progress, checkpoint) of the current or last run. */
  get pipeline(): PipelineStatus | undefined {
    return this.handle?.status() ?? this.lastStatus;
  }
  get pipelineSpec(): PipelineSpec | undefined {
    return this.spec;
  }
  get target(): string | undefined {
    return this.sinkTarget;
  }
  /** The secret values of its pipeline (to remove from anything the server prints). */
  get secrets(): readonly string[] {
    return this.spec?.secrets ?? [];
  }

  /** Starts the pipeline (a new run); resolves once it is composed and running, or failed. */
  start(): Promise<void> {
    this.clearRestartTimer();
    this.starting = this.compose();
    return this.starting;
  }

  async stop(savepoint: boolean): Promise<SavepointRecord | undefined> {
    this.requireActive('stop');
    await this.setDesired('stopped');
    const cp = await this.halt('STOPPING', true);
    this.current = 'STOPPED';
    this.log.info('job stopped', { checkpoint: cp?.seq, savepoint });
    if (!savepoint || !cp) return undefined;
    const dir = this.env.store.savepointDir(this.id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const sp = { path: join(dir, `savepoint-${cp.seq}-${Date.now()}.json`), seq: cp.seq, at: Date.now() };
    await writeAtomic(sp.path, JSON.stringify(cp, null, 1));
    await this.save({ ...this.record, savepoints: [...this.record.savepoints, sp] });
    return sp;
  }

  async cancel(): Promise<void> {
    this.requireActive('cancel');
    await this.setDesired('canceled');
    const cp = await this.halt('CANCELING', false);
    this.current = 'CANCELED';
    this.log.info('job canceled', { checkpoint: cp?.seq });
  }

  async resume(fromSavepoint: string | undefined): Promise<void> {
    if (this.isActive()) {
      throw new TidemarkError('JOB_STATE', `job ${this.id} is ${this.current}: stop it before resuming it`);
    }
    if (fromSavepoint !== undefined) await this.restoreSavepoint(fromSavepoint);
    await this.setDesired('running');
    this.attempts = 0;
    await this.start();
  }

  /** Stops the run for a server shutdown: the job stays `running` in the store, to resume on start. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    this.clearRestartTimer();
    await this.starting;
    await this.handle?.stop({ savepoint: true });
    await this.runDone;
  }

  query(sql: string, format: SinkQueryFormat, limits: SinkQueryLimits): Promise<SinkQueryResult> {
    if (!this.handle) {
      return Promise.reject(new TidemarkError('QUERY_REFUSED', `job ${this.id} is ${this.current}`));
    }
    return this.handle.query(sql, format, limits);
  }

  isActive(): boolean {
    return !['STOPPED', 'CANCELED', 'FAILED', 'FINISHED'].includes(this.current);
  }

  private requireActive(what: string): void {
    if (!this.isActive()) {
      throw new TidemarkError('JOB_STATE', `job ${this.id} is ${this.current}: there is nothing to ${what}`);
    }
  }

  /** Ends the run (if any) and any restart pending; returns the checkpoint it stopped at. */
  private async halt(status: JobStatus, savepoint: boolean) {
    this.clearRestartTimer();
    this.current = status;
    await this.starting;
    const cp = await this.handle?.stop({ savepoint });
    await this.runDone;
    return cp;
  }

  private async compose(): Promise<void> {
    this.current = this.restarts > 0 || this.attempts > 0 ? 'RESTARTING' : 'INITIALIZING';
    let handle: PipelineHandle;
    try {
      this.spec = this.loadSpec();
      handle = await composePipeline(this.spec, this.env.registry, {
        stateDir: this.env.store.pipelineStateDir(this.id),
        resources: this.env.resources,
        metrics: this.telemetry,
        log: { pretty: false, write: (line) => this.logLine(line) },
      });
    } catch (e) {
      this.ended(e);
      return;
    }
    this.handle = handle;
    this.sinkTarget = handle.sinkTarget;
    this.startedAt = Date.now();
    this.current = 'RUNNING';
    this.log.info('job started', { restarts: this.restarts });
    this.runDone = handle.run().then(
      () => this.ended(undefined),
      (e: unknown) => this.ended(e),
    );
  }

  private ended(e: unknown): void {
    if (this.handle) this.lastStatus = this.handle.status();
    this.handle = undefined;
    // stop/cancel set the final status; a server shutdown leaves the job to resume
    if (this.record.desired !== 'running' || this.shuttingDown) return;
    if (e === undefined) {
      this.current = 'FINISHED';
      this.log.info('job finished: its source ended');
      void this.setDesired('stopped').catch(() => undefined);
      return;
    }
    this.failed(e);
  }

  private failed(e: unknown): void {
    const code = e instanceof TidemarkError ? e.code : 'INTERNAL';
    const retryable = e instanceof TidemarkError && e.retryable;
    const message = redactSecrets(errorMessage(e), this.secrets);
    this.lastError = { code, message, retryable, at: Date.now() };
    const context = errorContext(e, this.secrets);
    this.telemetry.error({ at: Date.now(), level: 'error', code, message, ...context });
    this.env.onFailure(this, code);
    if (!retryable) {
      this.log.error('job failed: resume it once the cause is fixed', { code, message });
      this.current = 'FAILED';
      void this.setDesired('failed').catch(() => undefined);
      return;
    }
    const delay = restartDelayMs(this.attempts++);
    this.current = 'RESTARTING';
    this.log.warn('job failed (retryable): restarting', { code, message, delayMs: delay });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarts++;
      void this.start();
    }, delay);
  }

  /** A log line of the pipeline (JSON, secrets removed): to the server's log, warnings kept. */
  private logLine(line: string): void {
    this.env.writeLog(line);
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (entry.level === 'warn' || entry.level === 'error') {
      this.telemetry.error({
        at: Date.parse(String(entry.ts)) || Date.now(),
        level: entry.level,
        code: typeof entry.code === 'string' ? entry.code : null,
        message: String(entry.msg),
        table: typeof entry.table === 'string' ? entry.table : null,
        position: typeof entry.position === 'string' ? entry.position : null,
      });
    }
  }

  private loadSpec(): PipelineSpec {
    const spec = loadPipelineYaml(this.record.pipelineYaml, this.record.file ?? `job ${this.id}`, {
      catalog: this.env.registry,
      variables: variableSource(process.env),
    });
    return withCheckpointInterval(spec, this.record.pipelineYaml, this.env.defaultCheckpointIntervalMs);
  }

  private async restoreSavepoint(path: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new TidemarkError('CHECKPOINT', `cannot read the savepoint ${path}: ${errorMessage(e)}`);
    }
    parseCheckpoint(text, path);
    const target = StateStore.checkpointPath(this.env.store.pipelineStateDir(this.id), this.name);
    await mkdir(join(target, '..'), { recursive: true });
    await writeAtomic(target, text);
  }

  private async setDesired(desired: JobDesiredState): Promise<void> {
    await this.save({ ...this.record, desired });
  }

  private async save(record: JobRecord): Promise<void> {
    this.record = record;
    await this.env.store.save(record);
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }
}

/** The table and position an error names in its details (secrets removed), for the dashboard. */
function errorContext(
  e: unknown,
  secrets: readonly string[],
): { table: string | null; position: string | null } {
  const details = e instanceof TidemarkError ? e.details : undefined;
  const text = (v: unknown): string | null =>
    typeof v === 'string' || typeof v === 'number' ? redactSecrets(String(v), secrets) : null;
  const file = text(details?.file);
  const pos = text(details?.pos);
  return {
    table: text(details?.table),
    position: text(details?.position) ?? (file !== null && pos !== null ? `${file}:${pos}` : null),
  };
}

function idleStatus(desired: JobDesiredState): JobStatus {
  switch (desired) {
    case 'running':
      return 'INITIALIZING';
    case 'stopped':
      return 'STOPPED';
    case 'canceled':
      return 'CANCELED';
    case 'failed':
      return 'FAILED';
  }
}

/**
 * The spec with the server's checkpoint interval (Flink's `execution.checkpointing.interval` of the
 * cluster) when the pipeline sets no `checkpoint.interval` of its own.
 */
export function withCheckpointInterval(
  spec: PipelineSpec,
  yamlText: string,
  intervalMs: number | undefined,
): PipelineSpec {
  if (intervalMs === undefined) return spec;
  const doc = parseYaml(yamlText) as { pipeline?: Record<string, unknown> } | null;
  if (doc?.pipeline?.['checkpoint.interval'] !== undefined) return spec;
  return { ...spec, pipeline: { ...spec.pipeline, 'checkpoint.interval': intervalMs } };
}
