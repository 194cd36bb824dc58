import type { TableId } from '../event/table-schema.js';
import { tableIdToString } from '../event/table-schema.js';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { routerFromSpec } from '../routing/route-rules.js';
import type { Checkpoint } from '../runtime/checkpoint.js';
import type { ComponentRegistry, SinkFactory, SourceFactory } from '../runtime/component-registry.js';
import { ResourceLedger } from '../runtime/resource-ledger.js';
import { createLogger, redactSecrets, type Logger, type LoggerOptions } from '../runtime/logger.js';
import { runPipeline, type EventTransform, type RunResult } from '../runtime/pipeline-runner.js';
import type { TableRouter } from '../runtime/schema-operator.js';
import type { Sink } from '../runtime/sink.js';
import type { Source, SourceProgress } from '../runtime/source.js';
import { acceptedSchemaChanges } from '../pipeline-spec/schema-change-tags.js';
import type { SinkQueryFormat, SinkQueryLimits, SinkQueryResult } from '../runtime/sink.js';
import { instrumentSink, type SinkMetrics } from './instrumented-sink.js';

export interface ComposeOptions {
  readonly stateDir: string;
  /** Log settings; the pipeline's secrets are added and its name is on every line. */
  readonly log?: Omit<LoggerOptions, 'secrets'>;
  /** Stop once the source caught up and everything is committed. */
  readonly exitWhenCaughtUp?: boolean;
  readonly onStart?: (info: { tables: readonly TableId[]; resumedFrom: Checkpoint | undefined }) => void;
  readonly onProgress?: (p: SourceProgress) => void;
  /** Hooks for a metrics exporter (a job server's, a dashboard's). */
  readonly metrics?: PipelineMetrics;
  /**
   * What the process's pipelines hold exclusively (a DuckDB file, a replica server id): a second
   * pipeline claiming one is refused (RESOURCE_IN_USE). Share one ledger between the pipelines of
   * a process; the claims are released when the pipeline's run ends.
   */
  readonly resources?: ResourceLedger;
}

/** What a pipeline reports as it runs; every hook is optional and must not throw. */
export interface PipelineMetrics extends SinkMetrics {
  /** A checkpoint was committed (into the sink and the state directory). */
  checkpointCommitted?(m: {
    readonly seq: number;
    readonly rowsCommitted: number;
    readonly at: number;
  }): void;
  /** Snapshot progress and streaming lag, as the source reports them. */
  progress?(p: SourceProgress): void;
  /** The run ended: stopped (also caught up or the source ended) or failed, after how long. */
  ended?(m: {
    readonly state: 'stopped' | 'failed';
    readonly errorCode?: string;
    readonly durationMs: number;
  }): void;
}

export type PipelineState = 'created' | 'running' | 'stopping' | 'stopped' | 'failed';

/** A pipeline's state for a CLI, a job server or metrics: plain data, safe to print. */
export interface PipelineStatus {
  readonly name: string;
  readonly state: PipelineState;
  readonly tables: readonly string[];
  readonly resumedFrom?: number;
  readonly lastCheckpoint?: number;
  readonly rowsWritten?: number;
  readonly progress?: SourceProgress;
  /** Why it failed: the error's code and message (secrets removed). */
  readonly error?: { readonly code: string; readonly message: string };
}

/** One composed pipeline: run it once, stop it from anywhere, ask how it is. */
export interface PipelineHandle {
  readonly name: string;
  /** Its secret values (to remove from anything printed about it); never logged. */
  readonly secrets: readonly string[];
  /** Its logger: the pipeline's name on every line, its secrets removed. */
  readonly logger: Logger;
  /** Runs until stopped, caught up (exitWhenCaughtUp) or the source ends; rejects on failure. */
  run(): Promise<RunResult>;
  /**
   * Stops the pipeline; resolves once run() settled, with the checkpoint a restart resumes from
   * (undefined when none was ever committed). With `savepoint` (the default) the last complete
   * source transaction is committed first, so that checkpoint is as new as it can be; without,
   * the run ends at once (a cancel) and the last checkpoint committed before stays.
   */
  stop(options?: { readonly savepoint?: boolean }): Promise<Checkpoint | undefined>;
  status(): PipelineStatus;
  /** Where its sink writes (`duckdb /abs/file.duckdb`); never a secret. */
  readonly sinkTarget: string;
  /**
   * A read-only query of the sink's store while the pipeline runs (QUERY_REFUSED when the sink
   * answers none, or is not open).
   */
  query(sql: string, format: SinkQueryFormat, limits: SinkQueryLimits): Promise<SinkQueryResult>;
}

