// Differential test on the peers' SQL test data (Apache Flink CDC and Debezium, in
// ../shared/peer-suite: SOURCES.md says where each file comes from and how it is loaded). Each
// file X.sql is loaded with the `mariadb` client into peer_X before the pipeline starts (the
// snapshot path) and into peer_X_bl while it runs (the binlog path: CREATE DATABASE, CREATE TABLE
// and the rows all come through the binlog); then the pipeline runs to caught-up from its kept
// state and every table of every peer_ database is compared with MariaDB by the table oracle.
// The server runs like the peers' test servers: time_zone -11:00, default sql_mode, utf8mb4.
//
// Sink tables the source no longer has are accepted only when empty (the default lenient
// schema-change behaviour keeps a dropped table). Zero dates are expected as NULL in the sink,
// except in primary-key columns (key text keeps them exactly).
//
// TIDEMARK_PEER_SUITE_FILES=<regex> runs only the files whose name matches (for debugging).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { runTidemark, startTidemark, tempDir, waitFor, type CliResult } from './support/tidemark-cli.js';
import { compareDatabases, formatDiff, openDuckDbReadOnly, type OracleDiff } from './support/table-oracle.js';

const root = new URL('..', import.meta.url).pathname;
const PEER_DIR = join(root, '..', 'shared', 'peer-suite', 'sql');
/** Files loaded at a time by `mariadb` clients. */
const LOAD_CONCURRENCY = 4;

function skipReason(): string | false {
  if (!existsSync(PEER_DIR)) return `peer-suite: ${PEER_DIR} not found (the peers' SQL files are not here)`;
  return false;
}

const skip = skipReason();
let db: MariaDbInstance | undefined;

before(async () => {
  if (skip) return;
  db = await startMariaDb({
    timeZone: '-11:00',
    // The server's own default collation for utf8mb4, as the peers' servers have it.
    serverOptions: { 'collation-server': 'utf8mb4_general_ci' },
  });
});
after(async () => {
  await db?.stop();
});

/** Runs `fn` over `items`, `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (x: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** `mariadb <database> < file` (utf8mb4 client, whatever the locale); throws with its stderr. */
async function loadFile(server: MariaDbInstance, database: string, file: string): Promise<void> {
  await server.query(`CREATE DATABASE \`${database}\``);
  const input = openSync(file, 'r');
  try {
    const args = ['--no-defaults', '--host=127.0.0.1', `--port=${server.port}`, `--user=${server.rootUser}`];
    if (server.rootPassword) args.push(`--password=${server.rootPassword}`);
    args.push('--default-character-set=utf8mb4', database);
    const child = spawn('mariadb', args, { stdio: [input, 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`mariadb ${database} < ${file} failed (${code}): ${stderr}`);
  } finally {
    closeSync(input);
  }
}

function writePeerPipeline(dir: string, port: number): string {
  const file = join(dir, 'pipeline.yaml');
  writeFileSync(
    file,
    [
      'source:',
      '  type: mysql',
      '  hostname: 127.0.0.1',
      `  port: ${port}`,
      '  username: root',
      '  password: ""',
      // peer_X and peer_X_bl (created later, from the binlog), and the files' helper databases.
      '  tables: peer_\\.*.\\.*',
      '  server-id: 5400-5404',
      '  scan.binlog.newly-added-table.enabled: true',
      'sink:',
      '  type: duckdb',
      `  path: ${join(dir, 'sink.duckdb')}`,
      'pipeline:',
      '  name: peer suite',
      '',
    ].join('\n'),
  );
  return file;
}

/** "peer_X" → snapshot path of X.sql, "peer_X_bl" → binlog path; other peer_ databases are helpers. */
function describeDatabase(database: string, files: readonly string[]): string {
  const name = database.replace(/^peer_/, '');
  if (files.includes(name)) return `${name}.sql, snapshot path`;
  if (name.endsWith('_bl') && files.includes(name.slice(0, -3)))
    return `${name.slice(0, -3)}.sql, binlog path`;
  return `helper database ${database}`;
}

interface Finding {
  readonly where: string;
  readonly diff: OracleDiff;
}

async function compareAll(
  server: MariaDbInstance,
  duckPath: string,
  files: readonly string[],
): Promise<Finding[]> {
  const dbs = await server.query<{ d: string }[]>(
    "SELECT SCHEMA_NAME AS d FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'peer\\_%' ORDER BY 1",
  );
  const duck = await openDuckDbReadOnly(duckPath);
  const findings: Finding[] = [];
  try {
    const diffs = await compareDatabases(
      server,
      dbs.map((r) => r.d),
      duck.conn,
      { zeroDates: 'sink-null' },
    );
    for (const diff of diffs) {
      // The sink keeps a dropped table under the default (lenient) schema-change behaviour: an
      // empty extra table is expected there, one with rows is not.
      if (diff.kind === 'extra-table' && (await countRows(duck.conn, diff.table)) === 0) continue;
      findings.push({ where: describeDatabase(diff.table.split('.')[0]!, files), diff });
    }
  } finally {
    duck.close();
  }
  return findings;
}

async function countRows(conn: DuckDBConnection, table: string): Promise<number> {
  const dot = table.indexOf('.');
  const [schema, name] = [table.slice(0, dot), table.slice(dot + 1)];
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const r = await conn.runAndReadAll(`SELECT count(*) FROM ${q(schema)}.${q(name)}`);
  return Number(r.getRows()[0]![0]);
}

function report(t: TestContext, findings: readonly Finding[]): string {
  const lines: string[] = [];
  let where = '';
  for (const f of findings) {
    if (f.where !== where) lines.push(`${(where = f.where)}:`);
    lines.push(`  ${formatDiff(f.diff)}`);
  }
  for (const l of lines) t.diagnostic(l);
  return lines.join('\n');
}

/** The peer files to run: all, or those matching TIDEMARK_PEER_SUITE_FILES (a regex; for debugging). */
function peerFiles(): string[] {
  const only = process.env.TIDEMARK_PEER_SUITE_FILES;
  return readdirSync(PEER_DIR)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -4))
    .filter((f) => !only || new RegExp(only).test(f))
    .sort();
}

