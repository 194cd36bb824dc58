import type { Value } from '../../event/column-type.js';
import type { Expr } from './expression-ast.js';
import type { CompileScope } from './compile-scope.js';
import { coerce, commonType } from './common-type.js';
import { comparable } from './comparison-operators.js';
import { BOOLEAN, typeName, type Compiled, type Evaluator } from './expression-types.js';
import { arity, type BuiltinFunction, type CallSite } from './function-kit.js';

type CompileFn = (e: Expr, scope: CompileScope) => Compiled;

/** CASE [value] WHEN … THEN … [ELSE …] END: the first match's result, else ELSE or NULL. */
export function compileCase(
  e: Extract<Expr, { kind: 'case' }>,
  scope: CompileScope,
  compile: CompileFn,
): Compiled {
  const operand = e.operand ? compile(e.operand, scope) : undefined;
  const tests = e.whens.map((w) => anyOf(w.when.map((x) => caseTest(operand, compile(x, scope), scope))));
  const results = e.whens.map((w) => compile(w.then, scope));
  const otherwise = e.otherwise ? compile(e.otherwise, scope) : undefined;
  const all = otherwise ? [...results, otherwise] : results;
  const type = commonType(all, 'CASE', e.pos, scope);
  const branches = results.map((r, i) => ({ test: tests[i]!, value: coerce(r, type).eval }));
  const fallback = otherwise ? coerce(otherwise, type).eval : undefined;
  const evaluate: Evaluator = (row, ctx) => {
    for (const b of branches) if (b.test(row, ctx) === true) return b.value(row, ctx);
    return fallback ? fallback(row, ctx) : null;
  };
  const nullable = !otherwise || all.some((c) => c.nullable);
  const constant = false;
  return { type, nullable, eval: evaluate, constant, pos: e.pos };
}

function anyOf(tests: Evaluator[]): Evaluator {
  if (tests.length === 1) return tests[0]!;
  return (row, ctx) => tests.some((t) => t(row, ctx) === true);
}

function caseTest(operand: Compiled | undefined, when: Compiled, scope: CompileScope): Evaluator {
  if (!operand) {
    if (when.type.kind !== 'boolean' && when.type.kind !== 'null') {
      throw scope.fail(when.pos, `CASE WHEN needs a BOOLEAN condition, not ${typeName(when.type)}`);
    }
    return when.eval;
  }
  const { cmp, a, b } = comparable(operand, when, when.pos, scope);
  return (row, ctx) => {
    const x = a.eval(row, ctx);
    const y = b.eval(row, ctx);
    return x !== null && y !== null && cmp(x, y) === 0;
  };
}

function coalesce(site: CallSite): Compiled {
  arity(site, 1, Infinity);
  const type = commonType(site.args, site.name, site.pos, site.scope);
  const evals = site.args.map((a) => coerce(a, type).eval);
  const evaluate: Evaluator = (row, ctx) => {
    for (const e of evals) {
      const v = e(row, ctx);
      if (v !== null) return v;
    }
    return null;
  };
  const nullable = site.args.every((a) => a.nullable);
  return { type, nullable, eval: evaluate, constant: site.args.every((a) => a.constant), pos: site.pos };
}

function ifFunction(site: CallSite): Compiled {
  arity(site, 3);
  const [cond, yes, no] = site.args as [Compiled, Compiled, Compiled];
  if (cond.type.kind !== 'boolean' && cond.type.kind !== 'null') {
    throw site.scope.fail(cond.pos, `IF needs a BOOLEAN condition, not ${typeName(cond.type)}`);
  }
  const type = commonType([yes, no], 'IF', site.pos, site.scope);
  const [c, y, n] = [cond.eval, coerce(yes, type).eval, coerce(no, type).eval];
  const evaluate: Evaluator = (row, ctx) => (c(row, ctx) === true ? y(row, ctx) : n(row, ctx));
  return {
    type,
    nullable: yes.nullable || no.nullable,
    eval: evaluate,
    constant: site.args.every((a) => a.constant),
    pos: site.pos,
  };
}

function nullIf(site: CallSite): Compiled {
  arity(site, 2);
  const [first, second] = site.args as [Compiled, Compiled];
  const { cmp } = comparable(first, second, site.pos, site.scope);
  const [a, b] = [first.eval, second.eval];
  const evaluate: Evaluator = (row, ctx) => {
    const x: Value = a(row, ctx);
    if (x === null) return null;
    const y = b(row, ctx);
    return y !== null && cmp(x, y) === 0 ? null : x;
  };
  const type = first.type.kind === 'null' ? BOOLEAN : first.type;
  return { type, nullable: true, eval: evaluate, constant: first.constant && second.constant, pos: site.pos };
}

export const CONDITIONAL_FUNCTIONS: readonly BuiltinFunction[] = [
  {
    name: 'CASE',
    category: 'conditional',
    signature: 'CASE value WHEN value1 [, value2]* THEN result1 (WHEN … THEN …)* [ELSE result_z] END',
    description: 'The result of the first WHEN whose values contain value; ELSE (or NULL) when none does.',
  },
  {
    name: 'CASE WHEN',
    category: 'conditional',
    signature: 'CASE WHEN condition1 THEN result1 (WHEN … THEN …)* [ELSE result_z] END',
    description: 'The result of the first TRUE condition; ELSE (or NULL) when none is.',
  },
  {
    name: 'COALESCE',
    category: 'conditional',
    signature: 'COALESCE(value1 [, value2]*)',
    description: 'The first argument that is not NULL (NULL if all are), in the arguments’ common type.',
    compile: coalesce,
  },
  {
    name: 'IF',
    category: 'conditional',
    signature: 'IF(condition, true_value, false_value)',
    description: 'true_value when condition is TRUE, else false_value (also when it is NULL).',
    compile: ifFunction,
  },
  {
    name: 'IFNULL',
    category: 'conditional',
    signature: 'IFNULL(value, replacement)',
    description: 'replacement when value is NULL, else value.',
    compile: (site) => (arity(site, 2), coalesce(site)),
  },
  {
    name: 'NULLIF',
    category: 'conditional',
    signature: 'NULLIF(value1, value2)',
    description: 'NULL when value1 equals value2 (numbers compare across types), else value1.',
    compile: nullIf,
  },
];
