/**
 * The job server's commands: `server` runs it; `submit`, `jobs`, `job`, `stop`, `resume` and
 * `cancel` talk to it over its REST API. Each loads the server code only when it runs.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import type { ClientOptions } from '../server/server-client.js';
import type { JobDetail, JobSummary } from '../server/api-schemas.js';

interface ServerOptions {
  port: string;
  host: string;
  stateDir?: string;
  flinkConf?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function registerServerCommands(program: Command): void {
  program
    .command('server')
    .description('Run the job server: REST API, dashboard and /metrics; jobs run in this process')
    .option('--port <port>', 'TCP port', '8081')
    .option('--host <host>', 'address to listen on (loopback unless told otherwise)', '127.0.0.1')
    .option('--state-dir <dir>', 'jobs, checkpoints and the API token (default ~/.tidemark/server)')
    .option(
      '--flink-conf <file>',
      "a Flink config file: its execution.checkpointing.interval is the jobs' default",
    )
    .action(async (o: ServerOptions) => serverCommand(o));

  const client = (cmd: Command): Command =>
    cmd
      .option(
        '--server <url>',
        'the job server (default: the one of --state-dir, else http://127.0.0.1:8081)',
      )
      .option('--state-dir <dir>', "the server's state directory, where its token is");

  client(
    program.command('submit').description('Submit a pipeline to the job server').argument('<pipeline.yaml>'),
  ).action(async (file: string, o: ClientOptions) => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new TidemarkError('CONFIG_INVALID', `cannot read pipeline file ${file}: ${errorMessage(e)}`);
    }
    const r = await (
      await connect(o)
    ).request<{ id: string; name: string }>('POST', '/api/v1/jobs', { pipeline: text, file: resolve(file) });
    process.stdout.write(
      `Pipeline has been submitted to cluster.\nJob ID: ${r.id}\nJob Description: ${r.name}\n`,
    );
  });

  client(program.command('jobs').description("List the job server's jobs")).action(
    async (o: ClientOptions) => {
      const { jobs } = await (await connect(o)).request<{ jobs: JobSummary[] }>('GET', '/api/v1/jobs');
      process.stdout.write(jobsTable(jobs));
    },
  );

  client(program.command('job').description('Show one job').argument('<id>'))
    .option('--json', 'print the whole job as JSON')
    .action(async (id: string, o: ClientOptions & { json?: boolean }) => {
      const job = await (
        await connect(o)
      ).request<JobDetail>('GET', `/api/v1/jobs/${encodeURIComponent(id)}`);
      process.stdout.write(o.json ? `${JSON.stringify(job, null, 2)}\n` : jobText(job));
    });

  client(
    program
      .command('stop')
      .description('Stop a job (its last complete transaction is committed)')
      .argument('<id>'),
  )
    .option('--savepoint', 'also save its final checkpoint as a savepoint file (for resume --from-savepoint)')
    .action(async (id: string, o: ClientOptions & { savepoint?: boolean }) => {
      const r = await (
        await connect(o)
      ).request<{ status: string; savepoint: { path: string; seq: number } | null }>(
        'POST',
        `/api/v1/jobs/${encodeURIComponent(id)}/stop`,
        { savepoint: o.savepoint ?? false },
      );
      process.stdout.write(`Job ${id} is ${r.status}.\n`);
      if (r.savepoint) process.stdout.write(`Savepoint completed. Path: ${r.savepoint.path}\n`);
    });

  client(program.command('resume').description('Resume a stopped, canceled or failed job').argument('<id>'))
    .option('--from-savepoint <path>', 'resume from this savepoint file instead of the last checkpoint')
    .action(async (id: string, o: ClientOptions & { fromSavepoint?: string }) => {
      const body = o.fromSavepoint ? { fromSavepoint: resolve(o.fromSavepoint) } : {};
      const r = await (
        await connect(o)
      ).request<{ status: string }>('POST', `/api/v1/jobs/${encodeURIComponent(id)}/resume`, body);
      process.stdout.write(`Job ${id} is ${r.status}.\n`);
    });

  client(
    program.command('cancel').description('Cancel a job at once (no final commit)').argument('<id>'),
  ).action(async (id: string, o: ClientOptions) => {
    const r = await (
      await connect(o)
    ).request<{ status: string }>('POST', `/api/v1/jobs/${encodeURIComponent(id)}/cancel`);
    process.stdout.write(`Job ${id} is ${r.status}.\n`);
  });
}

async function connect(o: ClientOptions) {
  const { ServerClient } = await import('../server/server-client.js');
  return ServerClient.connect({
    ...(o.server ? { server: o.server } : {}),
    ...(o.stateDir ? { stateDir: resolve(o.stateDir) } : {}),
  });
}

async function serverCommand(o: ServerOptions): Promise<void> {
  const [{ startJobServer }, { defaultServerStateDir }, { createDefaultRegistry }, { tuneHeapForStreaming }] =
    await Promise.all([
      import('../server/job-server.js'),
      import('../server/server-client.js'),
      import('../connectors/index.js'),
      import('./heap-tuning.js'),
    ]);
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TidemarkError('CONFIG_INVALID', `--port ${o.port} is not a TCP port`);
  }
  tuneHeapForStreaming();
  const stateDir = resolve(o.stateDir ?? defaultServerStateDir());
  const server = await startJobServer({
    host: o.host,
    port,
    stateDir,
    registry: createDefaultRegistry(),
    ...(o.flinkConf ? { flinkConf: resolve(o.flinkConf) } : {}),
  });
  const out = process.stdout;
  out.write(`tidemark job server on ${server.url} (dashboard and API), state in ${stateDir}\n`);
  if (!LOOPBACK.has(o.host)) {
    out.write(
      `warning: listening on ${o.host}, beyond loopback: anyone who can reach it and has the token controls its jobs\n`,
    );
  }
  if (server.token.created) {
    out.write(
      `API token (shown this once; kept in ${server.token.path}, mode 0600): ${server.token.token}\n`,
    );
  } else {
    out.write(`API token: in ${server.token.path}\n`);
  }
  await untilSignal();
  out.write('stopping: every job commits its last complete transaction\n');
  await server.close();
  out.write('stopped\n');
}

function untilSignal(): Promise<void> {
  return new Promise((resolveSignal) => {
    const on = (): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      process.once('SIGINT', () => process.exit(130));
      resolveSignal();
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

function jobsTable(jobs: readonly JobSummary[]): string {
  const rows = [
    ['JOB ID', 'STATUS', 'PHASE', 'CHECKPOINT', 'ROWS', 'NAME'],
    ...jobs.map((j) => [
      j.id,
      j.status,
      j.phase ?? '-',
      j.lastCheckpoint ? `#${j.lastCheckpoint.seq}` : '-',
      String(j.rowsWritten),
      j.name,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}

function jobText(j: JobDetail): string {
  const lines = [
    `Job ID: ${j.id}`,
    `Name: ${j.name}`,
    `Status: ${j.status}${j.phase ? ` (${j.phase})` : ''}`,
    `Last checkpoint: ${j.lastCheckpoint ? `#${j.lastCheckpoint.seq}, ${j.checkpointAgeSeconds?.toFixed(1)} s ago` : 'none'}`,
    `Rows written: ${j.rowsWritten} (${j.rowsPerSecond.toFixed(1)}/s)${j.lagMs !== null ? `, lag ${(j.lagMs / 1000).toFixed(1)} s` : ''}`,
    ...j.snapshot.map(
      (t) => `  snapshot ${t.table}: ${t.rowsRead}/${t.rowsEstimated}${t.done ? ' done' : ''}`,
    ),
    ...(j.error ? [`Last error: [${j.error.code}] ${j.error.message}`] : []),
    ...j.savepoints.map((s) => `Savepoint #${s.seq}: ${s.path}`),
  ];
  return lines.join('\n') + '\n';
}
