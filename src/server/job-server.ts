import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import { parseDuration } from '../pipeline-spec/option-types.js';
import type { ComponentRegistry } from '../runtime/component-registry.js';
import { handleRequest } from './http-api.js';
import { JobSupervisor } from './job-supervisor.js';
import { writeAtomic } from './job-store.js';
import { ServerMetrics } from './server-metrics.js';
import { loadOrCreateToken, type ServerToken } from './server-token.js';

export interface JobServerOptions {
  readonly host: string;
  readonly port: number;
  readonly stateDir: string;
  readonly registry: ComponentRegistry;
  /** A Flink configuration file: its `execution.checkpointing.interval` is the jobs' default. */
  readonly flinkConf?: string;
  readonly writeLog?: (line: string) => void;
}

export interface RunningJobServer {
  readonly url: string;
  readonly token: ServerToken;
  readonly supervisor: JobSupervisor;
  /** Stops every job (each commits its last complete transaction), then the HTTP server. */
  close(): Promise<void>;
}

/** `server.json` in the state directory: where clients find the server. */
export interface ServerInfoFile {
  readonly url: string;
  readonly pid: number;
}

/** Starts the job server: token, saved jobs resumed, HTTP API and dashboard on host:port. */
export async function startJobServer(opts: JobServerOptions): Promise<RunningJobServer> {
  const writeLog = opts.writeLog ?? ((line: string) => process.stderr.write(line + '\n'));
  const token = await loadOrCreateToken(opts.stateDir);
  const defaultCheckpointIntervalMs = opts.flinkConf ? await checkpointInterval(opts.flinkConf) : undefined;
  const supervisor = new JobSupervisor({
    stateDir: opts.stateDir,
    registry: opts.registry,
    ...(defaultCheckpointIntervalMs !== undefined ? { defaultCheckpointIntervalMs } : {}),
    writeLog,
    onJob: (job) => metrics.attach(job),
    onFailure: (job, code) => metrics.failed(job, code),
  });
  const metrics = new ServerMetrics(() => supervisor.list());
  const ctx = { supervisor, metrics, token: token.token };
  const server = createServer((req, res) => {
    handleRequest(ctx, req, res).catch((e: unknown) => {
      writeLog(JSON.stringify({ level: 'error', msg: 'request failed', error: errorMessage(e) }));
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await listen(server, opts.host, opts.port);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  await writeAtomic(
    join(opts.stateDir, 'server.json'),
    JSON.stringify({ url, pid: process.pid } satisfies ServerInfoFile),
  );
  await supervisor.start();
  return {
    url,
    token,
    supervisor,
    async close() {
      await supervisor.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new TidemarkError(
          'CONFIG_INVALID',
          `cannot listen on ${host}:${port}: ${e.message}` +
            (e.code === 'EADDRINUSE' ? ' (another server runs there? pick --port)' : ''),
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

/** `execution.checkpointing.interval` of a Flink configuration file (flink-conf.yaml / config.yaml). */
async function checkpointInterval(file: string): Promise<number | undefined> {
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(file, 'utf8'));
  } catch (e) {
    throw new TidemarkError(
      'CONFIG_INVALID',
      `cannot read the Flink configuration ${file}: ${errorMessage(e)}`,
    );
  }
  const flat = (doc ?? {}) as Record<string, unknown>;
  const nested = (flat.execution as { checkpointing?: { interval?: unknown } } | undefined)?.checkpointing
    ?.interval;
  const value = flat['execution.checkpointing.interval'] ?? nested;
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' || typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined) {
    throw new TidemarkError(
      'CONFIG_INVALID',
      `${file}: execution.checkpointing.interval must be a duration (3000, 3s), not ${JSON.stringify(value)}`,
    );
  }
  return ms;
}
