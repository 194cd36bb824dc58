/**
 * Runs a scenario's log entries: source operations through one MariaDB session (its sql_mode and
 * time zone), the real CLI for pipeline actions, and after each run to caught-up the comparison of
 * the DuckDB file with the model. Knows nothing of the generator: a recorded log replays as is.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { startTidemark, type CliResult } from '../support/tidemark-cli.js';
import type { MariaDbInstance } from '../support/mariadb.js';
import {
  compareDatabases,
  formatDiff,
  openDuckDbReadOnly,
  type OracleDiff,
} from '../support/table-oracle.js';
import {
  compareModelWithSource,
  compareSink,
  readSink,
  sinkHasCheckpoint,
  type Mismatch,
  type SinkTable,
} from './compare.js';
import type { GenState, ScenarioConfig } from './generator.js';
import { isDml, renderSql, tablesOf, type LogEntry, type Op, type PipelineAction } from './operations.js';
import { ModelError, SinkModel, type PipelineRules, type RowsCause } from './sink-model.js';
import { rulesYaml } from './transform-model.js';
import { readSource, tableKey, type SourceTable } from './source-state.js';

export interface FuzzEnv {
  readonly db: MariaDbInstance;
  /** bin/tidemark.js of the sources, or of a compiled copy. */
  readonly cliBin: string;
  /** A directory of its own for this scenario (state directories, DuckDB files). */
  readonly workDir: string;
  /** Distinct per scenario running at the same time: the replica server ids derive from it. */
  readonly slot: number;
  readonly runTimeoutMs: number;
  readonly verbose?: (line: string) => void;
}

export type FailureKind =
  | 'mismatch'
  | 'run-failed'
  | 'stop-failed'
  | 'missing-error'
  | 'unclear-error'
  | 'missing-warning'
  | 'model'
  | 'unexpected-skip'
  | 'timeout';

export interface Failure {
  readonly kind: FailureKind;
  /** Same signature = most likely the same bug (used to de-duplicate and to shrink). */
  readonly sig: string;
  readonly message: string;
  /** Index of the log entry at which it showed. */
  readonly at: number;
}

/** The log entry cannot run in this order (only shrunk logs produce this): not a failure. */
export const INVALID = 'invalid' as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Background {
  readonly child: ReturnType<typeof startTidemark>;
  firstOutput: Promise<void>;
  /** The scenario's databases held no table when it started. */
  readonly startedEmpty: boolean;
}

export class Executor {
  private conn: Connection | undefined;
  private source = new Map<string, SourceTable>();
  private model: SinkModel | undefined;
  private pendingFresh = false;
  /** The transform rules and merged route of the current pipeline. */
  private rules: PipelineRules = { transforms: [], merge: undefined };
  private pipelineNo = 0;
  private pipelineDir = '';
  private started = false;
  private snapshotDone = false;
  /** A run of this pipeline caught up: it has a checkpoint to resume from. */
  private committed = false;
  private bg: Background | undefined;
  private stderr = '';
  /** Runs that stopped with an accepted clear error (see tolerate). */
  tolerated = 0;
  /** Model states since the last comparison (a run refused at a DDL may stop before its rows). */
  private earlier: SinkModel[] = [];
  /** Statements the server refused (strict mode, duplicate keys, ...): skipped, but in the log. */
  readonly skipped: { at: number; error: string }[] = [];

  constructor(
    private readonly env: FuzzEnv,
    private readonly config: ScenarioConfig,
  ) {}

  private get dbs(): string[] {
    return [...this.config.dbs];
  }

  /** Fresh databases and the scenario's session. */
  async open(): Promise<void> {
    const drop = this.dbs.map((d) => `DROP DATABASE IF EXISTS \`${d}\``).join('; ');
    const create = this.dbs.map((d) => `CREATE DATABASE \`${d}\``).join('; ');
    await this.env.db.query(`${drop}; ${create}`);
    mkdirSync(this.env.workDir, { recursive: true });
    this.conn = await this.env.db.connect();
    if (this.config.sqlMode !== undefined)
      await this.conn.query(`SET SESSION sql_mode = ?`, [this.config.sqlMode]);
    if (this.config.timeZone) await this.conn.query(`SET SESSION time_zone = ?`, [this.config.timeZone]);
  }

