import type { ColumnType, Value } from '../../event/column-type.js';
import type { CompileScope } from './compile-scope.js';
import { typeName, type Compiled, type Evaluator, type ExprType } from './expression-types.js';

export type FunctionCategory =
  'comparison' | 'logical' | 'arithmetic' | 'string' | 'temporal' | 'conditional' | 'casting';

/** One row of the function reference (docs are generated from these). */
export interface FunctionInfo {
  readonly name: string;
  readonly category: FunctionCategory;
  readonly signature: string;
  readonly description: string;
}

/** A call being compiled: its compiled arguments and where it stands. */
export interface CallSite {
  readonly name: string;
  readonly pos: number;
  readonly args: readonly Compiled[];
  readonly scope: CompileScope;
}

export interface BuiltinFunction extends FunctionInfo {
  /** Absent for operators and syntax, which the compiler handles itself. */
  readonly compile?: (site: CallSite) => Compiled;
}

/** Throws unless the call has between min and max arguments. */
export function arity(site: CallSite, min: number, max = min): void {
  const n = site.args.length;
  if (n >= min && n <= max) return;
  const want = min === max ? `${min}` : max === Infinity ? `${min} or more` : `${min} to ${max}`;
  throw site.scope.fail(site.pos, `${site.name} takes ${want} argument${want === '1' ? '' : 's'}, not ${n}`);
}

/** Throws unless argument i has a type the predicate accepts (NULL is always accepted). */
export function expectArg(site: CallSite, i: number, accepts: (t: ExprType) => boolean, what: string): void {
  const a = site.args[i];
  if (!a || a.type.kind === 'null' || accepts(a.type)) return;
  throw site.scope.fail(a.pos, `${site.name} needs ${what} as argument ${i + 1}, not ${typeName(a.type)}`);
}

/** The keyword argument (TIMESTAMPADD's unit …) at i, checked against the allowed ones. */
export function symbolArg(site: CallSite, i: number, allowed: readonly string[]): string {
  const a = site.args[i];
  if (a?.type.kind === 'symbol' && allowed.includes(a.type.name)) return a.type.name;
  const found = a?.type.kind === 'symbol' ? a.type.name : a ? typeName(a.type) : 'nothing';
  throw site.scope.fail(
    a?.pos ?? site.pos,
    `${site.name} needs one of ${allowed.join(', ')} as argument ${i + 1}, not ${found}`,
  );
}

export interface StrictOptions {
  /** Whether the function can return NULL for non-NULL arguments. */
  readonly nullable?: boolean;
  /** Reads the clock or random numbers: never folded. */
  readonly volatile?: boolean;
}

/**
 * A function that is NULL when any argument is NULL, else `f` of the argument values. Symbol
 * arguments pass their name.
 */
export function strict(
  site: CallSite,
  type: ColumnType,
  f: (...values: Value[]) => Value,
  options: StrictOptions = {},
): Compiled {
  const evals = site.args.map((a) => (a.type.kind === 'symbol' ? symbolEvaluator(a.type.name) : a.eval));
  const anyNullConstant = site.args.some((a) => a.type.kind === 'null');
  let evaluate: Evaluator;
  if (evals.length === 1) {
    const [e0] = evals as [Evaluator];
    evaluate = (row, ctx) => {
      const v = e0(row, ctx);
      return v === null ? null : f(v);
    };
  } else if (evals.length === 2) {
    const [e0, e1] = evals as [Evaluator, Evaluator];
    evaluate = (row, ctx) => {
      const a = e0(row, ctx);
      if (a === null) return null;
      const b = e1(row, ctx);
      return b === null ? null : f(a, b);
    };
  } else {
    evaluate = (row, ctx) => {
      const values: Value[] = [];
      for (const e of evals) {
        const v = e(row, ctx);
        if (v === null) return null;
        values.push(v);
      }
      return f(...values);
    };
  }
  if (options.volatile) site.scope.volatile = true;
  const nullable = anyNullConstant || (options.nullable ?? false) || site.args.some((a) => a.nullable);
  const constant = !options.volatile && site.args.every((a) => a.constant);
  return { type, nullable, eval: evaluate, constant, pos: site.pos };
}

function symbolEvaluator(name: string): Evaluator {
  return () => name;
}

export const num = (v: Value): number => (typeof v === 'number' ? v : Number(v));
