// `npm run demo`: seed 000's tutorial end to end on this machine. Starts a private MariaDB
// (installing it with apt-get when missing), creates app_db, starts the real `tidemark server`,
// submits the pipeline into DuckDB to it, then applies the tutorial's insert / add column / update /
// delete while the job keeps running, printing the table after each step and how long the change
// took to appear. DuckDB allows one writing process: `tidemark query` goes through the server whose
// job holds the file. At the end the job is stopped with a savepoint and the server shut down.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const work = join(root, '.tidemark-demo');
const bin = join(root, 'bin', 'tidemark.js');

function ensureMariaDb(): void {
  const found = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].some((p) => existsSync(p));
  if (found) return;
  if (process.getuid?.() !== 0) {
    console.error(
      'MariaDB is not installed: run `sudo apt-get install -y mariadb-server mariadb-client` first.',
    );
    process.exit(1);
  }
  console.log('Installing MariaDB (apt-get install mariadb-server mariadb-client)...');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'mariadb-server', 'mariadb-client'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

const serverDir = join(work, 'server');
const cliEnv = { ...process.env, TIDEMARK_LOG_LEVEL: 'warn', TIDEMARK_SERVER_DIR: serverDir };

/** Runs the CLI; returns what it printed (also shown unless `quiet`). */
function tidemark(args: readonly string[], quiet = false): string {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: cliEnv });
  if (!quiet) process.stdout.write(r.stdout);
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`tidemark ${args[0]} failed (exit ${r.status})`);
  }
  return r.stdout;
}

/** Starts `tidemark server` on a free loopback port; resolves with its URL once it listens. */
async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [bin, 'server', '--port', '0', '--state-dir', serverDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: cliEnv,
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /job server on (http:\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then(() => reject(new Error(`tidemark server exited:\n${out}`)));
  });
  console.log(`tidemark server on ${url} (API token in ${join(serverDir, 'token')})`);
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Calls the server's API with its token. */
async function api<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = readFileSync(join(serverDir, 'token'), 'utf8').trim();
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  ensureMariaDb();
  const { startMariaDb } = await import('../test/support/mariadb.js');
  const { SEED_000_SETUP_SQL, SEED_000_STEPS } = await import('../test/support/seed-000.js');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  console.log('Starting a private MariaDB (ROW binlog, server time zone +05:30)...');
  const db = await startMariaDb();
  try {
    await db.query(SEED_000_SETUP_SQL);
    const duck = join(work, 'demo.duckdb');
    const pipeline = join(work, 'mysql-to-duckdb.yaml');
    writeFileSync(
      pipeline,
      [
        '################################################################################',
        '# Description: Sync MySQL all tables to DuckDB',
        '################################################################################',
        'source:',
        '  type: mysql',
        '  hostname: 127.0.0.1',
        `  port: ${db.port}`,
        '  username: root',
        '  password: ""',
        '  tables: app_db\\.*',
        '  server-id: 5400-5404',
        '  server-time-zone: UTC',
        '',
        'sink:',
        '  type: duckdb',
        '  name: DuckDbSink',
        `  path: ${duck}`,
        '',
        'pipeline:',
        '  name: Sync MySQL Database to DuckDB',
        '  parallelism: 1',
        '',
      ].join('\n'),
    );
    const show = (table: string): void => {
      console.log(`\n-- read ${table};`);
      tidemark(['query', duck, `SELECT * FROM app_db.${table} ORDER BY id`]);
    };
    /** The orders table as the running job's store has it now (through the server). */
    const orders = async (url: string): Promise<string> =>
      (
        await api<{ output?: string }>(url, 'POST', '/api/v1/query', {
          path: duck,
          sql: 'SELECT * FROM app_db.orders ORDER BY id',
          format: 'csv',
        })
      ).output ?? '';

    console.log('\n== Start the job server');
    const server = await startServer();
    let id = '';
    try {
      console.log(`\n== Submit the pipeline: tidemark submit ${pipeline}`);
      id = /Job ID: (\w+)/.exec(tidemark(['submit', pipeline]))![1]!;
      await waitFor('the job to stream', async () => {
        const job = await api<{ phase: string | null }>(server.url, 'GET', `/api/v1/jobs/${id}`);
        return job.phase === 'streaming';
      });
      console.log('\n== tidemark jobs');
      tidemark(['jobs']);
      for (const t of ['orders', 'shipments', 'products']) show(t);

      for (const [title, sql] of SEED_000_STEPS) {
        console.log(`\n== ${title}: ${sql};`);
        const before = await orders(server.url);
        const start = Date.now();
        await db.query(sql);
        await waitFor('the change to appear', async () => (await orders(server.url)) !== before);
        console.log(`(in DuckDB ${Date.now() - start} ms later, the job still running)`);
        show('orders');
      }
      console.log(`\n== Stop the job with a savepoint: tidemark stop ${id} --savepoint`);
      tidemark(['stop', id, '--savepoint']);
    } finally {
      await server.stop();
    }
    console.log(
      `\nDone. The DuckDB file stays at ${duck}; query it with:\n  npx tidemark query ${duck} "SELECT * FROM app_db.orders"` +
        `\nThe server resumes the job where it stopped: npx tidemark server --state-dir ${serverDir}, then npx tidemark resume ${id} --state-dir ${serverDir}` +
        `\n(dashboard: http://127.0.0.1:8081/#token=<the token in ${join(serverDir, 'token')}>)`,
    );
  } finally {
    await db.stop();
  }
}

await main();