  async close(keepFiles: boolean): Promise<void> {
    if (this.bg) {
      this.bg.child.kill('SIGKILL');
      await this.bg.child.result;
      this.bg = undefined;
    }
    await this.conn?.end().catch(() => undefined);
    this.conn = undefined;
    await this.env.db
      .query(this.dbs.map((d) => `DROP DATABASE IF EXISTS \`${d}\``).join('; '))
      .catch(() => undefined);
    if (!keepFiles) rmSync(this.env.workDir, { recursive: true, force: true });
  }

  state(): GenState {
    return {
      source: this.source,
      model: this.pendingFresh ? undefined : this.model,
      running: this.bg !== undefined,
      snapshotDone: this.snapshotDone,
      started: this.started,
    };
  }

  async execute(e: LogEntry, at: number): Promise<Failure | typeof INVALID | undefined> {
    try {
      if (e.t === 'op') return await this.runOp(e.op, at);
      return await this.runAction(e.action, at);
    } catch (err) {
      if (err instanceof ModelError) {
        return {
          kind: 'model',
          sig: 'model:error',
          message: `the fuzzer's model failed: ${err.message}`,
          at,
        };
      }
      throw err;
    }
  }

  // ---- source operations ----------------------------------------------------------------------

  private async runOp(op: Op, at: number): Promise<typeof INVALID | undefined> {
    // Statements while a stopped pipeline's snapshot is unfinished would make the expected
    // snapshot depend on timing (which chunks were done): the generator never does that.
    if (this.started && !this.snapshotDone && !this.bg) return INVALID;
    if (op.k === 'txn') {
      await this.runTxn(op, at);
      const m = this.pendingFresh ? undefined : this.model;
      if (m && !m.frozen) this.earlier.push(m.clone());
      return undefined;
    }
    const before = this.source;
    const ok = await this.sql(renderSql(op), at);
    await this.refresh(op);
    const model = this.pendingFresh ? undefined : this.model;
    if (!model) return undefined;
    if (isDml(op)) {
      const k = tableKey(tablesOf(op)[0]!.db, tablesOf(op)[0]!.name);
      const b = before.get(k);
      const a = this.source.get(k);
      if (b && a) model.applyRows(b, a, rowsCause(op));
    } else if (ok || op.k === 'drop') {
      // DROP TABLE a, b drops a even when b does not exist (and fails)
      model.applyDdl(op, before, this.source);
    }
    if (!model.frozen) this.earlier.push(model.clone());
    return undefined;
  }

  private async runTxn(op: Extract<Op, { k: 'txn' }>, at: number): Promise<void> {
    const model = this.pendingFresh ? undefined : this.model;
    const saved = model?.clone();
    await this.sql('BEGIN', at);
    for (const sub of op.ops) {
      const before = this.source;
      await this.sql(renderSql(sub), at);
      await this.refresh(sub);
      const k = tableKey(tablesOf(sub)[0]!.db, tablesOf(sub)[0]!.name);
      const b = before.get(k);
      const a = this.source.get(k);
      if (model && b && a) model.applyRows(b, a, rowsCause(sub));
    }
    await this.sql(op.rollback ? 'ROLLBACK' : 'COMMIT', at);
    if (op.rollback) {
      await this.refresh(op);
      if (saved) this.model = saved;
    }
  }

  /** Runs one statement; a refused statement is recorded and skipped. */
  private async sql(text: string, at: number): Promise<boolean> {
    try {
      await this.conn!.query(text);
      return true;
    } catch (e) {
      const msg = (e as Error).message;
      this.skipped.push({ at, error: msg });
      this.env.verbose?.(`  skipped (${msg.slice(0, 120)})`);
      if (/closed state|ECONNRESET|Connection lost/i.test(msg)) {
        this.conn = undefined;
        await this.reconnect();
      }
      return false;
    }
  }

  private async reconnect(): Promise<void> {
    this.conn = await this.env.db.connect();
    if (this.config.sqlMode !== undefined)
      await this.conn.query(`SET SESSION sql_mode = ?`, [this.config.sqlMode]);
    if (this.config.timeZone) await this.conn.query(`SET SESSION time_zone = ?`, [this.config.timeZone]);
  }

  /** Re-reads the tables the operation touched (DML), or everything (DDL). */
  private async refresh(op: Op): Promise<void> {
    if (isDml(op) && op.k !== 'txn') {
      const k = tableKey(tablesOf(op)[0]!.db, tablesOf(op)[0]!.name);
      const fresh = await readSource(this.conn!, this.dbs, new Set([k]));
      const next = new Map(this.source);
      next.delete(k);
      for (const [kk, t] of fresh) next.set(kk, t);
      this.source = next;
      return;
    }
    this.source = await readSource(this.conn!, this.dbs);
  }

