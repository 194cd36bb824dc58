import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { TidemarkError, errorMessage, isTidemarkError } from '../event/tidemark-error.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import type { ComponentRegistry } from '../runtime/component-registry.js';
import { registerBinlogCommand } from './binlog-command.js';

// Commands import what they use when they run: `tidemark --help` and `validate` load no connector.
let registry: ComponentRegistry | undefined;
async function defaultRegistry(): Promise<ComponentRegistry> {
  registry ??= (await import('../connectors/index.js')).createDefaultRegistry();
  return registry;
}
/** Secret values of the loaded pipeline: removed from anything printed, errors included. */
const knownSecrets = new Set<string>();

function redact(text: string): string {
  let out = text;
  for (const s of knownSecrets) if (s.length >= 3) out = out.split(s).join('******');
  return out;
}

async function loadSpec(file: string, secretsFile: string | undefined): Promise<PipelineSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TidemarkError('CONFIG_INVALID', `cannot read pipeline file ${file}: ${errorMessage(e)}`);
  }
  let secrets: Record<string, string> = {};
  if (secretsFile) {
    try {
      const { parseSecretsFile } = await import('../pipeline-spec/variable-substitution.js');
      secrets = parseSecretsFile(await readFile(secretsFile, 'utf8'));
    } catch (e) {
      throw new TidemarkError(
        'CONFIG_INVALID',
        `cannot read secrets file ${secretsFile}: ${errorMessage(e).split('\n')[0]}`,
      );
    }
  }
  for (const v of Object.values(secrets)) knownSecrets.add(v);
  const { variableSource } = await import('../pipeline-spec/variable-substitution.js');
  const { loadPipelineYaml } = await import('../pipeline-spec/yaml-pipeline-loader.js');
  const spec = loadPipelineYaml(text, file, {
    catalog: await defaultRegistry(),
    variables: variableSource(process.env, secrets),
  });
  for (const v of spec.secrets) knownSecrets.add(v);
  return spec;
}

/** How long a stopped `run` may take to wind down before the process exits anyway. */
const EXIT_GRACE_MS = 2000;
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('tidemark')
    .description('Change-data-capture pipelines: MySQL/MariaDB binlog into DuckDB and more')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('Run a pipeline: snapshot, then stream changes, until stopped (SIGINT/SIGTERM)')
    .argument('<pipeline.yaml>', 'Flink CDC pipeline definition')
    .option('--state-dir <dir>', 'where checkpoints are kept', '.tidemark')
    .option('--secrets <file>', 'YAML/JSON file with values for ${...} placeholders')
    .option(
      '--exit-when-caught-up',
      'exit 0 once the snapshot is done and the binlog end seen at catch-up is committed',
    )
    .action(async (file: string, o: { stateDir: string; secrets?: string; exitWhenCaughtUp?: boolean }) => {
      const spec = await loadSpec(file, o.secrets);
      const [
        { createLogger },
        { tuneHeapForStreaming },
        { routerFromSpec },
        { schemaTransformFromRules },
        { runPipeline },
        { ProgressReporter },
        { tableIdToString },
      ] = await Promise.all([
        import('../runtime/logger.js'),
        import('./heap-tuning.js'),
        import('../routing/route-rules.js'),
        import('../transforms/transform-rules.js'),
        import('../runtime/pipeline-runner.js'),
        import('./progress-reporter.js'),
        import('../event/table-schema.js'),
      ]);
      const logger = createLogger({ secrets: spec.secrets }, { pipeline: spec.pipeline.name });
      logger.debug('V8 heap tuned for streaming', { heapGrowingPercent: tuneHeapForStreaming() });
      const router = routerFromSpec(spec);
      const schemaTransform = schemaTransformFromRules(spec.transforms);
      const components = await defaultRegistry();
      const source = await components.source(spec.source.type)!.create(spec.source.options, spec);
      const sink = await components.sink(spec.sink.type)!.create(spec.sink.options, spec);
      const controller = new AbortController();
      let signals = 0;
      const onSignal = (sig: NodeJS.Signals): void => {
        signals++;
        if (signals > 1) {
          logger.warn('second signal: exiting without a final checkpoint', { signal: sig });
          process.exit(130);
        }
        logger.info('stopping: committing the last complete transaction', { signal: sig });
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const progress = new ProgressReporter(process.stdout);
      try {
        const result = await runPipeline({
          spec,
          source,
          sink,
          router,
          ...(schemaTransform ? { schemaTransform } : {}),
          stateDir: resolve(o.stateDir),
          logger,
          exitWhenCaughtUp: o.exitWhenCaughtUp ?? false,
          signal: controller.signal,
          onStart: ({ tables, resumedFrom }) => {
            process.stdout.write(`Pipeline: ${spec.pipeline.name}\n`);
            process.stdout.write(
              `Capturing ${tables.length} table(s): ${tables.map(tableIdToString).join(', ')}\n`,
            );
            if (resumedFrom) process.stdout.write(`Resuming from checkpoint #${resumedFrom.seq}\n`);
          },
          onProgress: (p) => progress.update(p),
        });
        progress.done();
        process.stdout.write(
          `Stopped (${result.reason}); ${result.rowsWritten} change(s) written; checkpoint #${result.lastCheckpoint?.seq ?? 0}\n`,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        // The pipeline is stopped and its last checkpoint committed (or it failed). Work still
        // winding down (a snapshot query of a stopped reader) must not keep the process alive:
        // exit after a grace period, if the process is still there then.
        setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
      }
    });

  program
    .command('validate')
    .description('Check a pipeline definition without connecting to anything')
    .argument('<pipeline.yaml>')
    .option('--secrets <file>', 'YAML/JSON file with values for ${...} placeholders')
    .action(async (file: string, o: { secrets?: string }) => {
      const spec = await loadSpec(file, o.secrets);
      process.stdout.write(
        `${file}: valid (pipeline "${spec.pipeline.name}", ${spec.source.type} → ${spec.sink.type})\n`,
      );
    });

  program
    .command('query')
    .description('Run SQL against a DuckDB file written by the duckdb sink')
    .argument('<duckdb-file>')
    .argument('<sql>')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
    )
    .action(async (file: string, sql: string, o: { format: 'table' | 'json' | 'csv' }) => {
      const { queryDuckDb } = await import('../connectors/duckdb/duckdb-query.js');
      process.stdout.write(await queryDuckDb(file, sql, o.format));
    });

  program
    .command('docs')
    .description('Print the configuration reference generated from the component schemas')
    .action(async () => {
      const { generatedReadmeSection } = await import('./readme-docs.js');
      process.stdout.write(generatedReadmeSection());
    });

  registerBinlogCommand(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    exitCode = reportError(e);
  }
  return exitCode;
}

function reportError(e: unknown): number {
  const ce = e as { code?: string; exitCode?: number };
  if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) {
    return ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version' ? 0 : 2;
  }
  if (isTidemarkError(e)) {
    process.stderr.write(redact(`error [${e.code}]: ${e.message}\n`));
    return e.code.startsWith('CONFIG') ? 2 : 1;
  }
  process.stderr.write(redact(`error [INTERNAL]: ${errorMessage(e)}\n${(e as Error).stack ?? ''}\n`));
  return 1;
}
