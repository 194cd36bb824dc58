import type { TableId } from '../event/table-schema.js';
import { tableIdToString } from '../event/table-schema.js';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { routerFromSpec } from '../routing/route-rules.js';
import type { Checkpoint } from '../runtime/checkpoint.js';
import type { ComponentRegistry, SinkFactory, SourceFactory } from '../runtime/component-registry.js';
import { ResourceLedger } from '../runtime/resource-ledger.js';
import { createLogger, redactSecrets, type Logger, type LoggerOptions } from '../runtime/logger.js';
import { runPipeline, type RunResult } from '../runtime/pipeline-runner.js';
import type { SourceProgress } from '../runtime/source.js';
import { schemaTransformFromRules } from '../transforms/transform-rules.js';

export interface ComposeOptions {
  readonly stateDir: string;
  /** Log settings; the pipeline's secrets are added and its name is on every line. */
  readonly log?: Omit<LoggerOptions, 'secrets'>;
  /** Stop once the source caught up and everything is committed. */
  readonly exitWhenCaughtUp?: boolean;
  readonly onStart?: (info: { tables: readonly TableId[]; resumedFrom: Checkpoint | undefined }) => void;
  readonly onProgress?: (p: SourceProgress) => void;
  /**
   * What the process's pipelines hold exclusively (a DuckDB file, a replica server id): a second
   * pipeline claiming one is refused (RESOURCE_IN_USE). Share one ledger between the pipelines of
   * a process; the claims are released when the pipeline's run ends.
   */
  readonly resources?: ResourceLedger;
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
  /** Stops cleanly: the last complete transaction is committed, then run() resolves. */
  stop(): void;
  status(): PipelineStatus;
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
  const release = (opts.resources ?? new ResourceLedger()).claim(name, [
    ...sourceFactory.claims(spec.source.options, spec),
    ...sinkFactory.claims(spec.sink.options, spec),
  ]);
  try {
    return await handleFor(spec, sourceFactory, sinkFactory, opts, release);
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
  const name = spec.pipeline.name;
  const logger = createLogger({ ...opts.log, secrets: spec.secrets }, { pipeline: name });
  const router = routerFromSpec(spec);
  const schemaTransform = schemaTransformFromRules(spec.transforms);
  const source = await sourceFactory.create(spec.source.options, spec);
  const sink = await sinkFactory.create(spec.sink.options, spec);
  const controller = new AbortController();
  let status: PipelineStatus = { name, state: 'created', tables: [] };
  const update = (s: Partial<PipelineStatus>): void => {
    status = { ...status, ...s };
  };
  let started = false;
  return {
    name,
    secrets: spec.secrets,
    logger,
    async run() {
      if (started) throw new TidemarkError('INTERNAL', `pipeline ${name} was run twice`);
      started = true;
      if (!controller.signal.aborted) update({ state: 'running' });
      try {
        const result = await runPipeline({
          spec,
          source,
          sink,
          router,
          ...(schemaTransform ? { schemaTransform } : {}),
          stateDir: opts.stateDir,
          logger,
          exitWhenCaughtUp: opts.exitWhenCaughtUp ?? false,
          signal: controller.signal,
          onStart: (info) => {
            update({
              tables: info.tables.map(tableIdToString),
              ...(info.resumedFrom ? { resumedFrom: info.resumedFrom.seq } : {}),
            });
            opts.onStart?.(info);
          },
          onProgress: (p) => {
            update({ progress: p });
            opts.onProgress?.(p);
          },
          onCheckpoint: (cp) => update({ lastCheckpoint: cp.seq }),
        });
        update({ state: 'stopped', rowsWritten: result.rowsWritten });
        return result;
      } catch (e) {
        const code = e instanceof TidemarkError ? e.code : 'INTERNAL';
        update({ state: 'failed', error: { code, message: redactSecrets(errorMessage(e), spec.secrets) } });
        throw e;
      } finally {
        release();
      }
    },
    stop() {
      if (status.state === 'running' || status.state === 'created') update({ state: 'stopping' });
      if (!started) release(); // never run: nothing else ends its claims
      controller.abort();
    },
    status: () => status,
  };
}
