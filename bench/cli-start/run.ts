/**
 * CLI start-up benchmark: whole processes as users run them. `tidemark --help` and
 * `tidemark validate` of the bundled CLI (`npm run build`) against the physical floor, `node -e 0` (Node's own
 * start), in the same run; prints median wall time, peak RSS and the ratio to the floor.
 *
 *   npx tsx bench/cli-start/run.ts [--runs N] [--small]
 *
 * The goal (issue: fast CLI start) is < 120 ms and < 60 MB RSS for --help and validate: no
 * connector (DuckDB's native binding, the MySQL client) loads before a command needs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCli, removeCompiledCli } from '../../test/support/compiled-cli.js';

const RSS_MARKER = '__tidemark_bench_maxrss_kb=';
/** Loaded into each measured process: prints its peak RSS on exit (fd 2, after everything else). */
const RSS_HOOK = `data:text/javascript,process.on('exit',()=>process.stderr.write('${RSS_MARKER}'+process.resourceUsage().maxRSS+'\\n'))`;

interface Sample {
  readonly ms: number;
  readonly rssKb: number;
}

function measure(args: readonly string[]): Sample {
  const t0 = process.hrtime.bigint();
  const env = { ...process.env, DB_PASSWORD: 'not-a-secret' };
  const r = spawnSync(process.execPath, ['--import', RSS_HOOK, ...args], { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const m = new RegExp(`${RSS_MARKER}(\\d+)`).exec(r.stderr);
  if (r.status !== 0 || !m)
    throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return { ms, rssKb: Number(m[1]) };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function main(): void {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--runs');
  const runs = i >= 0 ? Number(argv[i + 1]) : argv.includes('--small') ? 3 : 21;
  const bin = compileCli('bench');
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-bench-cli-'));
  const pipeline = join(dir, 'pipeline.yaml');
  writeFileSync(
    pipeline,
    [
      'source:',
      '  type: mysql',
      '  hostname: db.example',
      '  username: cdc',
      '  password: ${DB_PASSWORD}',
      '  tables: app_db.\\.*',
      'sink:',
      '  type: duckdb',
      `  path: ${join(dir, 'sink.duckdb')}`,
      '',
    ].join('\n'),
  );
  const cases: [string, string[]][] = [
    ['node -e 0 (floor)', ['-e', '0']],
    ['tidemark --help', [bin, '--help']],
    ['tidemark validate', [bin, 'validate', pipeline]],
  ];
  let samples: Sample[][];
  try {
    for (const [, args] of cases) measure(args); // warm the file cache
    // interleaved: a burst of load elsewhere slows every case alike, not one of them
    samples = cases.map(() => []);
    for (let r = 0; r < runs; r++) cases.forEach(([, args], c) => samples[c]!.push(measure(args)));
  } finally {
    removeCompiledCli(bin);
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = cases.map(([name], c) => ({
    name,
    ms: median(samples[c]!.map((s) => s.ms)),
    rssKb: Math.max(...samples[c]!.map((s) => s.rssKb)),
  }));
  const floor = rows[0]!;
  console.log(`CLI start-up, median of ${runs} runs (peak RSS the largest)`);
  console.log('| command | wall ms | peak RSS MB | × floor time |');
  console.log('|---|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.ms.toFixed(0)} | ${(r.rssKb / 1024).toFixed(1)} | ${(r.ms / floor.ms).toFixed(2)}x |`,
    );
  }
}

main();
