/**
 * Binlog decoding benchmark: tidemark (BinlogClient + BinlogDecoder) against @vlasky/zongji and
 * `mariadb-binlog -R --base64-output=decode-rows -v`, all three reading the same binlog range of a
 * private MariaDB over a replication connection.
 *
 *   npx tsx bench/binlog-decode/run.ts [--rows N] [--wide-rows N] [--small] [--repeat N]
 *                                      [--only update|wide] [--profile] [--skip-zongji]
 *
 * --rows N       single-row UPDATEs of workload (a) (default 200000; --small: 5000)
 * --wide-rows N  wide-row INSERTs of workload (b) (default rows/4; --small: 2000)
 * --repeat N     runs of every decoder; the fastest counts (default 1)
 * --profile      also writes a CPU profile of one tidemark run and prints its top functions
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMariaDb, type MariaDbInstance } from '../../test/support/mariadb.js';
import { RESULT_MARKER, type BinlogRange, type WorkerJob, type WorkerResult } from './common.js';
import { verifySample, type VerifyResult } from './verify.js';
import { prepareSchema, SCHEMA, updateWorkload, wideWorkload } from './workload.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Args {
  rows: number;
  wideRows: number;
  repeat: number;
  only: 'update' | 'wide' | undefined;
  profile: boolean;
  skipZongji: boolean;
  small: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const small = argv.includes('--small');
  const num = (name: string): number | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
    return v;
  };
  const rows = num('--rows') ?? (small ? 5000 : 200_000);
  const onlyIdx = argv.indexOf('--only');
  const only = onlyIdx >= 0 ? argv[onlyIdx + 1] : undefined;
  if (only !== undefined && only !== 'update' && only !== 'wide') throw new Error('--only update|wide');
  return {
    rows,
    wideRows: num('--wide-rows') ?? (small ? 2000 : Math.max(1000, Math.floor(rows / 4))),
    repeat: num('--repeat') ?? 1,
    only,
    profile: argv.includes('--profile'),
    skipZongji: argv.includes('--skip-zongji'),
    small,
  };
}

interface Measured {
  readonly name: string;
  readonly events: number;
  readonly rowImages: number;
  readonly wallMs: number;
  readonly cpuMs?: number;
  readonly peakRssBytes?: number;
  readonly note?: string;
}

function runWorker(job: WorkerJob): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'worker.ts'), JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || line === undefined) {
        reject(new Error(`${job.decoder} worker exited with ${code}: ${out.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as WorkerResult);
    });
  });
}

function binlogFiles(range: BinlogRange): string[] {
  if (range.startFile === range.endFile) return [range.startFile];
  // mysql-bin.000001 .. mysql-bin.00000N
  const prefix = range.startFile.slice(0, range.startFile.lastIndexOf('.') + 1);
  const a = Number(range.startFile.slice(prefix.length));
  const b = Number(range.endFile.slice(prefix.length));
  const width = range.startFile.length - prefix.length;
  const files: string[] = [];
  for (let i = a; i <= b; i++) files.push(prefix + String(i).padStart(width, '0'));
  return files;
}

function runMariadbBinlog(db: MariaDbInstance, range: BinlogRange): Promise<number> {
  const args = [
    '-R',
    '-h',
    db.host,
    '-P',
    String(db.port),
    `-u${db.rootUser}`,
    ...(db.rootPassword ? [`-p${db.rootPassword}`] : []),
    '--base64-output=decode-rows',
    '-v',
    `--start-position=${range.startPos}`,
    `--stop-position=${range.endPos}`,
    ...binlogFiles(range),
  ];
  return new Promise((resolve, reject) => {
    const devNull = openSync('/dev/null', 'w');
    const t0 = performance.now();
    const child = spawn('mariadb-binlog', args, { stdio: ['ignore', devNull, 'pipe'] });
    closeSync(devNull);
    let err = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`mariadb-binlog exited with ${code}: ${err}`));
      else resolve(ms);
    });
  });
}

function best<T extends { wallMs: number }>(runs: readonly T[]): T {
  return runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const perSec = (n: number, ms: number): string => fmtInt((n * 1000) / ms);

function printTable(title: string, rows: readonly Measured[]): void {
  const header = [
    'decoder',
    'events',
    'row images',
    'wall s',
    'cpu s',
    'events/s',
    'row images/s',
    'peak RSS',
  ];
  const body = rows.map((r) => [
    r.name,
    fmtInt(r.events),
    fmtInt(r.rowImages),
    (r.wallMs / 1000).toFixed(2),
    r.cpuMs === undefined ? '-' : (r.cpuMs / 1000).toFixed(2),
    perSec(r.events, r.wallMs),
    perSec(r.rowImages, r.wallMs),
    r.peakRssBytes === undefined ? '-' : `${(r.peakRssBytes / 1048576).toFixed(0)} MB`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 ? ':' : '-') + '-'.repeat(w) + (i === 0 ? '-' : ':')).join('|')}|`,
  );
  for (const b of body) console.log(line(b));
  for (const r of rows) if (r.note) console.log(`  ${r.name}: ${r.note}`);
}

function printProfileTop(dir: string): void {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) return;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
  };
  const counts = new Map<number, number>();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const byName = new Map<string, number>();
  for (const n of profile.nodes) {
    const c = counts.get(n.id) ?? 0;
    if (c === 0) continue;
    const url = n.callFrame.url.replace(/^.*\/(src|node_modules)\//, '$1/');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
    byName.set(key, (byName.get(key) ?? 0) + c);
  }
  const total = profile.samples.length;
  console.log(`\nCPU profile (self time, top 20 of ${total} samples): ${join(dir, file)}`);
  for (const [k, c] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`  ${((c * 100) / total).toFixed(1).padStart(5)}%  ${k}`);
  }
}

async function benchRange(
  db: MariaDbInstance,
  label: string,
  range: BinlogRange,
  args: Args,
): Promise<{ tidemark: Measured; zongji?: Measured; mariadbBinlog: Measured; transport: Measured }> {
  const base = { host: db.host, port: db.port, user: db.rootUser, password: db.rootPassword, range };
  const tRuns: WorkerResult[] = [];
  const zRuns: WorkerResult[] = [];
  const mRuns: number[] = [];
  const xRuns: WorkerResult[] = [];
  for (let i = 0; i < args.repeat; i++) {
    xRuns.push(await runWorker({ ...base, decoder: 'transport', serverId: 7301 + i }));
    tRuns.push(await runWorker({ ...base, decoder: 'tidemark', serverId: 7001 + i }));
    if (!args.skipZongji) zRuns.push(await runWorker({ ...base, decoder: 'zongji', serverId: 7101 + i }));
    mRuns.push(await runMariadbBinlog(db, range));
  }
  if (args.profile) {
    const dir = mkdtempSync(join(tmpdir(), `tidemark-prof-${label}-`));
    await runWorker({ ...base, decoder: 'tidemark', serverId: 7201, cpuProfileDir: dir });
    printProfileTop(dir);
  }
  const t = best(tRuns);
  const tidemark: Measured = { name: 'tidemark', ...t };
  let zongji: Measured | undefined;
  if (zRuns.length > 0) {
    const z = best(zRuns);
    const note =
      z.rowImages !== t.rowImages
        ? `counted ${z.rowImages} row images, tidemark ${t.rowImages} (zongji skips or merges some)`
        : undefined;
    zongji = { name: '@vlasky/zongji', ...z, ...(note ? { note } : {}) };
  }
  const mariadbBinlog: Measured = {
    name: 'mariadb-binlog',
    events: t.events,
    rowImages: t.rowImages,
    wallMs: Math.min(...mRuns),
    note: "event and row-image counts are tidemark's for the same range (output goes to /dev/null)",
  };
  const x = best(xRuns);
  const transport: Measured = {
    name: '(transport only)',
    ...x,
    rowImages: t.rowImages,
    note: "tidemark's BinlogClient receiving the same range without decoding: the floor under tidemark",
  };
  return zongji ? { tidemark, zongji, mariadbBinlog, transport } : { tidemark, mariadbBinlog, transport };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const tStart = performance.now();
  console.log(
    `binlog-decode bench: ${args.rows} single-row UPDATEs in 200 transactions, ${args.wideRows} wide-row INSERTs; best of ${args.repeat}`,
  );
  const db = await startMariaDb({ serverOptions: { max_binlog_size: '1073741824' } });
  try {
    const conn = await db.connect();
    try {
      await prepareSchema(conn);
      const workloads: { label: string; title: string; range: BinlogRange; table: string; every: number }[] =
        [];
      if (args.only !== 'wide') {
        const t0 = performance.now();
        const range = await updateWorkload(conn, args.rows);
        console.log(
          `workload (a) written in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(range)}`,
        );
        workloads.push({
          label: 'update',
          title: `(a) ${fmtInt(args.rows)} single-row UPDATEs, 200 transactions (sysbench-like table, 6 columns)`,
          range,
          table: 'sbtest',
          every: Math.max(1, Math.floor(Math.min(10_000, args.rows / 20) / 300)),
        });
      }
      if (args.only !== 'update') {
        const t0 = performance.now();
        const range = await wideWorkload(conn, args.wideRows);
        console.log(
          `workload (b) written in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${JSON.stringify(range)}`,
        );
        workloads.push({
          label: 'wide',
          title: `(b) ${fmtInt(args.wideRows)} wide-row INSERTs (27 columns: DECIMAL, DATETIME(6), utf8mb4, BIGINT UNSIGNED, JSON, BLOB...)`,
          range,
          table: 'wide',
          every: Math.max(1, Math.floor(args.wideRows / 500)),
        });
      }
      const ratios: string[] = [];
      const verifications: VerifyResult[] = [];
      for (const w of workloads) {
        const r = await benchRange(db, w.label, w.range, args);
        printTable(
          w.title,
          r.zongji
            ? [r.tidemark, r.zongji, r.mariadbBinlog, r.transport]
            : [r.tidemark, r.mariadbBinlog, r.transport],
        );
        const vsZ = r.zongji ? r.zongji.wallMs / r.tidemark.wallMs : undefined;
        const vsM = r.mariadbBinlog.wallMs / r.tidemark.wallMs;
        ratios.push(
          `${w.label}: tidemark/zongji ${vsZ === undefined ? 'n/a' : `${vsZ.toFixed(2)}x`} (target >= 2.0x), ` +
            `tidemark/mariadb-binlog ${vsM.toFixed(2)}x (target >= 1.2x)`,
        );
        verifications.push(
          await verifySample(
            conn,
            { host: db.host, port: db.port, user: db.rootUser, password: db.rootPassword },
            w.range,
            SCHEMA,
            w.table,
            w.every,
          ),
        );
      }
      console.log("\nspeed ratios (events/s of tidemark divided by the other decoder's, same range):");
      for (const r of ratios) console.log(`  ${r}`);
      console.log("\nexactness (tidemark's decoded last after-image vs SELECT, every column):");
      let bad = 0;
      for (const v of verifications) {
        bad += v.mismatches.length;
        console.log(
          `  ${v.table}: ${v.rowsChecked} rows, ${v.valuesChecked} values, ${v.mismatches.length} mismatches`,
        );
        for (const m of v.mismatches.slice(0, 10)) console.log(`    ${m}`);
      }
      console.log(`\ntotal bench time ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
      if (bad > 0) process.exitCode = 1;
    } finally {
      await conn.end();
    }
  } finally {
    await db.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
