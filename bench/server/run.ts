/**
 * Job server benchmark: N pipelines (default 20, small tables) run by one `tidemark server` next to
 * the same N pipelines run as N `tidemark run` processes, both with the bundled CLI (as deployed),
 * against one private MariaDB. Prints, for each setup, the resident memory (sum of the processes'
 * RSS once every pipeline streams, and their peak), the CPU time spent while the pipelines stream a
 * steady trickle of inserts (every pipeline gets the same rows), and the ratios server / separate.
 *
 *   npx tsx bench/server/run.ts                      20 pipelines, 1,000 rows each, 20 s of inserts
 *   npx tsx bench/server/run.ts --small              3 pipelines, 3 s (run by test/bench-server-smoke.test.ts)
 *   --pipelines N, --rows N, --seconds N, --rate N (inserts per second per pipeline, default 10)
 *
 * The decision it informs (README, Job server): the server runs its pipelines in its own process;
 * one Node.js runtime, one DuckDB library and one MySQL client for all of them, against the
 * isolation that separate processes give.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMariaDb, type MariaDbInstance } from '../../test/support/mariadb.js';
import { compileCli, removeCompiledCli } from '../../test/support/compiled-cli.js';
import { startTidemark, tempDir, waitFor, writePipeline } from '../../test/support/tidemark-cli.js';
import { StateStore } from '../../src/runtime/state-store.js';
import { peakRss } from '../support/process-stats.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const small = args.includes('--small');
const PIPELINES = Number(arg('--pipelines') ?? (small ? 3 : 20));
const ROWS = Number(arg('--rows') ?? (small ? 100 : 1000));
const SECONDS = Number(arg('--seconds') ?? (small ? 3 : 20));
const RATE = Number(arg('--rate') ?? 10);
const CLOCK_TICKS = 100;

type Child = ReturnType<typeof startTidemark>;

interface Measured {
  readonly rssBytes: number;
  readonly peakRssBytes: number;
  readonly cpuSeconds: number;
  readonly startSeconds: number;
}

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

function rss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const db = (i: number): string => `bench_${String(i).padStart(2, '0')}`;

async function prepare(maria: MariaDbInstance): Promise<void> {
  for (let i = 0; i < PIPELINES; i++) {
    const values = Array.from({ length: ROWS }, (_, r) => `(${r}, 'row ${r}', ${r}.25)`).join(',');
    await maria.query(
      `CREATE DATABASE ${db(i)}; CREATE TABLE ${db(i)}.t (id INT PRIMARY KEY, v VARCHAR(50), x DECIMAL(10,2));
       INSERT INTO ${db(i)}.t VALUES ${values};`,
    );
  }
}

/** Writes the N pipelines (own tables, replica ids, DuckDB files) under `dir`; returns their paths. */
function pipelines(maria: MariaDbInstance, dir: string): string[] {
  return Array.from({ length: PIPELINES }, (_, i) => {
    const d = join(dir, `p${i}`);
    return writePipeline(mkdir(d), {
      port: maria.port,
      tables: `${db(i)}\\.t`,
      duckdbPath: join(d, 'sink.duckdb'),
      name: `bench pipeline ${i}`,
      serverId: `${6000 + i * 5}-${6004 + i * 5}`,
    });
  });
}

function mkdir(d: string): string {
  mkdirSync(d, { recursive: true });
  return d;
}