/** The error lines of a run that failed (its log is JSON lines; the last line is the CLI's error). */
function failure(what: string, r: CliResult): string[] {
  if (r.code === 0) return [];
  const errors = r.stderr.split('\n').filter((l) => /"level":"error"|^error/.test(l));
  return [
    `${what} exited ${r.code ?? r.signal}:\n${(errors.length ? errors : [r.stderr.slice(-2000)]).join('\n')}`,
  ];
}

/**
 * Starts the pipeline on the loaded snapshot databases, waits for its snapshot, loads the binlog
 * databases while it runs, stops it (SIGTERM) and resumes it from its state to caught-up. A
 * pipeline that fails before its snapshot is done leaves the binlog path unexercised (loading the
 * binlog databases then would only let a restart snapshot them).
 */
async function runPipeline(
  server: MariaDbInstance,
  dir: string,
  files: readonly string[],
  lap: (w: string) => void,
): Promise<string[]> {
  const pipeline = writePeerPipeline(dir, server.port);
  const state = join(dir, 'state');
  const child = startTidemark(['run', pipeline, '--state-dir', state]);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitFor(() => stderr.includes('caught up') || child.exitCode !== null, 90_000, 'the snapshot');
    if (child.exitCode !== null) {
      return [...failure('the pipeline', await child.result), 'the binlog path was not run'];
    }
    lap('snapshot done');
    await eachLimited(files, LOAD_CONCURRENCY, (f) =>
      loadFile(server, `peer_${f}_bl`, join(PEER_DIR, `${f}.sql`)),
    );
    lap('loaded the binlog databases');
  } finally {
    child.kill('SIGTERM');
  }
  const problems = failure('the running pipeline', await child.result);
  const rest = await runTidemark(['run', pipeline, '--state-dir', state, '--exit-when-caught-up']);
  lap('pipeline caught up');
  return [...problems, ...failure('the resumed pipeline', rest)];
}

test(
  'peer suite: every peer SQL file reaches DuckDB exactly, by snapshot and by binlog',
  { skip },
  async (t) => {
    const server = db!;
    const files = peerFiles();
    assert.ok(files.length > 0, `no .sql files in ${PEER_DIR}`);
    const started = Date.now();
    const lap = (what: string): void =>
      t.diagnostic(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await eachLimited(files, LOAD_CONCURRENCY, (f) =>
      loadFile(server, `peer_${f}`, join(PEER_DIR, `${f}.sql`)),
    );
    lap('loaded the snapshot databases');
    const dir = tempDir('tidemark-peer-');
    const problems = await runPipeline(server, dir, files, lap);
    const findings = await compareAll(server, join(dir, 'sink.duckdb'), files);
    lap('compared');
    if (findings.length > 0) problems.push(`${findings.length} differences:\n${report(t, findings)}`);
    if (problems.length === 0) rmSync(dir, { recursive: true, force: true });
    else problems.push(`the sink and the pipeline state are kept in ${dir}`);
    assert.deepEqual(problems, []);
  },
);
