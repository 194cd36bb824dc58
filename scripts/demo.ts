// `npm run demo`: seed 000's tutorial end to end on this machine. Starts a private MariaDB
// (installing it with apt-get when missing), creates app_db, runs the real `tidemark` CLI into
// DuckDB, then applies the tutorial's insert / add column / update / delete, printing the tables
// after each step. DuckDB allows one writing process, so each step runs the pipeline with
// --exit-when-caught-up (it resumes from its checkpoint) and then queries the file.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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

function tidemark(...args: string[]): void {
  const r = spawnSync(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TIDEMARK_LOG_LEVEL: 'warn' },
  });
  if (r.status !== 0) throw new Error(`tidemark ${args[0]} failed (exit ${r.status})`);
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
    const state = join(work, 'state');
    const sync = (): void => tidemark('run', pipeline, '--state-dir', state, '--exit-when-caught-up');
    const show = (table: string): void => {
      console.log(`\n-- read ${table};`);
      tidemark('query', duck, `SELECT * FROM app_db.${table} ORDER BY id`);
    };

    console.log(`\n== Submit the pipeline (${pipeline})`);
    sync();
    for (const t of ['orders', 'shipments', 'products']) show(t);

    for (const [title, sql] of SEED_000_STEPS) {
      console.log(`\n== ${title}: ${sql};`);
      await db.query(sql);
      sync();
      show('orders');
    }
    console.log(
      `\nDone. The DuckDB file stays at ${duck}; query it with:\n  npx tidemark query ${duck} "SELECT * FROM app_db.orders"`,
    );
  } finally {
    await db.stop();
  }
}

await main();