/**
 * Builds a pipeline from its spec: source and sink from the registry, route and transform rules,
 * its own logger (with the pipeline's secrets) and stop signal. Nothing is shared between two
 * handles, so one process can run several pipelines (the job server).
 */
export async function composePipeline(
  spec: PipelineSpec,
  registry: ComponentRegistry,
  opts: ComposeOptions,
): Promise<PipelineHandle> {
  const name = spec.pipeline.name;
  const sourceFactory = registry.source(spec.source.type);
  const sinkFactory = registry.sink(spec.sink.type);
  if (!sourceFactory || !sinkFactory) {
    const missing = sourceFactory ? `sink type ${spec.sink.type}` : `source type ${spec.source.type}`;
    throw new TidemarkError('CONFIG_INVALID', `pipeline ${name}: no ${missing} is registered`);
  }
  const ledger = opts.resources ?? new ResourceLedger();
  // resolved and claimed in one synchronous step: a pipeline composed meanwhile sees the claims
  const resolved: PipelineSpec = {
    ...spec,
    source: {
      ...spec.source,
      options: sourceFactory.resolveOptions(spec.source.options, spec, ledger.isHeld),
    },
    sink: { ...spec.sink, options: sinkFactory.resolveOptions(spec.sink.options, spec, ledger.isHeld) },
  };
  const release = ledger.claim(name, [
    ...sourceFactory.claims(resolved.source.options, resolved),
    ...sinkFactory.claims(resolved.sink.options, resolved),
  ]);
  try {
    return await handleFor(resolved, sourceFactory, sinkFactory, opts, release);
  } catch (e) {
    release();
    throw e;
  }
}

async function handleFor(
  spec: PipelineSpec,
  sourceFactory: SourceFactory,
  sinkFactory: SinkFactory,
  opts: ComposeOptions,
  release: () => void,
): Promise<PipelineHandle> {
  const logger = createLogger({ ...opts.log, secrets: spec.secrets }, { pipeline: spec.pipeline.name });
  const router = routerFromSpec(spec);
  // the expression compiler loads only for a pipeline that has transform rules
  const loaded = spec.transforms.length
    ? await (
        await import('../transforms/transform-loader.js')
      ).loadTransform(spec, (name, e) =>
        logger.warn('a user function failed to close', { function: name, error: errorMessage(e) }),
      )
    : undefined;
  // the user functions opened by the load are closed once the pipeline ends, or now if it is not made
  const closeFunctions = (): Promise<void> => loaded?.close() ?? Promise.resolve();
  try {
    const source = await sourceFactory.create(spec.source.options, spec);
    const created = await sinkFactory.create(spec.sink.options, spec);
    const sink = opts.metrics ? instrumentSink(created, opts.metrics) : created;
    const transform = loaded?.operator;
    return new ComposedPipeline(
      spec,
      { source, sink, router, transform, logger, closeFunctions },
      opts,
      release,
    );
  } catch (e) {
    await closeFunctions();
    throw e;
  }
}

interface Parts {
  readonly source: Source;
  readonly sink: Sink;
  readonly router: TableRouter;
  readonly transform: EventTransform | undefined;
  readonly logger: Logger;
  /** Closes the user functions (`close()` of each, once; never rejects). */
  readonly closeFunctions: () => Promise<void>;
}

class ComposedPipeline implements PipelineHandle {
  readonly name: string;
  readonly secrets: readonly string[];
  readonly logger: Logger;
  readonly sinkTarget: string;
  private readonly controller = new AbortController();
  private current: PipelineStatus;
  private started = false;
  private last: Checkpoint | undefined;
  private ended: Promise<void> | undefined;
  private savepointOnStop = true;

