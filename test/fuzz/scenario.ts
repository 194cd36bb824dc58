/**
 * One seeded scenario (generate and execute, entry by entry), the replay of a recorded log, and
 * the shrinking of a failing log to a minimal one: delta debugging over its entries, each candidate
 * replayed from scratch (fresh databases, fresh pipeline) and kept when it fails the same way.
 */
import { join } from 'node:path';
import { Executor, INVALID, type Failure, type FuzzEnv } from './executor.js';
import { Generator, type ScenarioConfig } from './generator.js';
import { renderLog, type LogEntry } from './operations.js';

export interface ScenarioResult {
  readonly config: ScenarioConfig;
  readonly log: readonly LogEntry[];
  readonly failure: Failure | undefined;
  /** Statements the server refused (skipped). */
  readonly skipped: number;
  /** Runs that stopped with an accepted clear error (a lossy type change DuckDB cannot apply). */
  readonly tolerated: number;
  readonly ms: number;
  /** Of which in pipeline actions (runs, kills, streaming windows). */
  readonly pipelineMs: number;
}

/** Generates and runs the scenario of `config.seed`; stops at the first failure. */
export async function runScenario(env: FuzzEnv, config: ScenarioConfig): Promise<ScenarioResult> {
  const t0 = Date.now();
  const gen = new Generator(config);
  const ex = new Executor(env, config);
  const log: LogEntry[] = [];
  let failure: Failure | undefined;
  let pipelineMs = 0;
  await ex.open();
  try {
    const step = async (e: LogEntry): Promise<boolean> => {
      log.push(e);
      env.verbose?.(`[${config.seed}] #${log.length - 1} ${describe(e)}`);
      const t = Date.now();
      const r = await ex.execute(e, log.length - 1);
      if (e.t === 'pipeline') pipelineMs += Date.now() - t;
      if (r === INVALID)
        throw new Error(`fuzzer: the generator produced an entry that cannot run: ${describe(e)}`);
      failure = r;
      return r === undefined;
    };
    let ok = true;
    for (const e of gen.setup()) if (ok) ok = await step(e);
    while (ok) {
      const e = gen.next(ex.state());
      if (!e) break;
      ok = await step(e);
    }
  } finally {
    await ex.close(false);
  }
  return {
    config,
    log,
    failure,
    skipped: ex.skipped.length,
    tolerated: ex.tolerated,
    ms: Date.now() - t0,
    pipelineMs,
  };
}

export interface ReplayResult {
  readonly failure: Failure | undefined;
  /** The log cannot run in this order (a shrink candidate that broke an ordering rule). */
  readonly invalid: boolean;
}

/** Runs a recorded log from scratch. */
export async function replayLog(
  env: FuzzEnv,
  config: ScenarioConfig,
  log: readonly LogEntry[],
): Promise<ReplayResult> {
  const ex = new Executor(env, config);
  await ex.open();
  try {
    for (let i = 0; i < log.length; i++) {
      const r = await ex.execute(log[i]!, i);
      if (r === INVALID) return { failure: undefined, invalid: true };
      if (r) return { failure: r, invalid: false };
    }
    return { failure: undefined, invalid: false };
  } finally {
    await ex.close(false);
  }
}

export interface ShrinkResult {
  readonly log: readonly LogEntry[];
  readonly failure: Failure;
  /** The failure showed again when the original log was replayed. */
  readonly reproduced: boolean;
  readonly replays: number;
}

export interface ShrinkBudget {
  readonly maxReplays: number;
  readonly deadline: number;
}