  // ---- pipeline actions -------------------------------------------------------------------------

  private async runAction(a: PipelineAction, at: number): Promise<Failure | typeof INVALID | undefined> {
    if (this.pipelineNo === 0 && a.k !== 'fresh') return INVALID;
    switch (a.k) {
      case 'fresh':
        if (this.bg) return INVALID;
        this.fresh(a);
        return undefined;
      case 'run': {
        if (this.bg) return INVALID;
        this.begin();
        const startedEmpty = this.source.size === 0;
        const r = await this.runToCaughtUp(at);
        if ('kind' in r) return r;
        return this.verify(r, at, startedEmpty);
      }
      case 'kill': {
        if (this.bg) return INVALID;
        this.begin();
        this.startBackground();
        await this.bg!.firstOutput;
        await sleep(a.afterMs);
        return this.stopBackground(a.signal, at);
      }
      case 'start':
        if (this.bg || !this.snapshotDone) return INVALID;
        this.begin();
        this.startBackground();
        await this.bg!.firstOutput;
        return undefined;
      case 'stop':
        if (!this.bg) return undefined;
        return this.stopBackground(a.signal, at);
    }
  }

  private fresh(a: Extract<PipelineAction, { k: 'fresh' }>): void {
    this.pipelineNo++;
    this.pipelineDir = join(this.env.workDir, `p${this.pipelineNo}`);
    rmSync(this.pipelineDir, { recursive: true, force: true });
    mkdirSync(this.pipelineDir, { recursive: true });
    const slot = this.env.slot;
    const lines = [
      'source:',
      '  type: mysql',
      `  hostname: ${this.env.db.host}`,
      `  port: ${this.env.db.port}`,
      `  username: ${this.env.db.rootUser}`,
      `  password: ${JSON.stringify(this.env.db.rootPassword)}`,
      `  tables: ${JSON.stringify(this.dbs.map((d) => `${d}.\\.*`).join(','))}`,
      `  server-id: ${6000 + slot * 8}-${6000 + slot * 8 + 7}`,
      `  scan.incremental.snapshot.chunk.size: ${a.chunkSize}`,
    ];
    if (a.chunkKeys.length) {
      const v = a.chunkKeys.map((c) => `${c.table.db}.${c.table.name}:${c.column}`).join(';');
      lines.push(`  scan.incremental.snapshot.chunk.key-column: ${JSON.stringify(v)}`);
    }
    lines.push(
      '',
      'sink:',
      '  type: duckdb',
      `  path: ${JSON.stringify(join(this.pipelineDir, 'sink.duckdb'))}`,
      '',
      'pipeline:',
      `  name: fuzz ${this.config.seed}`,
      `  parallelism: ${a.parallelism}`,
      `  schema.change.behavior: ${this.config.behavior}`,
      '',
      ...rulesYaml(a.transforms ?? [], a.merge),
      '',
    );
    this.rules = { transforms: a.transforms ?? [], merge: a.merge };
    writeFileSync(join(this.pipelineDir, 'pipeline.yaml'), lines.join('\n'));
    this.pendingFresh = true;
    this.started = false;
    this.snapshotDone = false;
    this.committed = false;
    this.model = undefined;
    this.stderr = '';
    this.earlier = [];
  }

  /** The first run of a new pipeline snapshots the source as it is now. */
  private begin(): void {
    if (this.pendingFresh || !this.model) {
      this.model = SinkModel.fromSnapshot(this.config.behavior, this.source, this.rules);
      this.earlier = [this.model.clone()];
      this.pendingFresh = false;
    }
    this.started = true;
  }

  private cliArgs(exitWhenCaughtUp: boolean): string[] {
    const args = [
      'run',
      join(this.pipelineDir, 'pipeline.yaml'),
      '--state-dir',
      join(this.pipelineDir, 'state'),
    ];
    return exitWhenCaughtUp ? [...args, '--exit-when-caught-up'] : args;
  }

