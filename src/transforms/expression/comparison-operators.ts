import type { Value } from '../../event/column-type.js';
import { constant, type CompileScope } from './compile-scope.js';
import {
  BOOLEAN,
  isNumeric,
  isTemporal,
  typeName,
  type Compiled,
  type Evaluator,
  type ExprType,
} from './expression-types.js';
import { decimalShape, toDouble, toUnscaled } from './numeric-values.js';
import {
  formatDate,
  formatTime,
  formatTimestamp,
  parseDate,
  parseTime,
  parseTimestamp,
} from './temporal-values.js';

type Compare = (x: Value, y: Value) => number;

const sign = (d: number): number => (d < 0 ? -1 : d > 0 ? 1 : 0);
const natural: Compare = (x, y) =>
  (x as string | number | bigint) < (y as string | number | bigint)
    ? -1
    : (x as string) > (y as string)
      ? 1
      : 0;

/**
 * How two operands compare, after giving a string constant compared with a temporal value that
 * value's type ('2024-01-01' against a DATE). Numbers compare by value across types (unlike Flink
 * CDC's `=`, which is FALSE for INT against BIGINT); other types compare only with their own kind.
 */
export function comparable(
  a: Compiled,
  b: Compiled,
  pos: number,
  scope: CompileScope,
): { cmp: Compare; a: Compiled; b: Compiled } {
  const ca = coerceToTemporal(a, b.type, scope);
  const cb = coerceToTemporal(b, ca.type, scope);
  const cmp = compareFunction(ca.type, cb.type);
  if (!cmp) {
    throw scope.fail(
      pos,
      `cannot compare ${typeName(ca.type)} with ${typeName(cb.type)} (CAST one side to the other's type)`,
    );
  }
  return { cmp, a: ca, b: cb };
}

function coerceToTemporal(c: Compiled, other: ExprType, scope: CompileScope): Compiled {
  if (!c.constant || c.type.kind !== 'string' || !isTemporal(other)) return c;
  const text = c.eval([], { metadata: {}, nowMs: 0 });
  if (text === null) return c;
  const value = temporalText(String(text), other);
  if (value === undefined) throw scope.fail(c.pos, `cannot read '${String(text)}' as ${typeName(other)}`);
  return constant(value, other, c.pos);
}

function temporalText(text: string, t: ExprType): string | undefined {
  if (t.kind === 'date') {
    const d = parseDate(text);
    return d === undefined ? undefined : formatDate(d);
  }
  if (t.kind === 'time') {
    const us = parseTime(text);
    return us === undefined ? undefined : formatTime(us, 6);
  }
  const s = parseTimestamp(text);
  return s ? formatTimestamp(s, 6) : undefined;
}

function compareFunction(a: ExprType, b: ExprType): Compare | undefined {
  if (a.kind === 'null' || b.kind === 'null') return natural;
  if (isNumeric(a) && isNumeric(b)) return numericCompare(a, b);
  if (a.kind !== b.kind) return undefined;
  switch (a.kind) {
    case 'string':
    case 'date':
      return natural;
    case 'boolean':
      return (x, y) => Number(x) - Number(y);
    case 'binary':
      return (x, y) => compareBytes(x as Uint8Array, y as Uint8Array);
    case 'time':
      return (x, y) => sign(parseTime(x as string)! - parseTime(y as string)!);
    case 'timestamp':
    case 'timestamp_ltz':
      return (x, y) => {
        const p = parseTimestamp(x as string)!;
        const q = parseTimestamp(y as string)!;
        return sign(p.ms - q.ms || p.us - q.us);
      };
    default:
      return undefined;
  }
}

function numericCompare(a: ExprType, b: ExprType): Compare {
  const approx = (t: ExprType): boolean => t.kind === 'float' || t.kind === 'double';
  if (approx(a) || approx(b)) return (x, y) => sign(toDouble(x) - toDouble(y));
  if (a.kind === 'integer' && b.kind === 'integer') {
    if (a.bytes < 8 && b.bytes < 8) return (x, y) => (x as number) - (y as number);
    return (x, y) => {
      const p = BigInt(x as number | bigint);
      const q = BigInt(y as number | bigint);
      return p < q ? -1 : p > q ? 1 : 0;
    };
  }
  const scale = Math.max(decimalShape(a).scale, decimalShape(b).scale);
  return (x, y) => {
    const p = toUnscaled(x, scale);
    const q = toUnscaled(y, scale);
    return p < q ? -1 : p > q ? 1 : 0;
  };
}