/** The smallest log (1-minimal within the budget) that fails with the same signature. */
export async function shrink(
  env: FuzzEnv,
  config: ScenarioConfig,
  log: readonly LogEntry[],
  failure: Failure,
  budget: ShrinkBudget,
): Promise<ShrinkResult> {
  let replays = 0;
  let attempt = 0;
  const fails = async (candidate: readonly LogEntry[]): Promise<Failure | undefined> => {
    if (replays >= budget.maxReplays || Date.now() > budget.deadline) return undefined;
    replays++;
    const r = await replayLog(
      { ...env, workDir: join(env.workDir, `shrink${attempt++}`) },
      config,
      candidate,
    );
    env.verbose?.(
      `[${config.seed}] shrink: ${candidate.length} entries → ${r.invalid ? 'invalid' : (r.failure?.sig ?? 'passes')}`,
    );
    return !r.invalid && r.failure?.sig === failure.sig ? r.failure : undefined;
  };
  let current = log.slice(0, failure.at + 1);
  let last = await fails(current);
  // timing-dependent failures may need another try
  for (let i = 0; !last && i < 2 && replays < budget.maxReplays; i++) last = await fails(current);
  if (!last) return { log: current, failure, reproduced: false, replays };

  // Pipeline-action simplifications first: no stops at random moments, no streaming windows
  // (the last entry, where the failure showed, becomes a plain run to caught-up).
  const timed = (e: LogEntry): boolean =>
    e.t === 'pipeline' && ['kill', 'start', 'stop'].includes(e.action.k);
  const end = current[current.length - 1]!;
  const simpler: LogEntry[] = [
    ...current.slice(0, -1).filter((e) => !timed(e)),
    timed(end) ? { t: 'pipeline', action: { k: 'run' } } : end,
  ];
  if (simpler.length < current.length || simpler[simpler.length - 1] !== end) {
    const f = await fails(simpler);
    if (f) [current, last] = [simpler, f];
  }
  // Then only the runs that must be there: the first after each new pipeline, and the last.
  const runs = current.filter((e, i) => {
    if (e.t !== 'pipeline' || e.action.k !== 'run' || i === current.length - 1) return true;
    const prev = current
      .slice(0, i)
      .reverse()
      .find((x) => x.t === 'pipeline');
    return prev?.t === 'pipeline' && prev.action.k === 'fresh';
  });
  if (runs.length < current.length) {
    const f = await fails(runs);
    if (f) [current, last] = [runs, f];
  }
  // Committed transactions as their statements, so that the statements can go one by one.
  const flat = current.flatMap((e): LogEntry[] =>
    e.t === 'op' && e.op.k === 'txn' && !e.op.rollback ? e.op.ops.map((op) => ({ t: 'op', op })) : [e],
  );
  if (flat.length > current.length) {
    const f = await fails(flat);
    if (f) [current, last] = [flat, f];
  }
  // ddmin over all entries but the last (the run that shows the failure)
  let n = 2;
  while (current.length > 2) {
    const body = current.slice(0, -1);
    const size = Math.ceil(body.length / n);
    let reduced = false;
    for (let i = 0; i < body.length; i += size) {
      const candidate = [...body.slice(0, i), ...body.slice(i + size), current[current.length - 1]!];
      const f = await fails(candidate);
      if (f) {
        current = candidate;
        last = f;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (replays >= budget.maxReplays || Date.now() > budget.deadline) break;
    if (!reduced) {
      if (size <= 1) break;
      n = Math.min(body.length, n * 2);
    }
  }
  return { log: current, failure: { ...last, at: current.length - 1 }, reproduced: true, replays };
}

export function describe(e: LogEntry): string {
  return renderLog([e]).split('\n')[0]!.slice(0, 160);
}

/** The report printed for a failing seed. */
export function failureReport(
  config: ScenarioConfig,
  failure: Failure,
  log: readonly LogEntry[],
  note: string,
): string {
  return [
    `FAIL seed ${config.seed} (${failure.kind}: ${failure.sig})`,
    `  behaviour ${config.behavior}, sql_mode ${config.sqlMode === undefined ? '(server default)' : JSON.stringify(config.sqlMode)}, session time zone ${config.timeZone ?? '(server: +05:30)'}`,
    `  ${note}`,
    ...failure.message.split('\n').map((l) => `  | ${l}`),
    '  statement log:',
    ...renderLog(log)
      .split('\n')
      .map((l) => `    ${l}`),
  ].join('\n');
}