let nextRow = ROWS;
/** Inserts RATE rows a second into every pipeline's table for SECONDS; measures the CPU meanwhile. */
async function trickle(maria: MariaDbInstance, pids: readonly number[]): Promise<number> {
  const cpu0 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
  const end = Date.now() + SECONDS * 1000;
  while (Date.now() < end) {
    const id = nextRow++;
    await maria.query(
      Array.from(
        { length: PIPELINES },
        (_, i) => `INSERT INTO ${db(i)}.t VALUES (${id}, 'new ${id}', 1.50)`,
      ).join(';'),
    );
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  return pids.reduce((s, p) => s + cpuSeconds(p), 0) - cpu0;
}

async function measureServer(maria: MariaDbInstance, bin: string): Promise<Measured> {
  const dir = tempDir('tidemark-bench-server-');
  const files = pipelines(maria, dir);
  const stateDir = join(dir, 'server');
  const started = Date.now();
  const server = startTidemark(
    ['server', '--port', '0', '--state-dir', stateDir],
    { TIDEMARK_LOG_LEVEL: 'warn' },
    bin,
  );
  let out = '';
  server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitFor(() => /job server on (http:\S+)/.test(out), 60_000, 'the server');
    const url = /job server on (http:\S+)/.exec(out)![1]!;
    const token = readFileSync(join(stateDir, 'token'), 'utf8').trim();
    const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return res.json();
    };
    for (const f of files) await api('POST', '/api/v1/jobs', { pipeline: readFileSync(f, 'utf8') });
    await waitFor(
      async () => {
        const { jobs } = (await api('GET', '/api/v1/jobs')) as {
          jobs: { phase: string | null; lastCheckpoint: unknown }[];
        };
        return jobs.length === PIPELINES && jobs.every((j) => j.phase === 'streaming' && j.lastCheckpoint);
      },
      300_000,
      'every job to stream',
    );
    const startSeconds = (Date.now() - started) / 1000;
    const rssBytes = rss(server.pid!);
    const cpu = await trickle(maria, [server.pid!]);
    return { rssBytes, peakRssBytes: peakRss(server.pid!), cpuSeconds: cpu, startSeconds };
  } finally {
    server.kill('SIGTERM');
    await server.result;
  }
}

async function measureSeparate(maria: MariaDbInstance, bin: string): Promise<Measured> {
  const dir = tempDir('tidemark-bench-separate-');
  const files = pipelines(maria, dir);
  const started = Date.now();
  const children: Child[] = files.map((f) =>
    startTidemark(['run', f, '--state-dir', join(f, '..', 'state')], { TIDEMARK_LOG_LEVEL: 'warn' }, bin),
  );
  try {
    await waitFor(
      () =>
        files.every((f, i) =>
          existsSync(StateStore.checkpointPath(join(f, '..', 'state'), `bench pipeline ${i}`)),
        ),
      300_000,
      'every pipeline to commit a checkpoint',
    );
    const startSeconds = (Date.now() - started) / 1000;
    const pids = children.map((c) => c.pid!);
    const rssBytes = pids.reduce((s, p) => s + rss(p), 0);
    const cpu = await trickle(maria, pids);
    return {
      rssBytes,
      peakRssBytes: pids.reduce((s, p) => s + peakRss(p), 0),
      cpuSeconds: cpu,
      startSeconds,
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => c.result));
  }
}

const mb = (b: number): string => (b / 1024 / 1024).toFixed(0);

async function main(): Promise<void> {
  const maria = await startMariaDb();
  const bin = compileCli('bench-server');
  try {
    await prepare(maria);
    const server = await measureServer(maria, bin);
    const separate = await measureSeparate(maria, bin);
    console.log(`${PIPELINES} pipelines (${ROWS} rows each, then ${RATE} inserts/s each for ${SECONDS} s)\n`);
    console.log(
      '| setup | RSS MB (sum, streaming) | peak RSS MB (sum) | CPU s during inserts | s to all streaming |',
    );
    console.log('|---|---|---|---|---|');
    for (const [name, m] of [
      ['one tidemark server', server],
      [`${PIPELINES} tidemark run processes`, separate],
    ] as const)
      console.log(
        `| ${name} | ${mb(m.rssBytes)} | ${mb(m.peakRssBytes)} | ${m.cpuSeconds.toFixed(2)} | ${m.startSeconds.toFixed(1)} |`,
      );
    const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a');
    console.log(
      `| ratio server / separate | ${ratio(server.rssBytes, separate.rssBytes)} | ${ratio(server.peakRssBytes, separate.peakRssBytes)} | ${ratio(server.cpuSeconds, separate.cpuSeconds)} | ${ratio(server.startSeconds, separate.startSeconds)} |`,
    );
  } finally {
    removeCompiledCli(bin);
    await maria.stop();
  }
}

await main();
