/**
 * Test harness: a private MariaDB server per test process (or per test, for special settings).
 *
 * `startMariaDb()` creates a throw-away data directory under os.tmpdir(), initialises it with
 * mariadb-install-db, starts mariadbd on a free 127.0.0.1 port and returns helpers. `sharedMariaDb()`
 * gives one lazily started instance per process (stopped at exit), or the server named by
 * TIDEMARK_TEST_MYSQL_PORT (+ optional _HOST, _USER, _PASSWORD) when that is set.
 *
 * Idle pool connections and the server process are unref'd, so a test process whose tests are done
 * exits on its own; the server is then killed and its directory removed. A watchdog shell kills the
 * server too if the test process dies without running its exit handlers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysqlPromise from 'mysql2/promise';
import type { Pool, PoolConnection, Connection } from 'mysql2/promise';
import type { QueryValues } from 'mysql2';

export interface StartMariaDbOptions {
  /** Extra or overriding [mariadbd] settings, e.g. { binlog_format: 'STATEMENT' }. */
  readonly serverOptions?: Record<string, string>;
  /** default-time-zone; '+05:30' unless given (a zone that exposes UTC/local mix-ups). */
  readonly timeZone?: string;
  /** How long to wait for the server to accept connections; default 30 s. */
  readonly startTimeoutMs?: number;
}

export interface MariaDbInstance {
  readonly host: string;
  readonly port: number;
  readonly rootUser: string;
  readonly rootPassword: string;
  /** The data directory ('' for an external server we did not start). */
  readonly dataDir: string;
  /** The directory holding the binlog files ('' for an external server). */
  readonly binlogDir: string;
  /** Runs SQL as root (multipleStatements on); results as mysql2/promise returns them. */
  query<T = unknown>(sql: string, params?: QueryValues): Promise<T>;
  /** A dedicated root session (multipleStatements on); the caller ends it. */
  connect(): Promise<Connection>;
  /** CREATE USER name@'%' IDENTIFIED BY password, then GRANT grants ON *.*. Replaces an existing user. */
  createCdcUser(name: string, password: string, grants?: string): Promise<void>;
  /**
   * Shuts the server down cleanly and starts it again on the same data directory and port (a new
   * binlog file begins, the old one ends with a STOP event). Not for an external server.
   */
  restart(): Promise<void>;
  /** Stops the server and removes its directory (for the shared external one: closes the pool only). */
  stop(): Promise<void>;
}

const SEARCH_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/usr/local/mysql/bin'];

