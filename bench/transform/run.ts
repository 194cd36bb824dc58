/**
 * Transform benchmark (issue #11): the same rows through the bundled CLI (`npm run build` into a temporary
 * directory, as deployed) into DuckDB, once without a transform and once with one rule holding a projection, a
 * filter and three functions:
 *
 *   projection: \*, UPPER(name) AS name_uc, price * qty AS total, CONCAT(city, '-', CAST(id AS STRING)) AS tag
 *   filter: qty >= 0
 *
 * Every row passes the filter, so both runs write the same rows (checked in the sink); the transformed
 * rows carry three more columns, which the sink writes too: that is part of what a user pays. Prints
 * rows/s of both, the ratio with / without (goal ≥ 0.90: the transform costs < 10% of throughput),
 * the CPU-time ratio and the peak RSS of both processes.
 *
 *   npm run bench:transform                      1M rows, 3 repetitions
 *   npm run bench:transform -- --small           100k rows, 1 repetition (run by test/bench-transform-smoke.test.ts)
 *   --rows N, --reps N, --paths binlog,snapshot, --cpu-prof DIR (profiles of every tidemark process),
 *   --control (also snapshot a table holding the transform's 9 output columns, no transform: what
 *   the wider rows cost the source and the sink, apart from evaluating the transform)
 *
 * Two workloads read the same table of a private MariaDB:
 * - binlog (the per-row cost most cleanly: the stream decodes fast and has no query in the way): the
 *   rows are INSERTed in 10k-row transactions once; each run streams that binlog range from
 *   `scan.startup.mode: specific-offset` (the position before the INSERTs) and exits when caught up.
 * - snapshot: `scan.startup.mode: snapshot` of the same table (parallelism 1).
 * Each run has a fresh state directory and DuckDB file. The time measured is the pipeline's work:
 * from the source's log line that reading begins (`starting`, `snapshot started`; the process start,
 * module loading and connecting are before it) to the moment the CLI prints `Stopped (…)`, i.e. the
 * last commit done and the sink closed. Runs alternate (ABBA: with/without swap places each
 * repetition) so a burst of load elsewhere on the shared machine hits both alike; the ratio printed
 * is the median of the per-repetition ratios, rows/s the medians, peak RSS the largest (VmHWM). The
 * CPU time (user + system of all the process's threads, DuckDB's included, start to exit) depends
 * less on that load: its ratio, without / with, is the transform's cost in work.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startMariaDb } from '../../test/support/mariadb.js';
import { duckRows, startTidemark, tempDir, writePipeline } from '../../test/support/tidemark-cli.js';
import { compileCli, removeCompiledCli } from '../../test/support/compiled-cli.js';
import { logTime, peakRss } from '../support/process-stats.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const small = args.includes('--small');
const rows = Number(arg('--rows') ?? (small ? 100_000 : 1_000_000));
const reps = Number(arg('--reps') ?? (small ? 1 : 3));
const paths = (arg('--paths') ?? 'binlog,snapshot').split(',') as ('binlog' | 'snapshot')[];
const cpuProf = arg('--cpu-prof');
const control = args.includes('--control');
const GOAL = 0.9;

const PROJECTION =
  "\\*, UPPER(name) AS name_uc, price * qty AS total, CONCAT(city, '-', CAST(id AS STRING)) AS tag";
const FILTER = 'qty >= 0';

/** `wide`: the control, the transform's output columns stored in MariaDB and read without a transform. */
type Variant = 'without' | 'with' | 'wide';
interface Sample {
  readonly rate: number;
  readonly seconds: number;
  readonly rssBytes: number;
  /** CPU seconds of the process, all its threads (DuckDB's too), from start to exit. */
  readonly cpuSeconds: number;
}

/** User + system CPU seconds of a live process (all threads), from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = 100;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;

/** The rows first..last of bench.orders. */
const ORDERS = (first: number, last: number): string =>
  `SELECT seq AS id, CONCAT('customer ', seq, ' ', REPEAT('x', seq % 12)) AS name,
     ELT(1 + seq % 6, 'Paris', 'Berlin', 'Lisboa', 'Montréal', 'Osaka', 'Zürich') AS city,
     CAST((seq % 100000) / 100 AS DECIMAL(10,2)) AS price, seq % 50 AS qty,
     TIMESTAMPADD(MICROSECOND, seq * 1234000, '2024-01-01') AS created
   FROM bench.seq_${first}_to_${last}`;