function compareBytes(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';

const TESTS: Record<ComparisonOperator, (d: number) => boolean> = {
  '=': (d) => d === 0,
  '<>': (d) => d !== 0,
  '<': (d) => d < 0,
  '<=': (d) => d <= 0,
  '>': (d) => d > 0,
  '>=': (d) => d >= 0,
};

/** a op b: NULL when either side is NULL (three-valued logic). */
export function compileComparison(
  op: ComparisonOperator,
  left: Compiled,
  right: Compiled,
  pos: number,
  scope: CompileScope,
): Compiled {
  const { cmp, a, b } = comparable(left, right, pos, scope);
  const test = TESTS[op];
  const ea = a.eval;
  const eb = b.eval;
  // Flink CDC: a comparison with a NULL operand is FALSE (never NULL)
  const evaluate: Evaluator = (row, ctx) => {
    const x = ea(row, ctx);
    if (x === null) return false;
    const y = eb(row, ctx);
    return y === null ? false : test(cmp(x, y));
  };
  return { type: BOOLEAN, nullable: false, eval: evaluate, constant: a.constant && b.constant, pos };
}

/** Flink CDC's predicates (LIKE, …) are FALSE where SQL would give NULL. */
export function nullAsFalse(c: Compiled): Compiled {
  const e = c.eval;
  return { ...c, nullable: false, eval: (row, ctx) => e(row, ctx) ?? false };
}

/** a IS [NOT] DISTINCT FROM b: NULLs compare as values, never NULL. */
export function compileDistinct(
  not: boolean,
  left: Compiled,
  right: Compiled,
  pos: number,
  scope: CompileScope,
): Compiled {
  const { cmp, a, b } = comparable(left, right, pos, scope);
  const evaluate: Evaluator = (row, ctx) => {
    const x = a.eval(row, ctx);
    const y = b.eval(row, ctx);
    const distinct = x === null || y === null ? x !== y : cmp(x, y) !== 0;
    return distinct !== not;
  };
  return { type: BOOLEAN, nullable: false, eval: evaluate, constant: a.constant && b.constant, pos };
}

/** a [NOT] BETWEEN low AND high (asymmetric): comparisons, so FALSE when a bound or `a` is NULL. */
export function compileBetween(
  not: boolean,
  arg: Compiled,
  low: Compiled,
  high: Compiled,
  pos: number,
  scope: CompileScope,
): Compiled {
  const ge = compileComparison(not ? '<' : '>=', arg, low, pos, scope);
  const le = compileComparison(not ? '>' : '<=', arg, high, pos, scope);
  return not ? logical('OR', ge, le, pos) : logical('AND', ge, le, pos);
}

/**
 * a [NOT] IN (v1, v2, …) as Flink CDC: FALSE when `a` is NULL; a NULL in the list matches nothing
 * (so `a NOT IN (1, NULL)` is TRUE for a = 2).
 */
export function compileIn(
  not: boolean,
  arg: Compiled,
  list: readonly Compiled[],
  pos: number,
  scope: CompileScope,
): Compiled {
  const parts = list.map((item) => comparable(arg, item, item.pos, scope));
  const ea = parts[0]?.a.eval ?? arg.eval;
  const items = parts.map((p) => ({ eval: p.b.eval, cmp: p.cmp }));
  const evaluate: Evaluator = (row, ctx) => {
    const x = ea(row, ctx);
    if (x === null) return false;
    for (const item of items) {
      const y = item.eval(row, ctx);
      if (y !== null && item.cmp(x, y) === 0) return !not;
    }
    return not;
  };
  return {
    type: BOOLEAN,
    nullable: false,
    eval: evaluate,
    constant: arg.constant && list.every((c) => c.constant),
    pos,
  };
}

/** AND / OR in three-valued logic, evaluating the right side only when needed. */
export function logical(op: 'AND' | 'OR', a: Compiled, b: Compiled, pos: number): Compiled {
  const ea = a.eval;
  const eb = b.eval;
  const decisive = op === 'OR';
  const evaluate: Evaluator = (row, ctx) => {
    const x = ea(row, ctx);
    if (x === decisive) return decisive;
    const y = eb(row, ctx);
    if (y === decisive) return decisive;
    return x === null || y === null ? null : !decisive;
  };
  return {
    type: BOOLEAN,
    nullable: a.nullable || b.nullable,
    eval: evaluate,
    constant: a.constant && b.constant,
    pos,
  };
}