function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_DIRS];
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  throw new Error(
    `${name} not found in PATH or ${SEARCH_DIRS.join(', ')}: MariaDB server is not installed. ` +
      'Run `apt-get install -y mariadb-server` (CI installs it).',
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function buildCnf(dir: string, port: number, opts: StartMariaDbOptions): string {
  const settings: Record<string, string> = {
    datadir: join(dir, 'data'),
    socket: join(dir, 'mysqld.sock'),
    port: String(port),
    'bind-address': '127.0.0.1',
    user: 'root',
    server_id: '1',
    log_bin: join(dir, 'binlog', 'mysql-bin'),
    binlog_format: 'ROW',
    binlog_row_image: 'FULL',
    binlog_row_metadata: 'FULL',
    'character-set-server': 'utf8mb4',
    'collation-server': 'utf8mb4_unicode_ci',
    'default-time-zone': `'${opts.timeZone ?? '+05:30'}'`,
    innodb_flush_log_at_trx_commit: '2',
    sync_binlog: '0',
    'skip-name-resolve': '',
    'pid-file': join(dir, 'mysqld.pid'),
    // A private tmpdir: parallel mariadb-install-db runs sharing /tmp break each other.
    tmpdir: join(dir, 'tmp'),
    ...opts.serverOptions,
  };
  const lines = ['[mariadbd]'];
  for (const [k, v] of Object.entries(settings)) lines.push(v === '' ? k : `${k}=${v}`);
  // The client tools read [client] from the same file.
  lines.push('', '[client]', `port=${port}`, 'host=127.0.0.1', 'user=root', '');
  return lines.join('\n');
}

/** Root helpers on a pool whose idle connections do not keep the process alive. */
function rootHelpers(
  host: string,
  port: number,
  user: string,
  password: string,
): Pick<MariaDbInstance, 'query' | 'connect' | 'createCdcUser'> & { endPool(): Promise<void> } {
  const config = {
    host,
    port,
    user,
    password,
    multipleStatements: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    charset: 'UTF8MB4_UNICODE_CI',
  };
  let pool: Pool | undefined;
  const getPool = (): Pool =>
    (pool ??= mysqlPromise.createPool({ ...config, connectionLimit: 4, maxIdle: 4 }));
  const streamOf = (c: PoolConnection): Socket | undefined =>
    (c.connection as unknown as { stream?: Socket }).stream;
  const query = async <T>(sql: string, params?: QueryValues): Promise<T> => {
    const conn = await getPool().getConnection();
    const stream = streamOf(conn);
    stream?.ref();
    try {
      const [result] = await conn.query(sql, params);
      return result as T;
    } finally {
      stream?.unref();
      conn.release();
    }
  };
  return {
    query,
    connect: () => mysqlPromise.createConnection(config),
    async createCdcUser(name, pw, grants = 'REPLICATION SLAVE, REPLICATION CLIENT, SELECT') {
      await query(
        `DROP USER IF EXISTS ?@'%'; CREATE USER ?@'%' IDENTIFIED BY ?; GRANT ${grants} ON *.* TO ?@'%'`,
        [name, name, pw, name],
      );
    },
    async endPool() {
      const p = pool;
      pool = undefined;
      await p?.end();
    },
  };
}

const running = new Set<{ child: ChildProcess; dir: string }>();
let exitHooked = false;

function killAllSync(): void {
  for (const r of running) {
    try {
      r.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    // The server may still hold files for a moment after SIGKILL.
    for (let i = 0; i < 20; i++) {
      try {
        rmSync(r.dir, { recursive: true, force: true });
        break;
      } catch {
        spawnSync('sleep', ['0.05']);
      }
    }
  }
  running.clear();
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      killAllSync();
      process.kill(process.pid, sig);
    });
  }
}

/** Starts a private MariaDB server. Throws when MariaDB is not installed (with how to install it). */
export async function startMariaDb(opts: StartMariaDbOptions = {}): Promise<MariaDbInstance> {
  const mariadbd = findBinary('mariadbd');
  const installDb = findBinary('mariadb-install-db');
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-mariadb-'));
  const binlogDir = join(dir, 'binlog');
  const dataDir = join(dir, 'data');
  mkdirSync(binlogDir);
  mkdirSync(join(dir, 'tmp'));
  const cnf = join(dir, 'my.cnf');
  const logFile = join(dir, 'mariadbd.log');
  let lastError = '';
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      writeFileSync(cnf, buildCnf(dir, port, opts));
      if (!existsSync(join(dataDir, 'mysql'))) {
        const inst = spawnSync(
          installDb,
          [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
          { encoding: 'utf8', cwd: dir },
        );
        if (inst.status !== 0) {
          throw new Error(`mariadb-install-db failed (${inst.status}):\n${inst.stdout}\n${inst.stderr}`);
        }
      }
      let proc = spawnServer(mariadbd, cnf, dir, logFile);
      const helpers = rootHelpers('127.0.0.1', port, 'root', '');
      const timeoutMs = opts.startTimeoutMs ?? 30_000;
      if (await waitReady(proc, port, timeoutMs)) {
        return {
          host: '127.0.0.1',
          port,
          rootUser: 'root',
          rootPassword: '',
          dataDir,
          binlogDir,
          ...helpers,
          async restart() {
            await helpers.endPool();
            await stopServer(proc, 'SIGTERM');
            proc = spawnServer(mariadbd, cnf, dir, logFile);
            if (!(await waitReady(proc, port, timeoutMs))) {
              await stopServer(proc, 'SIGKILL');
              throw new Error(`mariadbd did not start again:\n${readTail(logFile)}`);
            }
          },
          async stop() {
            await helpers.endPool();
            await stopServer(proc, 'SIGTERM');
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      await stopServer(proc, 'SIGKILL');
      lastError = readTail(logFile);
      if (!/already in use|Can't start server: Bind/i.test(lastError)) break;
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`mariadbd did not start:\n${lastError}`);
}

/** A running mariadbd child process. */
interface ServerProcess {
  readonly child: ChildProcess;
  readonly exited: () => boolean;
  readonly exitPromise: Promise<void>;
}

function spawnServer(mariadbd: string, cnf: string, dir: string, logFile: string): ServerProcess {
  const logFd = openSync(logFile, 'a');
  const child = spawn(mariadbd, [`--defaults-file=${cnf}`], {
    stdio: ['ignore', logFd, logFd],
    cwd: dir,
  });
  closeSync(logFd);
  child.unref();
  const entry = { child, dir };
  running.add(entry);
  hookExit();
  startWatchdog(child, dir);
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      running.delete(entry);
      resolve();
    }),
  );
  return { child, exited: () => exited, exitPromise };
}

/** Polls until the server accepts connections; false when it exited or the time ran out. */
async function waitReady(proc: ServerProcess, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!proc.exited() && Date.now() < deadline) {
    try {
      const c = await mysqlPromise.createConnection({ host: '127.0.0.1', port, user: 'root', password: '' });
      await c.end();
      return true;
    } catch {
      await sleep(100);
    }
  }
  return false;
}

