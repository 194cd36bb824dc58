import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
// bundled into dist/ by the build: the version is the package's, wherever the CLI runs from
import packageJson from '../../package.json' with { type: 'json' };
import { TidemarkError, errorMessage, isTidemarkError } from '../event/tidemark-error.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { didYouMean } from '../pipeline-spec/did-you-mean.js';
import type { ComponentRegistry } from '../runtime/component-registry.js';
import type { RunResult } from '../runtime/pipeline-runner.js';
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
      let secretsText: string;
      try {
        secretsText = await readFile(secretsFile, 'utf8');
      } catch (e) {
        throw new TidemarkError(
          'CONFIG_INVALID',
          `cannot read secrets file ${secretsFile}: ${errorMessage(e)}`,
        );
      }
      try {
        secrets = parseSecretsFile(secretsText);
      } catch (e) {
        // `line:column: message`, without the file's text
        throw new TidemarkError('CONFIG_INVALID', `${secretsFile}:${errorMessage(e)}`);
      }
    }
    for (const v of Object.values(secrets)) this.secrets.add(v);
    const [{ loadPipelineYaml }, { offlineChecks }, expressions] = await Promise.all([
      import('../pipeline-spec/yaml-pipeline-loader.js'),
      import('../composer/pipeline-checks.js'),
      // the expression parser loads only for a text with the word (every pipeline with transform
      // rules has it as a key)
      text.includes('transform') ? import('../transforms/transform-syntax.js') : undefined,
    ]);
    const spec = loadPipelineYaml(text, file, {
      catalog: await this.registry(),
      variables: variableSource(process.env, secrets),
      check: offlineChecks(expressions?.transformSyntaxProblems),
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
    .version(packageJson.version, '-V, --version', 'print the version')
    .helpCommand(false)
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
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines on stderr as text or json (default: text on a terminal, else json; env TIDEMARK_LOG_FORMAT)',
      ).choices(['text', 'json']),
    )
    .option('-q, --quiet', 'log warnings and errors only, no progress')
    .option('-v, --verbose', 'log debug details too (env TIDEMARK_LOG_LEVEL=debug|info|warn|error)')
    .action(async (file: string, o: RunOptions) => {
      await runCommand(ctx, file, o);
    });

  program
    .command('validate')
    .description('Check a pipeline definition without connecting to anything')
    .argument('<pipeline.yaml>')
    .option('--secrets <file>', 'YAML/JSON file with values for ${...} placeholders')
    .action(async (file: string, o: { secrets?: string }) => {
      // every check that needs no server: the same loading `run` starts with (option schemas,
      // regexes, expressions, time zones, routes); the components are not created, so no
      // native module (DuckDB, librdkafka) loads
      const spec = await ctx.loadSpec(file, o.secrets);
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
      new Option('--format <format>', 'output format (json/jsonl: see "Logs and output" in the README)')
        .choices(['table', 'json', 'jsonl', 'csv'])
        .default('table'),
    )
    .action(async (file: string, sql: string, o: { format: 'table' | 'json' | 'jsonl' | 'csv' }) => {
      const { queryDuckDbOrServer } = await import('./server-query.js');
      process.stdout.write(await queryDuckDbOrServer(file, sql, o.format));
    });

  program
    .command('docs')
    .description('Print the configuration reference generated from the component schemas')
    .argument(
      '[component]',
      'only this one: a source or sink type (mysql, duckdb, …), route, transform or pipeline',
    )
    .option('--json', 'print the JSON Schema of every component and pipeline block instead')
    .action(async (name: string | undefined, o: { json?: boolean }, cmd: Command) => {
      if (name !== undefined) {
        process.stdout.write(await oneComponentDocs(name, cmd));
        return;
      }
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
  // more commands register here, from their own files; the two calls below cover every command

  addHelpCommand(program);
  addUsageHints(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    exitCode = reportError(e, ctx.secrets);
  }
  return exitCode;
}

/** `tidemark help <command> [<subcommand>…]`: the same as `<command> … --help`. */
function addHelpCommand(program: Command): void {
  program
    .command('help')
    .description('Show the help of a command (tidemark help binlog dump)')
    .argument('[command...]')
    .action((path: string[], _o: unknown, help: Command) => {
      let cmd = program;
      for (const name of path) {
        const sub = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!sub) {
          const known = cmd.commands.map((c) => c.name());
          help.error(
            `error: unknown command '${name}'${didYouMean(name, known)}; commands: ${known.join(', ')}`,
            { exitCode: 2, code: 'commander.unknownCommand' },
          );
        }
        cmd = sub;
      }
      cmd.outputHelp();
    });
}

/**
 * A usage error prints its one line and where the usage is, not the whole help: set on every
 * command (after all are registered), naming the command's own help.
 */
function addUsageHints(cmd: Command, path: readonly string[] = []): void {
  const hint = path.length && path[0] !== 'help' ? `tidemark help ${path.join(' ')}` : 'tidemark --help';
  cmd.showHelpAfterError(`(see "${hint}")`);
  for (const sub of cmd.commands) addUsageHints(sub, [...path, sub.name()]);
}

async function oneComponentDocs(name: string, cmd: Command): Promise<string> {
  const [{ componentReference, documentedNames }, registry] = await Promise.all([
    import('./config-docs.js'),
    import('../connectors/index.js').then((m) => m.createDefaultRegistry()),
  ]);
  const text = componentReference(registry, name);
  if (text !== undefined) return text;
  const known = documentedNames(registry);
  return cmd.error(`error: no component '${name}'${didYouMean(name, known)}; one of: ${known.join(', ')}`, {
    exitCode: 2,
    code: 'commander.invalidArgument',
  });
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
async function runCommand(ctx: CliContext, file: string, o: RunOptions): Promise<void> {
  const { resolveLogSettings } = await import('./log-settings.js');
  const log = resolveLogSettings(o, process.env, process.stderr.isTTY === true);
  const spec = await ctx.loadSpec(file, o.secrets);
  const [
    { composePipeline },
    { tuneHeapForStreaming },
    { ProgressReporter },
    { TerminalRenderer },
    { tableIdToString },
  ] = await Promise.all([
    import('../composer/pipeline-composer.js'),
    import('./heap-tuning.js'),
    import('./progress-reporter.js'),
    import('./terminal-renderer.js'),
    import('../event/table-schema.js'),
  ]);
  const heapGrowingPercent = tuneHeapForStreaming();
  // one stream: log lines and progress on stderr, through one renderer; stdout gets the result
  const renderer = new TerminalRenderer(process.stderr);
  let progress: InstanceType<typeof ProgressReporter> | undefined;
  const pipeline = await composePipeline(spec, await ctx.registry(), {
    stateDir: resolve(o.stateDir),
    exitWhenCaughtUp: o.exitWhenCaughtUp ?? false,
    log: { level: log.level, format: log.format, write: (line) => renderer.line(line) },
    onStart: ({ tables }) => {
      pipeline.logger.info(`capturing ${tables.length} table(s)`, {
        tables: tables.map(tableIdToString).join(', '),
      });
    },
    onProgress: (p) => progress?.update(p),
  });
  const logger = pipeline.logger;
  // --quiet: warnings and errors only, no progress
  if (log.level === 'debug' || log.level === 'info') progress = new ProgressReporter(renderer, logger);
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
    renderer.end();
    process.stdout.write(`${stopLine(result)}\n`);
  } finally {
    renderer.end(); // an error is printed below the log, not over the bars
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // The pipeline is stopped and its last checkpoint committed (or it failed). Work still
    // winding down (a snapshot query of a stopped reader) must not keep the process alive:
    // exit after a grace period, if the process is still there then.
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  }
}

interface RunOptions {
  readonly stateDir: string;
  readonly secrets?: string;
  readonly exitWhenCaughtUp?: boolean;
  readonly logFormat?: string;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
}

const STOP_REASONS: Record<RunResult['reason'], string> = {
  stopped: 'on request',
  'caught-up': 'caught up with the source',
  'source-ended': 'the source ended',
};

/**
 * The last line of `run`, e.g. `Stopped (caught up with the source); 42 change(s) written;
 * checkpoint #7`. Benchmarks and tests read it: keep `Stopped (…); N change(s) written`.
 */
export function stopLine(result: RunResult): string {
  return `Stopped (${STOP_REASONS[result.reason]}); ${result.rowsWritten} change(s) written; checkpoint #${result.lastCheckpoint?.seq ?? 0}`;
}