  private async runToCaughtUp(at: number): Promise<CliResult | Failure> {
    const child = startTidemark(this.cliArgs(true), { TIDEMARK_LOG_LEVEL: 'info' }, this.env.cliBin);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, this.env.runTimeoutMs);
    const r = await child.result;
    clearTimeout(timer);
    this.stderr += r.stderr;
    if (timedOut) {
      return {
        kind: 'timeout',
        sig: 'timeout:run',
        message: `run did not catch up within ${this.env.runTimeoutMs} ms\n${tail(r.stderr)}`,
        at,
      };
    }
    return r;
  }

  private startBackground(): void {
    const child = startTidemark(this.cliArgs(false), { TIDEMARK_LOG_LEVEL: 'info' }, this.env.cliBin);
    const firstOutput = new Promise<void>((resolve) => {
      child.stderr?.once('data', () => resolve());
      child.once('close', () => resolve());
    });
    this.bg = { child, firstOutput, startedEmpty: this.source.size === 0 };
  }

  private async stopBackground(signal: 'SIGTERM' | 'SIGKILL', at: number): Promise<Failure | undefined> {
    const { child, startedEmpty } = this.bg!;
    this.bg = undefined;
    const exitedBefore = child.exitCode !== null || child.signalCode !== null;
    if (!exitedBefore) child.kill(signal);
    const hang = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const r = await child.result;
    clearTimeout(hang);
    this.stderr += r.stderr;
    if (this.noTables(r, startedEmpty)) return undefined;
    const fresh = !this.committed && !(await this.sinkHasCheckpoint());
    const failure = this.checkStopped(r, exitedBefore, signal, at);
    if (failure === undefined && fresh) this.startAfreshNext();
    return failure;
  }

  private checkStopped(
    r: CliResult,
    exitedBefore: boolean,
    signal: 'SIGTERM' | 'SIGKILL',
    at: number,
  ): Failure | undefined {
    const skip = this.model ? this.checkSkips(this.model, r.stderr, at) : undefined;
    if (skip && skip !== 'accepted') return skip;
    if (this.model && r.code !== 0) this.tolerate(this.model, r.stderr);
    if (this.model?.frozen) return undefined; // a failing run is expected; the next run checks it
    if (r.code !== 0 && errorLine(r.stderr)) {
      // it failed with an error (on its own, or while stopping): a run failure
      return {
        kind: 'run-failed',
        sig: errorSig(r, 'run-failed'),
        message: `the background run failed (code ${r.code}, signal ${r.signal})\n${tail(r.stderr)}`,
        at,
      };
    }
    if (exitedBefore || signal === 'SIGTERM') {
      if (r.code !== 0) {
        const what = exitedBefore ? 'the background run exited on its own' : 'SIGTERM did not stop cleanly';
        return {
          kind: exitedBefore ? 'run-failed' : 'stop-failed',
          sig: errorSig(r, exitedBefore ? 'run-failed' : 'stop-failed'),
          message: `${what} (code ${r.code}, signal ${r.signal})\n${tail(r.stderr)}`,
          at,
        };
      }
    }
    return undefined;
  }

  // ---- comparison -------------------------------------------------------------------------------

  /**
   * A run that stopped with a clear schema error on a table whose column types changed lossily is
   * an accepted outcome (DuckDB cannot convert as MySQL did), and so is one on a table renamed,
   * dropped or altered while its snapshot was running: the pipeline is then done, like one refused
   * by the exception behaviour.
   */
  private tolerate(model: SinkModel, stderr: string): boolean {
    const line = errorLine(stderr)?.toLowerCase();
    if (!line || model.frozen || !/^error \[(sink_schema|source_schema)\]/.test(line)) return false;
    // DDL on a table whose snapshot was still running: a clear error, and the pipeline is done
    const during = /snapshot of ([^:]+): .* while its snapshot was running/.exec(line);
    if (during && !this.snapshotDone) {
      model.frozen = { table: during[1]!, what: 'DDL during its snapshot' };
      this.tolerated++;
      return true;
    }
    const table = model.lossyTableIn(line);
    if (!table) return false;
    model.frozen = { table, what: 'type change refused' };
    this.tolerated++;
    return true;
  }

  /**
   * `try_evolve` logs a change the sink refused and goes on without it. Accepted on a table whose
   * change the sink may refuse (see tolerate): the pipeline is then done, as after an accepted
   * error. A skip anywhere else is a failure.
   */
  private checkSkips(model: SinkModel, stderr: string, at: number): Failure | 'accepted' | undefined {
    const tables = skippedTables(stderr);
    if (tables.length === 0 || model.frozen) return undefined;
    const other = tables.find((t) => !model.lossy.has(t));
    if (other !== undefined) {
      return {
        kind: 'unexpected-skip',
        sig: 'unexpected-skip',
        message: `try_evolve skipped a change to ${other} that the sink should apply:\n${tail(stderr)}`,
        at,
      };
    }
    model.frozen = { table: tables[0]!, what: 'change skipped (try_evolve)', skipped: true };
    this.tolerated++;
    return 'accepted';
  }

  /** The outcome of a run that must fail (a refused change): the error must be the expected one. */
  private checkRefused(r: CliResult, model: SinkModel, at: number): Failure | undefined {
    const frozen = model.frozen!;
    if (r.code === 0) {
      return {
        kind: 'missing-error',
        sig: `missing-error:${frozen.what}`,
        message: `the run succeeded after a ${frozen.what} on ${frozen.table}, which must stop it`,
        at,
      };
    }
    const line = errorLine(r.stderr);
    if (!line) {
      return {
        kind: 'unclear-error',
        sig: `unclear-error:${frozen.what}`,
        message: `the run failed without an error naming table ${frozen.table}:\n${tail(r.stderr)}`,
        at,
      };
    }
    // a lossy type change before the expected failure may stop the run first, clearly (seed 2447:
    // a MODIFY VARCHAR → DOUBLE of one table, then a DROP of a column another table's rule names)
    if (model.lossyTableIn(line)) return undefined;
    const table = frozen.table.split('.').pop()!;
    const schemaError = (
      frozen.code === 'CONFIG_INVALID'
        ? /^error \[CONFIG_INVALID\]/
        : frozen.code === 'SCHEMA_MERGE'
          ? /^error \[SCHEMA_MERGE\]/
          : /^error \[(SOURCE_SCHEMA|SINK_SCHEMA)\]/
    ).test(line);
    if (schemaError && line.toLowerCase().includes(table)) return undefined;
    // another error stopped the run first (or one about another table: a change the model does
    // not see as one was refused): that is the failure to report
    const what = schemaError ? `before the expected error on ${frozen.table}` : '';
    return {
      kind: 'run-failed',
      sig: errorSig(r, 'run-failed'),
      message: `run failed ${what}(code ${r.code})\n${tail(r.stderr)}`,
      at,
    };
  }

  /**
   * The scenario's databases held no table when a new pipeline started: it refuses to start
   * (nothing to capture) and takes no checkpoint, so its next run starts afresh. A pipeline that
   * has a checkpoint streams on.
   */
  private noTables(r: CliResult, startedEmpty: boolean): boolean {
    const refused = r.code !== 0 && /^error \[SOURCE_NO_TABLES\]/m.test(r.stderr);
    if (!refused || !startedEmpty || this.committed) return false;
    this.snapshotDone = true;
    this.pendingFresh = true;
    return true;
  }

  private async sinkHasCheckpoint(): Promise<boolean> {
    const file = join(this.pipelineDir, 'sink.duckdb');
    return existsSync(file) && (await sinkHasCheckpoint(file));
  }

  /**
   * A stopped run of a new pipeline that committed no checkpoint leaves nothing to resume: the
   * next run starts afresh and snapshots the source as it is then, so DDL run meanwhile is never
   * seen as a change (under `exception` it must not stop that run).
   */
  private startAfreshNext(): void {
    this.pendingFresh = true;
    this.started = false;
    this.snapshotDone = false;
    this.model = undefined;
    this.earlier = [];
  }

  private async verify(r: CliResult, at: number, startedEmpty: boolean): Promise<Failure | undefined> {
    if (this.noTables(r, startedEmpty)) return undefined;
    const model = this.model!;
    const skip = this.checkSkips(model, r.stderr, at);
    if (skip) return skip === 'accepted' ? undefined : skip;
    if (r.code !== 0) this.tolerate(model, r.stderr);
    if (model.frozen) {
      const f = this.checkRefused(r, model, at);
      if (f) return f;
      // stopped within its snapshot: the sink holds whichever chunks were committed
      if (!this.snapshotDone) return undefined;
    } else if (r.code !== 0) {
      return {
        kind: 'run-failed',
        sig: errorSig(r, 'run-failed'),
        message: `run failed (code ${r.code}, signal ${r.signal})\n${tail(r.stderr)}`,
        at,
      };
    } else {
      this.snapshotDone = true;
      this.committed = true;
    }
    const file = join(this.pipelineDir, 'sink.duckdb');
    const sink = existsSync(file) ? await readSink(file) : new Map<string, SinkTable>();
    const mismatches: Mismatch[] = compareSink(model, sink);
    // A run that fails on a refused schema change may stop before committing the rows just
    // before it: the sink may hold any state since the last comparison.
    const earlierMatch = model.frozen && this.earlier.some((m) => compareSink(m, sink).length === 0);
    if (mismatches.length && !earlierMatch) return mismatchFailure(mismatches, at, 'mismatch');
    if (!model.frozen) this.earlier = [model.clone()];
    if (this.config.behavior === 'evolve' || this.config.behavior === 'try_evolve') {
      const own = compareModelWithSource(model, this.source);
      if (own.length && !model.frozen) return mismatchFailure(own, at, 'model');
      const direct = model.frozen ? undefined : await this.oracleCheck(model, file);
      if (direct) return { ...direct, at };
    }
    return undefined;
  }

  /**
   * Under evolve the sink is the source: the table oracle compares them directly (tables with a
   * primary key; append tables hold history, also once they got a key).
   */
  private async oracleCheck(model: SinkModel, file: string): Promise<Omit<Failure, 'at'> | undefined> {
    const duck = await openDuckDbReadOnly(file);
    let diffs: OracleDiff[];
    try {
      diffs = await compareDatabases(this.env.db, this.dbs, duck.conn, { zeroDates: 'sink-null' });
    } finally {
      duck.close();
    }
    const relevant = diffs.filter((d) => {
      const k = d.table.toLowerCase();
      // transformed and merged tables differ from their source by design (the model checks them)
      const sink = model.tables.get(model.routes.get(k) ?? k);
      if (sink?.transform || sink?.merge) return false;
      if (d.kind === 'extra-table') return true;
      // append tables hold history, also after they got a key (ModelTable.history)
      return (this.source.get(k)?.key.length ?? 1) > 0 && model.tables.get(k)?.history !== true;
    });
    if (relevant.length === 0) return undefined;
    return {
      kind: 'mismatch',
      sig: `mismatch:oracle:${relevant[0]!.kind}`,
      message: `the table oracle finds the sink different from the source:\n${relevant.slice(0, 12).map(formatDiff).join('\n')}`,
    };
  }
}