/** SIGTERM: a clean shutdown (SIGKILL after 15 s); SIGKILL: at once. */
async function stopServer(proc: ServerProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (proc.exited()) return;
  proc.child.ref();
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
  await proc.exitPromise;
  clearTimeout(timer);
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no server log)';
  }
}

/** Kills the server and removes its directory if this process disappears without cleaning up. */
function startWatchdog(child: ChildProcess, dir: string): void {
  if (child.pid === undefined) return;
  const script =
    `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; ` +
    `if kill -0 ${child.pid} 2>/dev/null; then kill -9 ${child.pid}; sleep 0.5; rm -rf '${dir}'; fi`;
  const dog = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  dog.unref();
}

let shared: Promise<MariaDbInstance> | undefined;

/**
 * One server for the whole test process: the external one named by TIDEMARK_TEST_MYSQL_PORT
 * (host TIDEMARK_TEST_MYSQL_HOST, root user/password TIDEMARK_TEST_MYSQL_USER/_PASSWORD), else a
 * private one started on first use and stopped when the process exits. Do not stop() it in tests.
 */
export function sharedMariaDb(): Promise<MariaDbInstance> {
  shared ??= (async (): Promise<MariaDbInstance> => {
    const envPort = process.env.TIDEMARK_TEST_MYSQL_PORT;
    if (envPort) {
      const host = process.env.TIDEMARK_TEST_MYSQL_HOST ?? '127.0.0.1';
      const user = process.env.TIDEMARK_TEST_MYSQL_USER ?? 'root';
      const password = process.env.TIDEMARK_TEST_MYSQL_PASSWORD ?? '';
      const helpers = rootHelpers(host, Number(envPort), user, password);
      const vars = await helpers.query<{ d: string; b: string | null }[]>(
        'SELECT @@datadir AS `d`, @@log_bin_basename AS `b`',
      );
      const b = vars[0]?.b ?? '';
      return {
        host,
        port: Number(envPort),
        rootUser: user,
        rootPassword: password,
        dataDir: vars[0]?.d ?? '',
        binlogDir: b ? b.slice(0, b.lastIndexOf('/')) : '',
        ...helpers,
        restart: () =>
          Promise.reject(new Error('cannot restart the external server TIDEMARK_TEST_MYSQL_PORT names')),
        stop: () => helpers.endPool(),
      };
    }
    return startMariaDb();
  })();
  return shared;
}
