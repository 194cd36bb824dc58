import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { TidemarkError, errorMessage, isTidemarkError } from '../event/tidemark-error.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import type { ComponentRegistry } from '../runtime/component-registry.js';
import { redactSecrets } from '../runtime/logger.js';
import { registerBinlogCommand } from './binlog-command.js';
import { registerServerCommands } from './server-commands.js';

/**
 * One CLI invocation's state. Commands import what they use when they run: `tidemark --help` and
 * `validate` load no connector.
 */
class CliContext {
  /** Secret values of the loaded pipeline: removed from anything printed, errors included. */
  readonly secrets = new Set<string>();
  private components: ComponentRegistry | undefined;

  async registry(): Promise<ComponentRegistry> {
    this.components ??= (await import('../connectors/index.js')).createDefaultRegistry();
    return this.components;
  }

  async loadSpec(file: string, secretsFile: string | undefined): Promise<PipelineSpec> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new TidemarkError('CONFIG_INVALID', `cannot read pipeline file ${file}: ${errorMessage(e)}`);
    }
    const { parseSecretsFile, variableSource } = await import('../pipeline-spec/variable-substitution.js');
    let secrets: Record<string, string> = {};
    if (secretsFile) {
      try {
        secrets = parseSecretsFile(await readFile(secretsFile, 'utf8'));
      } catch (e) {
        throw new TidemarkError(
          'CONFIG_INVALID',
          `cannot read secrets file ${secretsFile}: ${errorMessage(e).split('\n')[0]}`,
        );
      }
    }
    for (const v of Object.values(secrets)) this.secrets.add(v);
    const { loadPipelineYaml } = await import('../pipeline-spec/yaml-pipeline-loader.js');
    const spec = loadPipelineYaml(text, file, {
      catalog: await this.registry(),
      variables: variableSource(process.env, secrets),
    });
    for (const v of spec.secrets) this.secrets.add(v);
    return spec;
  }
}

/** How long a stopped `run` may take to wind down before the process exits anyway. */
const EXIT_GRACE_MS = 2000;
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const ctx = new CliContext();
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
      await runCommand(ctx, file, o);
    });

  program
    .command('validate')
    .description('Check a pipeline definition without connecting to anything')
    .argument('<pipeline.yaml>')
    .option('--secrets <file>', 'YAML/JSON file with values for ${...} placeholders')
    .action(async (file: string, o: { secrets?: string }) => {
      const spec = await ctx.loadSpec(file, o.secrets);
      // expression syntax (types need the tables: checked when `run` starts)
      if (spec.transforms.length)
        (await import('../transforms/transform-syntax.js')).checkTransformSyntax(spec);
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
      const { queryDuckDbOrServer } = await import('./server-query.js');
      process.stdout.write(await queryDuckDbOrServer(file, sql, o.format));
    });

  program
    .command('docs')
    .description('Print the configuration reference generated from the component schemas')
    .option('--json', 'print the JSON Schema of every component and pipeline block instead')
    .action(async (o: { json?: boolean }) => {
      if (o.json) {
        const { configurationJsonSchemas } = await import('./config-docs.js');
        const { createDefaultRegistry } = await import('../connectors/index.js');
        process.stdout.write(
          `${JSON.stringify(configurationJsonSchemas(createDefaultRegistry()), null, 2)}\n`,
        );
        return;
      }
      const { generatedReadmeSection } = await import('./readme-docs.js');
      process.stdout.write(generatedReadmeSection());
    });

  registerBinlogCommand(program);
  registerServerCommands(program);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    exitCode = reportError(e, ctx.secrets);
  }
  return exitCode;
}

function reportError(e: unknown, secrets: ReadonlySet<string>): number {
  const redact = (text: string): string => redactSecrets(text, secrets);
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

/** `tidemark run`: compose the pipeline, run it until stopped or caught up, print the outcome. */
async function runCommand(
  ctx: CliContext,
  file: string,
  o: { stateDir: string; secrets?: string; exitWhenCaughtUp?: boolean },
): Promise<void> {
  const spec = await ctx.loadSpec(file, o.secrets);
  const [{ composePipeline }, { tuneHeapForStreaming }, { ProgressReporter }, { tableIdToString }] =
    await Promise.all([
      import('../composer/pipeline-composer.js'),
      import('./heap-tuning.js'),
      import('./progress-reporter.js'),
      import('../event/table-schema.js'),
    ]);
  const heapGrowingPercent = tuneHeapForStreaming();
  const progress = new ProgressReporter(process.stdout);
  const pipeline = await composePipeline(spec, await ctx.registry(), {
    stateDir: resolve(o.stateDir),
    exitWhenCaughtUp: o.exitWhenCaughtUp ?? false,
    onStart: ({ tables, resumedFrom }) => {
      process.stdout.write(`Pipeline: ${spec.pipeline.name}\n`);
      process.stdout.write(
        `Capturing ${tables.length} table(s): ${tables.map(tableIdToString).join(', ')}\n`,
      );
      if (resumedFrom) process.stdout.write(`Resuming from checkpoint #${resumedFrom.seq}\n`);
    },
    onProgress: (p) => progress.update(p),
  });
  const logger = pipeline.logger;
  logger.debug('V8 heap tuned for streaming', { heapGrowingPercent });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      logger.warn('second signal: exiting without a final checkpoint', { signal: sig });
      process.exit(130);
    }
    logger.info('stopping: committing the last complete transaction', { signal: sig });
    void pipeline.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await pipeline.run();
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
}