/** Which statement made a table's row changes (for `__data_event_type__`). */
function rowsCause(op: Op): RowsCause | undefined {
  if (op.k === 'update') return 'update';
  if (op.k === 'insert') return op.replace ? 'replace' : 'insert';
  return undefined;
}

function tail(text: string, lines = 12): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Tables (lower case) of the changes `try_evolve` logged as refused by the sink and skipped. */
function skippedTables(stderr: string): string[] {
  const out: string[] = [];
  for (const l of stderr.split('\n')) {
    if (!l.includes('skipped (try_evolve)')) continue;
    const table = /"table":"([^"]+)"/.exec(l)?.[1];
    if (table) out.push(table.toLowerCase());
  }
  return out;
}

function errorLine(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => l.startsWith('error ['));
}

/** A run failure's signature: the error code and its message with names and numbers blanked. */
function errorSig(r: CliResult, prefix: string): string {
  const line = errorLine(r.stderr);
  if (!line) return `${prefix}:${r.signal ?? `code ${r.code}`}`;
  const norm = line
    // the inner error of "the sink is unusable after an earlier error (...)" is the cause
    .replace(/^(error \[\w+\]: ).*unusable after an earlier error \((.*)\); reopen it$/, '$1$2')
    .replace(/unsupported charset \w+( \(collation id \d+\))?/, 'unsupported charset …')
    .replace(/`[^`]*`|'[^']*'|"[^"]*"/g, '…')
    .replace(/\b[\w$]+\.[\w$]+\b/g, 'T')
    .replace(/\d+/g, 'N')
    .slice(0, 160);
  return `${prefix}:${norm}`;
}

function mismatchFailure(ms: readonly Mismatch[], at: number, kind: 'mismatch' | 'model'): Failure {
  // schema differences first: a missing column explains the values that differ in it
  const rank = (sig: string): string => (sig.includes('schema:') ? '0' : '1') + sig;
  const sigs = [...new Set(ms.map((m) => m.sig))].sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
  return {
    kind,
    sig: `${kind}:${sigs[0]}`,
    message: ms
      .slice(0, 12)
      .map((m) => `${m.table}: ${m.detail}`)
      .join('\n'),
    at,
  };
}