  constructor(
    private readonly spec: PipelineSpec,
    private readonly parts: Parts,
    private readonly opts: ComposeOptions,
    private readonly release: () => void,
  ) {
    this.name = spec.pipeline.name;
    this.secrets = spec.secrets;
    this.logger = parts.logger;
    this.sinkTarget = parts.sink.target;
    this.current = { name: this.name, state: 'created', tables: [] };
  }

  async run(): Promise<RunResult> {
    if (this.started) throw new TidemarkError('INTERNAL', `pipeline ${this.name} was run twice`);
    this.started = true;
    if (!this.controller.signal.aborted) this.update({ state: 'running' });
    const startedAt = Date.now();
    const run = this.runPipeline();
    this.ended = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      const result = await run;
      this.update({ state: 'stopped', rowsWritten: result.rowsWritten });
      this.opts.metrics?.ended?.({ state: 'stopped', durationMs: Date.now() - startedAt });
      return result;
    } catch (e) {
      const code = e instanceof TidemarkError ? e.code : 'INTERNAL';
      const message = redactSecrets(errorMessage(e), this.secrets);
      this.update({ state: 'failed', error: { code, message } });
      this.opts.metrics?.ended?.({ state: 'failed', errorCode: code, durationMs: Date.now() - startedAt });
      throw e;
    } finally {
      await this.parts.closeFunctions();
      this.release();
    }
  }

  async stop(options: { readonly savepoint?: boolean } = {}): Promise<Checkpoint | undefined> {
    if (!this.controller.signal.aborted) this.savepointOnStop = options.savepoint ?? true;
    if (this.current.state === 'running' || this.current.state === 'created')
      this.update({ state: 'stopping' });
    if (!this.started) this.release(); // never run: nothing else ends its claims
    this.controller.abort();
    await this.ended;
    // the run is over (or never was): its user functions are closed before stop() resolves (once:
    // run() closes them too), so that a restart never opens them while they are closing
    await this.parts.closeFunctions();
    return this.last;
  }

  status(): PipelineStatus {
    return this.current;
  }

  query(sql: string, format: SinkQueryFormat, limits: SinkQueryLimits): Promise<SinkQueryResult> {
    const { sink } = this.parts;
    if (!sink.query || this.current.state !== 'running') {
      const why = sink.query ? `is ${this.current.state}` : 'has a sink that answers no query';
      return Promise.reject(new TidemarkError('QUERY_REFUSED', `pipeline ${this.name} ${why}`));
    }
    return sink.query(sql, format, limits);
  }

  private update(s: Partial<PipelineStatus>): void {
    this.current = { ...this.current, ...s };
  }

  private runPipeline(): Promise<RunResult> {
    const { opts, parts } = this;
    return runPipeline({
      spec: this.spec,
      source: parts.source,
      sink: parts.sink,
      router: parts.router,
      ...(parts.transform ? { transform: parts.transform } : {}),
      acceptedSchemaChanges: acceptedSchemaChanges(this.spec.sink.options),
      stateDir: opts.stateDir,
      logger: parts.logger,
      exitWhenCaughtUp: opts.exitWhenCaughtUp ?? false,
      signal: this.controller.signal,
      commitOnStop: () => this.savepointOnStop,
      onStart: (info) => {
        this.last = info.resumedFrom;
        this.update({
          tables: info.tables.map(tableIdToString),
          ...(info.resumedFrom ? { resumedFrom: info.resumedFrom.seq } : {}),
        });
        opts.onStart?.(info);
      },
      onProgress: (p) => {
        this.update({ progress: p });
        opts.onProgress?.(p);
        opts.metrics?.progress?.(p);
      },
      onCheckpoint: (cp, stats) => {
        this.last = cp;
        this.update({ lastCheckpoint: cp.seq, rowsWritten: stats.rowsCommitted });
        opts.metrics?.checkpointCommitted?.({
          seq: cp.seq,
          rowsCommitted: stats.rowsCommitted,
          at: Date.now(),
        });
      },
    });
  }
}
