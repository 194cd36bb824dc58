import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDb } from '../../src/connectors/duckdb/duckdb-open.js';
import type { MariaDbInstance } from './mariadb.js';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin', 'tidemark.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Starts the real CLI (`bin/tidemark.js`, or `cliBin`: a compiled copy) as a child process;
 * `nodeArgs` go to node before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses).
 */
export function startTidemark(
  args: readonly string[],
  env: Record<string, string> = {},
  cliBin = bin,
  nodeArgs: readonly string[] = [],
): ChildProcess & { result: Promise<CliResult> } {
  const child = spawn(process.execPath, [...nodeArgs, cliBin, ...args], {
    cwd: root,
    env: { ...process.env, TIDEMARK_LOG_LEVEL: process.env.TIDEMARK_LOG_LEVEL ?? 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return Object.assign(child, { result });
}

/** Runs the CLI to its end (killed after timeoutMs); `cliBin` as in startTidemark. */
export async function runTidemark(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
  cliBin = bin,
): Promise<CliResult> {
  const child = startTidemark(args, env, cliBin);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await child.result;
  } finally {
    clearTimeout(timer);
  }
}

export function tempDir(prefix = 'tidemark-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface PipelineFileOptions {
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly tables: string;
  readonly duckdbPath: string;
  /** `pipeline.name`; null writes none (the default name). */
  readonly name?: string | null;
  readonly routes?: readonly { source: string; sink: string; shardColumns?: boolean }[];
  readonly transforms?: readonly { source: string; primaryKeys: string }[];
  readonly extraSource?: Record<string, string | number>;
  readonly extraSink?: Record<string, string | number>;
  /** More `pipeline:` options, e.g. { 'schema.change.behavior': 'evolve' }. */
  readonly pipeline?: Record<string, string | number>;
  readonly host?: string;
  /** `source.server-id` (a range); pipelines running at once on one server need distinct ones. */
  readonly serverId?: string;
}

/** Writes a seed-000-shaped pipeline with the DuckDB sink; returns its path. */
export function writePipeline(dir: string, o: PipelineFileOptions): string {
  const lines = [
    'source:',
    '  type: mysql',
    `  hostname: ${o.host ?? '127.0.0.1'}`,
    `  port: ${o.port}`,
    `  username: ${o.username ?? 'root'}`,
    `  password: "${o.password ?? ''}"`,
    `  tables: ${o.tables}`,
    `  server-id: ${o.serverId ?? '5400-5404'}`,
    '  server-time-zone: UTC',
    ...Object.entries(o.extraSource ?? {}).map(([k, v]) => `  ${k}: ${v}`),
    '',
    'sink:',
    '  type: duckdb',
    `  path: ${o.duckdbPath}`,
    ...Object.entries(o.extraSink ?? {}).map(([k, v]) => `  ${k}: ${v}`),
    '',
  ];
  if (o.routes?.length) {
    lines.push('route:');
    for (const r of o.routes) {
      lines.push(`  - source-table: ${r.source}`, `    sink-table: ${r.sink}`);
      if (r.shardColumns !== undefined) lines.push(`    shard-columns: ${r.shardColumns}`);
    }
    lines.push('');
  }
  if (o.transforms?.length) {
    lines.push('transform:');
    for (const t of o.transforms)
      lines.push(
        `  - source-table: ${t.source}`,
        '    projection: \\*',
        `    primary-keys: ${t.primaryKeys}`,
      );
    lines.push('');
  }
  lines.push('pipeline:');
  if (o.name !== null) lines.push(`  name: ${o.name ?? 'test pipeline'}`);
  lines.push('  parallelism: 1');
  for (const [k, v] of Object.entries(o.pipeline ?? {})) lines.push(`  ${k}: ${v}`);
  lines.push('');
  const file = join(dir, 'pipeline.yaml');
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** Rows of a DuckDB query, every value rendered as text (NULL as null), sorted. */
export async function duckRows(path: string, sql: string): Promise<(string | null)[][]> {
  const { instance: db, connection: conn } = await openDuckDb(path, { readOnly: true });
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const reader = await conn.runAndReadAll(sql);
    const rows = reader.getRows().map((r) => r.map((v) => (v === null ? null : renderDuck(v))));
    return rows.sort(compareRows);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function renderDuck(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'object' && v !== null && 'bytes' in v && v.bytes instanceof Uint8Array) {
    return Buffer.from((v as { bytes: Uint8Array }).bytes).toString('hex');
  }
  return String(v);
}

export function compareRows(a: readonly (string | null)[], b: readonly (string | null)[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? '\u0000';
    const y = b[i] ?? '\u0000';
    if (x !== y) {
      const nx = Number(x);
      const ny = Number(y);
      if (Number.isFinite(nx) && Number.isFinite(ny) && nx !== ny) return nx - ny;
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** Polls `fn` until it returns true (or throws after timeoutMs). */
export async function waitFor(
  fn: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Rows of a MariaDB query as text (NULL as null, bytes as hex), sorted like duckRows: the source of truth. */
export async function mariaRows(db: MariaDbInstance, sql: string): Promise<(string | null)[][]> {
  const rows = await db.query<Record<string, unknown>[]>(sql);
  return rows
    .map((r) =>
      Object.values(r).map((v) =>
        v === null ? null : Buffer.isBuffer(v) ? v.toString('hex') : String(v as string),
      ),
    )
    .sort(compareRows);
}
