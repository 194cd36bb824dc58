/**
 * CLI start-up benchmark: whole processes as users run them. `tidemark --help` and
 * `tidemark validate` of the compiled CLI against the physical floor, `node -e 0` (Node's own
 * start), in the same run; prints median wall time, peak RSS and the ratio to the floor.
 *
 *   npx tsx bench/cli-start/run.ts [--runs N] [--small]
 *
 * The goal (issue: fast CLI start) is < 120 ms and < 60 MB RSS for --help and validate: no
 * connector (DuckDB's native binding, the MySQL client) loads before a command needs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCli } from '../../test/support/compiled-cli.js';

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
  const rows = cases.map(([name, args]) => {
    measure(args); // warm the file cache
    const samples = Array.from({ length: runs }, () => measure(args));
    return { name, ms: median(samples.map((s) => s.ms)), rssKb: Math.max(...samples.map((s) => s.rssKb)) };
  });
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
