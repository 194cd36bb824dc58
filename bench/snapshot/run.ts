// Snapshot benchmark: a table with mixed column types → DuckDB sink through the real CLI, at
// pipeline.parallelism 1, 2 and 4. Prints rows/s, the raw mysql2 read rate of the same table
// measured in the same run, their ratio (target ≥ 0.5) and the peak RSS of the tidemark process.
//   npx tsx bench/snapshot/run.ts            5M rows
//   npx tsx bench/snapshot/run.ts --small    200k rows (< 60 s; run by test/bench-snapshot-smoke.test.ts)
//   --rows N, --parallelism 1,2,4 override.
// The full run measures the bundled CLI (scripts/build.mjs into a temporary directory), as deployed; --small and
// --sources run the TypeScript sources through tsx (its loader thread adds ~30 MB RSS).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2';
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
const rows = Number(arg('--rows') ?? (small ? 200_000 : 5_000_000));
const levels = (arg('--parallelism') ?? '1,2,4').split(',').map(Number);
const compiled = !small && !args.includes('--sources');

async function rawReadRate(port: number): Promise<number> {
  const conn = mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '' });
  const t0 = process.hrtime.bigint();
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    conn
      .query('SELECT * FROM bench.t')
      .on('result', () => n++)
      .on('error', reject)
      .on('end', () => resolve());
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  conn.end();
  if (n !== rows) throw new Error(`raw read saw ${n} rows, expected ${rows}`);
  return n / s;
}

const cliBin = compiled ? compileCli('bench-snapshot') : undefined;
process.stdout.write(
  `tidemark CLI: ${cliBin === undefined ? 'TypeScript sources through tsx' : 'bundled (npm run build)'}\n`,
);
const db = await startMariaDb();
try {
  const t0 = Date.now();
  await db.query(`CREATE DATABASE bench;
    CREATE TABLE bench.t (
      id BIGINT NOT NULL PRIMARY KEY, i INT, u INT UNSIGNED, d DECIMAL(14,2), f DOUBLE,
      s VARCHAR(40), c CHAR(8), dt DATETIME(6), ts TIMESTAMP(3) NULL, dd DATE, b VARBINARY(16), j JSON
    )`);
  const step = 500_000;
  for (let from = 1; from <= rows; from += step) {
    const to = Math.min(rows, from + step - 1);
    await db.query(
      `INSERT INTO bench.t SELECT seq, CAST(seq % 100000 AS SIGNED) - 50000, seq * 7 % 4000000000, seq / 100, seq * 1.000001,
        CONCAT('name ', seq, ' ', REPEAT('x', seq % 20)), LPAD(seq % 1000, 8, '0'),
        TIMESTAMPADD(MICROSECOND, seq * 1234567, '2020-01-01'), FROM_UNIXTIME(1600000000 + seq),
        DATE_ADD('2000-01-01', INTERVAL seq % 9000 DAY), UNHEX(MD5(seq)), CONCAT('{"k":', seq, '}')
       FROM bench.seq_${from}_to_${to}`,
    );
  }
  await db.query('ANALYZE TABLE bench.t');
  process.stdout.write(`loaded ${rows} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const raw = await rawReadRate(db.port);
  process.stdout.write(`raw mysql2 read (event API): ${Math.round(raw)} rows/s\n`);

  for (const p of levels) {
    const dir = tempDir('tidemark-bench-');
    const duck = join(dir, 'sink.duckdb');
    const pipeline = writePipeline(dir, {
      port: db.port,
      tables: 'bench.t',
      duckdbPath: duck,
      name: `bench-p${p}`,
    });
    const text = readFileSync(pipeline, 'utf8').replace('parallelism: 1', `parallelism: ${p}`);
    writeFileSync(pipeline, text);
    const started = Date.now();
    const child = startTidemark(
      ['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
      {},
      cliBin,
    );
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, peakRss(child.pid!))), 200);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const r = await child.result;
    clearInterval(timer);
    if (r.code !== 0) throw new Error(`tidemark failed (parallelism ${p}):\n${r.stderr.slice(-3000)}`);
    const wall = (Date.now() - started) / 1000;
    const a = logTime(stderr, 'snapshot started');
    const b = logTime(stderr, 'snapshot done');
    const snapS = a !== undefined && b !== undefined ? (b - a) / 1000 : wall;
    const count = Number((await duckRows(duck, 'SELECT count(*) FROM bench.t'))[0]![0]);
    if (count !== rows) throw new Error(`sink holds ${count} rows, expected ${rows}`);
    const rate = rows / snapS;
    process.stdout.write(
      `parallelism ${p}: ${Math.round(rate)} rows/s (snapshot ${snapS.toFixed(1)} s, wall ${wall.toFixed(1)} s), ` +
        `ratio to raw read ${(rate / raw).toFixed(2)}, peak RSS ${Math.round(peak / 1024 / 1024)} MB\n`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await db.stop();
  if (cliBin !== undefined) removeCompiledCli(cliBin);
}
