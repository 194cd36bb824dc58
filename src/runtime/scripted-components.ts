/**
 * Scripted implementations of tidemark's own Source and Sink interfaces, for tests of the runner
 * (not used by production code). The source yields the batches a test wrote down and can hold the
 * stream open; the sink records every call in order and lets a test delay or fail any of them.
 */
import type { DataChangeEvent, SchemaChange } from '../event/change-event.js';
import type { JsonValue } from '../event/json-value.js';
import { tableIdToString, type TableId, type TableSchema } from '../event/table-schema.js';
import { pipelineOptionsSchema, type PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import type { Checkpoint } from './checkpoint.js';
import { createLogger, type LogLevel, type Logger } from './logger.js';
import { ALL_SCHEMA_CHANGE_TYPES, type Sink, type SinkSchemaCapabilities } from './sink.js';
import type { Source, SourceContext, SourceInfo, SourceRecord } from './source.js';

/**
 * The spec runPipeline needs for components a test builds itself: no routes or transforms, these
 * `pipeline` options (with a name), `origin` naming the test file.
 */
export function scriptedSpec(
  pipeline: Record<string, unknown>,
  origin: string,
  rules: Partial<PipelineSpec> = {},
): PipelineSpec {
  return {
    source: { type: 'scripted', name: undefined, options: {} },
    sink: { type: 'scripted', name: undefined, options: {} },
    routes: [],
    transforms: [],
    pipeline: pipelineOptionsSchema.parse(pipeline),
    secrets: [],
    origin,
    ...rules,
  };
}

/** A promise the test settles when it chooses: holds a flush, a write, a source step. */
export class Gate {
  readonly promise: Promise<void>;
  private settle: { open: () => void; fail: (e: Error) => void } | undefined;

  constructor() {
    this.promise = new Promise<void>((open, fail) => (this.settle = { open, fail }));
    // a gate failed before anybody waits on it must not end the process as an unhandled rejection;
    // whoever awaits `promise` still gets the error
    this.promise.catch(() => undefined);
  }

  open(): void {
    this.settle?.open();
  }

  fail(e: Error): void {
    this.settle?.fail(e);
  }
}

/**
 * One step of a scripted source: a batch to yield, a pause until `hold` settles (it rejecting
 * fails the read), or a failure of the read. A pause ends early when the pipeline stops or the
 * source is closed: the source then ends its iteration, as a real one does.
 */
export type SourceStep =
  readonly SourceRecord[] | { readonly hold: Promise<void> } | { readonly fail: Error };

/** Holds the stream open until the pipeline stops. */
export const UNTIL_STOPPED: SourceStep = { hold: new Promise<void>(() => undefined) };

export type SourceCall =
  | { readonly op: 'open' }
  | { readonly op: 'read'; readonly restoredState: JsonValue | undefined }
  | { readonly op: 'close' };

/** How the scripted read ended: script done, stopped (signal or close), returned by the runner, failed. */
export type ReadEnd = 'script-done' | 'stopped' | 'returned' | 'failed';

export interface ScriptedSourceOptions {
  readonly tables?: readonly TableId[];
  readonly endpoint?: string;
  readonly noTables?: string;
}

export class ScriptedSource implements Source {
  readonly calls: SourceCall[] = [];
  /** Steps the runner asked for (a batch is pulled when the runner asks for the next one). */
  stepsTaken = 0;
  readEnd: ReadEnd | undefined;
  private readonly arrivals: Gate[];
  private readonly stop = new Gate();
  private stopping = false;

  constructor(
    private readonly script: readonly SourceStep[],
    private readonly options: ScriptedSourceOptions = {},
  ) {
    this.arrivals = script.map(() => new Gate());
  }

  open(ctx: SourceContext): Promise<SourceInfo> {
    this.calls.push({ op: 'open' });
    const onAbort = (): void => this.stopNow();
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    const { tables = [], endpoint = 'scripted', noTables } = this.options;
    return Promise.resolve({ tables, endpoint, ...(noTables !== undefined ? { noTables } : {}) });
  }

  async *read(restoredState: JsonValue | undefined): AsyncIterable<readonly SourceRecord[]> {
    this.calls.push({ op: 'read', restoredState });
    let how: ReadEnd = 'returned';
    try {
      for (const [i, step] of this.script.entries()) {
        if (this.stopping) {
          how = 'stopped';
          return;
        }
        this.stepsTaken = i + 1;
        this.arrivals[i]!.open();
        if ('fail' in step) throw step.fail;
        if (!('hold' in step)) {
          yield step;
          continue;
        }
        const stopped = await Promise.race([step.hold.then(() => false), this.stop.promise.then(() => true)]);
        if (stopped) {
          how = 'stopped';
          return;
        }
      }
      how = 'script-done';
    } catch (e) {
      how = 'failed';
      throw e;
    } finally {
      this.readEnd = how;
    }
  }

  /** Resolves once the runner asked for step `index` (0-based). */
  reached(index: number): Promise<void> {
    const arrival = this.arrivals[index];
    if (!arrival) throw new Error(`the script has no step ${index}`);
    return arrival.promise;
  }

  close(): Promise<void> {
    this.calls.push({ op: 'close' });
    this.stopNow();
    return Promise.resolve();
  }

  private stopNow(): void {
    this.stopping = true;
    this.stop.open();
  }
}

export type SinkCall =
  | { readonly op: 'open' }
  | {
      readonly op: 'apply';
      readonly table: string;
      readonly change: SchemaChange;
      readonly schemaAfter: TableSchema | undefined;
    }
  | { readonly op: 'write'; readonly events: readonly DataChangeEvent[] }
  | { readonly op: 'flush'; readonly checkpoint: Checkpoint }
  | { readonly op: 'close' };

export interface ScriptedSinkOptions {
  readonly target?: string;
  readonly transactional?: boolean;
  readonly capabilities?: SinkSchemaCapabilities;
  /**
   * How the sink answers a call, after recording it: the returned promise is the call's outcome
   * (a Gate's to hold it, a rejected one to fail it); undefined answers at once.
   */
  readonly respond?: (call: SinkCall) => Promise<void> | undefined;
}

export class ScriptedSink implements Sink {
  readonly calls: SinkCall[] = [];
  /** The checkpoints whose flush resolved, in order. */
  readonly committed: Checkpoint[] = [];
  readonly target: string;
  readonly transactional: boolean;
  readonly schemaCapabilities: SinkSchemaCapabilities;
  private readonly waiters: { matches: (c: SinkCall) => boolean; found: (c: SinkCall) => void }[] = [];

  constructor(private readonly options: ScriptedSinkOptions = {}) {
    this.target = options.target ?? 'scripted sink';
    this.transactional = options.transactional ?? false;
    this.schemaCapabilities = options.capabilities ?? {
      applies: ALL_SCHEMA_CHANGE_TYPES,
      columnPositions: true,
    };
  }

  open(): Promise<void> {
    return this.answer({ op: 'open' });
  }

  committedCheckpoint(): Promise<Checkpoint | undefined> {
    return Promise.resolve(this.transactional ? this.committed.at(-1) : undefined);
  }

  isEmpty(): Promise<boolean> {
    return Promise.resolve(!this.calls.some((c) => c.op === 'apply' || c.op === 'write'));
  }

  applySchemaChange(tableId: TableId, change: SchemaChange, schemaAfter: TableSchema | undefined) {
    return this.answer({ op: 'apply', table: tableIdToString(tableId), change, schemaAfter });
  }

  write(events: readonly DataChangeEvent[]): Promise<void> {
    return this.answer({ op: 'write', events: [...events] });
  }

  async flush(checkpoint: Checkpoint): Promise<void> {
    await this.answer({ op: 'flush', checkpoint });
    this.committed.push(checkpoint);
  }

  close(): Promise<void> {
    return this.answer({ op: 'close' });
  }

  /** The first call (made or to come) that matches; rejects after `timeoutMs` naming `what`. */
  waitFor(what: string, matches: (c: SinkCall) => boolean, timeoutMs = 2000): Promise<SinkCall> {
    const made = this.calls.find(matches);
    if (made) return Promise.resolve(made);
    return new Promise<SinkCall>((resolve, reject) => {
      const timer = setTimeout(() => {
        const ops = this.calls.map((c) => c.op).join(', ');
        reject(new Error(`no ${what} within ${timeoutMs} ms; the sink got: ${ops}`));
      }, timeoutMs);
      this.waiters.push({
        matches,
        found: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
      });
    });
  }

  private answer(call: SinkCall): Promise<void> {
    this.calls.push(call);
    for (const [i, w] of [...this.waiters.entries()].reverse()) {
      if (!w.matches(call)) continue;
      this.waiters.splice(i, 1);
      w.found(call);
    }
    return this.options.respond?.(call) ?? Promise.resolve();
  }
}

export interface LogEntry {
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/** A logger that keeps every entry (debug included) for the test to look at. */
export function recordingLogger(): { readonly logger: Logger; readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const logger = createLogger({
    level: 'debug',
    pretty: false,
    write: (line) => {
      const { level, msg, ts: _ts, ...fields } = JSON.parse(line) as Record<string, unknown>;
      entries.push({ level: level as LogLevel, msg: String(msg), fields });
    },
  });
  return { logger, entries };
}
