import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ColumnType, Value } from '../event/column-type.js';
import { TidemarkError, errorMessage } from '../event/tidemark-error.js';
import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { parseExpression, type UserFunction } from './expression/index.js';
import { transformOperatorFromSpec, type TransformOperator } from './transform-operator.js';

type UdfSpec = PipelineSpec['pipeline']['user-defined-function'][number];

/** The transform operator, and how to close the user functions it opened. */
export interface LoadedTransform {
  readonly operator: TransformOperator | undefined;
  /**
   * Calls `close()` of every user function object whose `open()` ran, once, in reverse order;
   * never rejects: a close that fails is reported to loadTransform's `onCloseError`, and the
   * others still run.
   */
  close(): Promise<void>;
}

/** Told of a user function whose close() failed (the pipeline's log). */
export type CloseErrorHandler = (name: string, e: unknown) => void;

/**
 * The pipeline's transform operator with its user functions loaded and opened
 * (`pipeline.user-defined-function`): Flink CDC's UserDefinedFunction lifecycle, open() before the
 * first row, close() once the pipeline stops. When one fails to load or open, those opened before
 * it are closed.
 */
export async function loadTransform(
  spec: PipelineSpec,
  onCloseError: CloseErrorHandler,
): Promise<LoadedTransform> {
  const udfs = spec.pipeline['user-defined-function'];
  const functions: Record<string, UserFunction> = {};
  const opened: OpenedFunction[] = [];
  const close = closeOnce(opened, onCloseError);
  try {
    for (const u of udfs) functions[u.name] = await loadUserFunction(u, spec.origin, opened);
    return {
      operator: transformOperatorFromSpec(spec, udfs.length ? functions : undefined),
      close,
    };
  } catch (e) {
    await close(); // the load's error is the run's; a close that fails as well is logged
    throw e;
  }
}

/** A user function object whose open() ran: it is owed a close(). */
interface OpenedFunction {
  readonly name: string;
  readonly close: () => unknown;
}

function closeOnce(opened: OpenedFunction[], onError: CloseErrorHandler): LoadedTransform['close'] {
  let closing: Promise<void> | undefined;
  return () =>
    (closing ??= (async () => {
      for (const f of opened.splice(0).reverse()) {
        try {
          await f.close();
        } catch (e) {
          onError(f.name, e);
        }
      }
    })());
}

/**
 * Loads one user function: `classpath` is `module[#export]`, relative to the pipeline file. The
 * export is a function (its `return-type` given in the YAML), or an object like Flink CDC's
 * UserDefinedFunction: `eval(...args)`, `returnType` (a type text or a ColumnType) and optional
 * `open()`, awaited here, and `close()`, noted in `opened` once open() succeeded (or there is none);
 * or a class of such objects, of which each load makes its own instance. A module loads once per
 * process, so an object export is one object for all the pipelines of a job server.
 */
async function loadUserFunction(u: UdfSpec, origin: string, opened: OpenedFunction[]): Promise<UserFunction> {
  const [path, exportName] = u.classpath.split('#') as [string, string | undefined];
  const file = isAbsolute(path) ? path : resolve(dirname(origin), path);
  const fail = (why: string): TidemarkError =>
    new TidemarkError('CONFIG_INVALID', `pipeline.user-defined-function ${u.name} (${u.classpath}): ${why}`);
  let mod: Record<string, unknown>;
  try {
    if (/\.[mc]?ts$/.test(file)) await registerTypeScriptOnce();
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw fail(`cannot load ${file}: ${errorMessage(e)}`);
  }
  const exported = exportName !== undefined ? mod[exportName] : (mod[u.name] ?? mod.default);
  const ex = isFunctionClass(exported) ? construct(exported, fail) : exported;
  if (typeof ex === 'function') {
    if (!u['return-type'])
      throw fail('a function export needs `return-type` (e.g. INT, STRING, DECIMAL(10, 2))');
    return { fn: ex as (...args: Value[]) => Value, returnType: typeText(u['return-type'], fail) };
  }
  if (ex && typeof ex === 'object' && typeof (ex as { eval?: unknown }).eval === 'function') {
    const obj = ex as {
      eval: (...a: Value[]) => Value;
      returnType?: unknown;
      open?: () => unknown;
      close?: () => unknown;
    };
    const declared = u['return-type'] ?? obj.returnType;
    if (declared === undefined) throw fail('the object has no `returnType` (and the YAML no `return-type`)');
    if (obj.close !== undefined && typeof obj.close !== 'function')
      throw fail('its `close` is not a function');
    await openUserFunction(u, obj);
    if (obj.close) opened.push({ name: u.name, close: () => obj.close!() });
    return {
      fn: (...args) => obj.eval(...args),
      returnType: typeof declared === 'string' ? typeText(declared, fail) : (declared as ColumnType),
    };
  }
  throw fail(
    `${exportName ?? `${u.name} or default`} is not exported as a function or an object with eval() by ${file}`,
  );
}

let typeScript: Promise<void> | undefined;

/**
 * TypeScript user functions load through tsx's module hooks, registered once per process: each
 * register() adds another hook chain, and a job server loads the functions again at every run.
 */
function registerTypeScriptOnce(): Promise<void> {
  typeScript ??= import('tsx/esm/api').then((tsx) => {
    tsx.register();
  });
  return typeScript;
}

type FunctionClass = new () => unknown;

/** A class whose instances have eval() (Flink CDC's UserDefinedFunction is a class). */
function isFunctionClass(ex: unknown): ex is FunctionClass {
  const proto = typeof ex === 'function' ? (ex as { prototype?: { eval?: unknown } }).prototype : undefined;
  return typeof proto?.eval === 'function';
}

/** One instance per pipeline: pipelines of one process (the job server) never share its state. */
function construct(cls: FunctionClass, fail: (why: string) => TidemarkError): unknown {
  try {
    return new cls();
  } catch (e) {
    throw fail(`its constructor failed: ${errorMessage(e)}`);
  }
}

/**
 * Runs a user function object's open(): what it throws is the user's, not tidemark's, so it
 * becomes UDF_OPEN naming the function (retryable when the error says `retryable: true`, e.g. a
 * service the function connects to was down).
 */
async function openUserFunction(u: UdfSpec, obj: { open?: () => unknown }): Promise<void> {
  try {
    await obj.open?.();
  } catch (e) {
    const retryable = (e as { retryable?: unknown } | null)?.retryable === true;
    throw new TidemarkError(
      'UDF_OPEN',
      `pipeline.user-defined-function ${u.name} (${u.classpath}): open() failed: ${errorMessage(e)}` +
        (retryable ? '' : ' (fix the function or what it needs, then run again)'),
      { retryable, cause: e, details: { function: u.name } },
    );
  }
}

/** A type written as in CAST (`INT`, `DECIMAL(10, 2)`, `VARCHAR(20)`, `TIMESTAMP(3)`). */
function typeText(text: string, fail: (why: string) => TidemarkError): ColumnType {
  try {
    const e = parseExpression({ text: `CAST(NULL AS ${text})` });
    if (e.kind === 'cast') return e.target.type;
  } catch (err) {
    throw fail(`return-type ${text}: ${errorMessage(err)}`);
  }
  throw fail(`return-type ${text} is not a type`);
}
