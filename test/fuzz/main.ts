/**
 * `npm run fuzz -- --seeds N [--start S] [--behaviors evolve,lenient] [--features all,-spatial]
 *  [--parallel P] [--out DIR] [--no-shrink] [--compiled] [--verbose] [--ops N] [--slot-base K]`
 * `npm run fuzz -- --replay DIR/seed-123.json [--shrink-saved]` replays a saved log (and shrinks it).
 *
 * Runs seeded scenarios against a private MariaDB (or TIDEMARK_TEST_MYSQL_PORT) and the real CLI,
 * prints each failing seed with its minimal statement log, and a summary by failure signature.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCli } from '../support/compiled-cli.js';
import { sharedMariaDb } from '../support/mariadb.js';
import type { FuzzEnv } from './executor.js';
import { ALL_FEATURES, FEATURES, parseFeatures } from './features.js';
import { scenarioConfig, type ScenarioConfig } from './generator.js';
import type { LogEntry } from './operations.js';
import { failureReport, replayLog, runScenario, shrink } from './scenario.js';
import { BEHAVIORS, type Behavior } from './sink-model.js';

interface Args {
  seeds: number[];
  behaviors: Behavior[];
  features: string | undefined;
  parallel: number;
  out: string;
  shrink: boolean;
  compiled: boolean;
  verbose: boolean;
  replay: string | undefined;
  ops: number | undefined;
  slotBase: number;
  shrinkSaved: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const start = Number(get('--start') ?? 1);
  const count = Number(get('--seeds') ?? 20);
  const list = get('--seed-list');
  const behaviors = (get('--behaviors') ?? BEHAVIORS.join(',')).split(',') as Behavior[];
  for (const b of behaviors) if (!BEHAVIORS.includes(b)) throw new Error(`unknown behaviour ${b}`);
  return {
    seeds: list ? list.split(',').map(Number) : Array.from({ length: count }, (_, i) => start + i),
    behaviors,
    features: get('--features'),
    parallel: Number(get('--parallel') ?? 2),
    out: get('--out') ?? join(tmpdir(), `tidemark-fuzz-${Date.now()}`),
    shrink: !argv.includes('--no-shrink'),
    compiled: argv.includes('--compiled'),
    verbose: argv.includes('--verbose'),
    replay: get('--replay'),
    ops: get('--ops') === undefined ? undefined : Number(get('--ops')),
    // replica server ids are 6000 + 8 * slot: fuzz processes sharing a server need distinct slots
    slotBase: Number(get('--slot-base') ?? 0),
    shrinkSaved: argv.includes('--shrink-saved'),
  };
}

const root = new URL('../..', import.meta.url).pathname;

interface Saved {
  readonly config: ScenarioConfig;
  readonly log: readonly LogEntry[];
}

const USAGE = `npm run fuzz -- [--seeds N] [--start S] [--seed-list A,B,...] [--ops N]
    [--behaviors evolve,try_evolve,lenient,ignore,exception] [--features all,-name,...]
    [--parallel P] [--slot-base K] [--out DIR] [--no-shrink] [--compiled] [--verbose]
npm run fuzz -- --replay DIR/seed-S.json [--shrink-saved]

features (all on by default):
${Object.entries(FEATURES)
  .map(([name, what]) => `  ${name.padEnd(18)} ${what}`)
  .join('\n')}`;

async function main(): Promise<number> {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const args = parseArgs(process.argv.slice(2));
  const features = parseFeatures(args.features);
  const db = await sharedMariaDb();
  const cliBin = args.compiled ? compileCli('fuzz') : join(root, 'bin', 'tidemark.js');
  mkdirSync(args.out, { recursive: true });
  const envFor = (slot: number, name: string): FuzzEnv => ({
    db,
    cliBin,
    workDir: join(args.out, 'work', name),
    slot: args.slotBase + slot,
    runTimeoutMs: 120_000,
    ...(args.verbose ? { verbose: (l: string) => console.log(l) } : {}),
  });

  if (args.replay) {
    // a saved log: replayed as is, and with --shrink-saved shrunk when it fails
    const saved = JSON.parse(readFileSync(args.replay, 'utf8')) as Saved;
    const env = envFor(0, `replay-${process.pid}`);
    const r = await replayLog(env, saved.config, saved.log);
    if (r.invalid) console.log('the log cannot run in this order');
    else if (!r.failure) console.log('replay passed');
    else if (!args.shrinkSaved) {
      console.log(failureReport(saved.config, r.failure, saved.log.slice(0, r.failure.at + 1), 'replayed'));
    } else {
      const s = await shrink(env, saved.config, saved.log, r.failure, {
        maxReplays: 80,
        deadline: Date.now() + 40 * 60_000,
      });
      const note = `shrunk from ${r.failure.at + 1} to ${s.log.length} entries in ${s.replays} replays`;
      console.log(failureReport(saved.config, s.failure, s.log, note));
      const name = `shrunk-${saved.config.seed}`;
      writeFileSync(
        join(args.out, `${name}.txt`),
        failureReport(saved.config, s.failure, s.log, note) + '\n',
      );
      writeFileSync(
        join(args.out, `${name}.json`),
        JSON.stringify({ config: saved.config, log: s.log }, null, 1),
      );
    }
    return r.failure ? 1 : 0;
  }

  const off = ALL_FEATURES.filter((f) => !features.has(f));
  console.log(
    `tidemark fuzz: ${args.seeds.length} seed(s) from ${args.seeds[0]}, behaviours ${args.behaviors.join(',')}, ` +
      `features ${off.length ? `all but ${off.join(',')}` : 'all'}, parallel ${args.parallel}, output ${args.out}`,
  );
  const bySig = new Map<string, { count: number; seeds: number[]; shrunk?: string }>();
  let passed = 0;
  let next = 0;
  const t0 = Date.now();
  const worker = async (slot: number): Promise<void> => {
    while (next < args.seeds.length) {
      const seed = args.seeds[next++]!;
      const config = scenarioConfig(seed, args.behaviors, features, args.ops);
      const env = envFor(slot, `seed-${seed}`);
      let r;
      try {
        r = await runScenario(env, config);
      } catch (e) {
        // the fuzzer itself broke (a bug of the fuzzer, or the server went away): count and go on
        console.log(`ERROR seed ${seed}: ${(e as Error).stack ?? String(e)}`);
        const sig = 'fuzzer-error';
        const entry = bySig.get(sig) ?? { count: 0, seeds: [] };
        bySig.set(sig, { ...entry, count: entry.count + 1, seeds: [...entry.seeds, seed] });
        continue;
      }
      if (!r.failure) {
        passed++;
        console.log(
          `ok   seed ${seed} (${config.behavior}, ${r.log.length} entries, ${r.skipped} skipped, ${r.tolerated} accepted errors${rulesNote(r.log)}, ${(r.ms / 1000).toFixed(1)} s, ${(r.pipelineMs / 1000).toFixed(1)} s of it in pipeline actions)`,
        );
        continue;
      }
      const entry = bySig.get(r.failure.sig) ?? { count: 0, seeds: [] };
      const isNew = entry.count === 0;
      bySig.set(r.failure.sig, { ...entry, count: entry.count + 1, seeds: [...entry.seeds, seed] });
      let log = r.log;
      let failure = r.failure;
      let note = `full log (${r.log.length} entries)`;
      if (args.shrink && isNew) {
        const s = await shrink(env, config, r.log, r.failure, {
          maxReplays: 80,
          deadline: Date.now() + 15 * 60_000,
        });
        log = s.log;
        failure = s.failure;
        note = s.reproduced
          ? `shrunk from ${r.log.length} to ${s.log.length} entries in ${s.replays} replays`
          : `did not reproduce on replay (timing?): full log`;
        bySig.get(r.failure.sig)!.shrunk = `seed-${seed}.json`;
      }
      const report = failureReport(config, failure, log, note);
      console.log(report);
      writeFileSync(join(args.out, `seed-${seed}.txt`), report + '\n');
      writeFileSync(
        join(args.out, `seed-${seed}.json`),
        JSON.stringify({ config, log } satisfies Saved, null, 1),
      );
    }
  };
  await Promise.all(Array.from({ length: args.parallel }, (_, i) => worker(i)));
  const failed = args.seeds.length - passed;
  const lines = [
    '',
    `${args.seeds.length} scenario(s) in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${passed} passed, ${failed} failed`,
    ...[...bySig]
      .sort((a, b) => b[1].count - a[1].count)
      .map(
        ([sig, e]) =>
          `  ${String(e.count).padStart(4)} × ${sig}  (seeds ${e.seeds.slice(0, 8).join(', ')}${e.seeds.length > 8 ? ', …' : ''}${e.shrunk ? `; minimal log ${e.shrunk}` : ''})`,
      ),
  ];
  console.log(lines.join('\n'));
  writeFileSync(join(args.out, 'summary.txt'), lines.join('\n') + '\n');
  writeFileSync(
    join(args.out, 'summary.json'),
    JSON.stringify({ passed, failed, signatures: Object.fromEntries(bySig) }, null, 1),
  );
  return failed ? 1 : 0;
}

/** How many transform rules and merged routes the scenario's pipelines had. */
function rulesNote(log: readonly LogEntry[]): string {
  let transforms = 0;
  let merges = 0;
  for (const e of log) {
    if (e.t !== 'pipeline' || e.action.k !== 'fresh') continue;
    transforms += e.action.transforms?.length ?? 0;
    if (e.action.merge) merges++;
  }
  return transforms || merges ? `, ${transforms} transform rule(s), ${merges} merged route(s)` : '';
}

process.exitCode = await main();