const cliBin = compileCli('bench-transform');
process.stdout.write('tidemark CLI: bundled (npm run build)\n');
const db = await startMariaDb();
try {
  const t0 = Date.now();
  await db.query(`CREATE DATABASE bench;
    CREATE TABLE bench.orders (
      id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, city VARCHAR(20) NOT NULL,
      price DECIMAL(10,2) NOT NULL, qty INT NOT NULL, created DATETIME(3) NOT NULL
    )`);
  if (control) {
    // before the binlog range: the binlog runs never read it
    await db.query(`CREATE TABLE bench.orders_wide (
      id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, city VARCHAR(20) NOT NULL,
      price DECIMAL(10,2) NOT NULL, qty INT NOT NULL, created DATETIME(3) NOT NULL,
      name_uc VARCHAR(40) NOT NULL, total DECIMAL(20,2) NOT NULL, tag VARCHAR(40) NOT NULL)`);
    for (let first = 1; first <= rows; first += 100_000) {
      const last = Math.min(rows, first + 100_000 - 1);
      await db.query(
        `INSERT INTO bench.orders_wide SELECT *, UPPER(name), price * qty, CONCAT(city, '-', id) FROM (${ORDERS(first, last)}) o`,
      );
    }
  }
  const [status] = await db.query<{ File: string; Position: number | string }[]>('SHOW MASTER STATUS');
  const from = { file: status!.File, pos: Number(status!.Position) };
  const step = 10_000;
  for (let first = 1; first <= rows; first += step) {
    const last = Math.min(rows, first + step - 1);
    await db.query(`INSERT INTO bench.orders ${ORDERS(first, last)}`);
  }
  process.stdout.write(
    `loaded ${rows} rows (${Math.ceil(rows / step)} transactions) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  process.stdout.write(
    `transform: projection ${PROJECTION}; filter ${FILTER} (every row passes: both runs write ${rows} rows)\n`,
  );

  const run = async (path: 'binlog' | 'snapshot', variant: Variant, rep: number): Promise<Sample> => {
    const dir = tempDir('tidemark-bench-transform-');
    try {
      const duck = join(dir, 'sink.duckdb');
      const pipeline = writePipeline(dir, {
        port: db.port,
        tables: variant === 'wide' ? 'bench.orders_wide' : 'bench.orders',
        duckdbPath: duck,
        name: `bench-transform-${path}-${variant}`,
        extraSource:
          path === 'binlog'
            ? {
                'scan.startup.mode': 'specific-offset',
                'scan.startup.specific-offset.file': from.file,
                'scan.startup.specific-offset.pos': from.pos,
              }
            : { 'scan.startup.mode': 'snapshot' },
      });
      if (variant === 'with') {
        const text = readFileSync(pipeline, 'utf8').replace(
          'pipeline:',
          [
            'transform:',
            '  - source-table: bench.orders',
            `    projection: ${PROJECTION}`,
            `    filter: ${FILTER}`,
            '',
            'pipeline:',
          ].join('\n'),
        );
        writeFileSync(pipeline, text);
      }
      const nodeArgs: string[] = [];
      if (cpuProf !== undefined) {
        const out = resolve(cpuProf);
        mkdirSync(out, { recursive: true });
        nodeArgs.push(
          '--cpu-prof',
          `--cpu-prof-dir=${out}`,
          `--cpu-prof-name=${path}-${variant}-${rep + 1}.cpuprofile`,
        );
      }
      const child = startTidemark(
        ['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
        {},
        cliBin,
        nodeArgs,
      );
      let peak = 0;
      let stoppedAt: number | undefined;
      let cpu = 0;
      const timer = setInterval(() => {
        peak = Math.max(peak, peakRss(child.pid!));
        cpu = cpuSeconds(child.pid!) ?? cpu;
      }, 100);
      child.stdout?.on('data', (d: Buffer) => {
        if (stoppedAt === undefined && d.toString().includes('Stopped (')) stoppedAt = Date.now();
      });
      const r = await child.result;
      clearInterval(timer);
      if (r.code !== 0) throw new Error(`tidemark failed (${path}, ${variant}):\n${r.stderr.slice(-3000)}`);
      const written = /Stopped \([^)]*\); (\d+) change/.exec(r.stdout);
      if (Number(written?.[1]) !== rows)
        throw new Error(`${path} ${variant}: wrote ${written?.[1]} rows, expected ${rows}:\n${r.stdout}`);
      const begin = logTime(r.stderr, path === 'binlog' ? 'starting' : 'snapshot started');
      if (begin === undefined || stoppedAt === undefined)
        throw new Error(`${path} ${variant}: no start or end mark\n${r.stderr.slice(-3000)}`);
      const columns =
        variant === 'without' ? 'count(*)' : 'count(*), count(name_uc), count(total), count(tag)';
      const table = variant === 'wide' ? 'bench.orders_wide' : 'bench.orders';
      const counts = (await duckRows(duck, `SELECT ${columns} FROM ${table}`))[0]!.map(Number);
      if (counts.some((n) => n !== rows))
        throw new Error(`${path} ${variant}: the sink holds ${counts.join('/')} rows, expected ${rows}`);
      const seconds = (stoppedAt - begin) / 1000;
      return { rate: rows / seconds, seconds, rssBytes: peak, cpuSeconds: cpu };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const samples = new Map<string, Sample[]>();
  for (let rep = 0; rep < reps; rep++) {
    for (const path of paths) {
      // ABBA: the order swaps each repetition, so neither variant always runs first
      const order: Variant[] = rep % 2 === 0 ? ['without', 'with'] : ['with', 'without'];
      if (control && path === 'snapshot') order.push('wide');
      for (const variant of order) {
        const s = await run(path, variant, rep);
        const key = `${path}/${variant}`;
        samples.set(key, [...(samples.get(key) ?? []), s]);
        process.stdout.write(
          `  ${path} rep ${rep + 1} ${variant === 'wide' ? 'control, no transform' : `${variant} transform`.padEnd(21)}: ${Math.round(s.rate)} rows/s (${s.seconds.toFixed(2)} s), ` +
            `CPU ${s.cpuSeconds.toFixed(1)} s, peak RSS ${mb(s.rssBytes)}\n`,
        );
      }
    }
  }

  process.stdout.write(
    `\n${rows} rows, median of ${reps} (peak RSS the largest); goal: ratio ≥ ${GOAL.toFixed(2)} (the transform costs < 10%)\n`,
  );
  process.stdout.write(
    '| workload | without transform | with transform | ratio with / without | CPU-time ratio | goal met |\n',
  );
  process.stdout.write('|---|---:|---:|---:|---:|---|\n');
  for (const path of paths) {
    const without = samples.get(`${path}/without`)!;
    const withT = samples.get(`${path}/with`)!;
    const ratios = withT.map((w, i) => w.rate / without[i]!.rate);
    const ratio = median(ratios);
    // rows per CPU second, with / without: what the transform costs in work, whatever the machine's load
    const cpuRatio = median(withT.map((w, i) => without[i]!.cpuSeconds / w.cpuSeconds));
    const cell = (s: Sample[]): string =>
      `${Math.round(median(s.map((x) => x.rate)))} rows/s, CPU ${median(s.map((x) => x.cpuSeconds)).toFixed(1)} s, ` +
      `${mb(Math.max(...s.map((x) => x.rssBytes)))}`;
    process.stdout.write(
      `| ${path} | ${cell(without)} | ${cell(withT)} | ${ratio.toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(', ')}) | ` +
        `${cpuRatio.toFixed(2)} | ${ratio >= GOAL ? 'yes' : 'no'} |\n`,
    );
    const wide = samples.get(`${path}/wide`);
    if (wide) {
      const vs = (xs: Sample[]): string => median(xs.map((x, i) => x.rate / wide[i]!.rate)).toFixed(2);
      process.stdout.write(
        `| ${path} control: the 9 columns stored in MariaDB, no transform | ${cell(wide)} | | ` +
          `without / control ${vs(without)}, with / control ${vs(withT)} | | |\n`,
      );
    }
  }
} finally {
  await db.stop();
  removeCompiledCli(cliBin);
}
