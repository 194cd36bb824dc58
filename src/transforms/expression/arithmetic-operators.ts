import type { ColumnType, Value } from '../../event/column-type.js';
import { constant, type CompileScope } from './compile-scope.js';
import { decimalArithmetic, decimalResultShape, formatDecimal } from './decimal-math.js';
import {
  isInteger,
  isNumeric,
  isTemporal,
  typeName,
  wrapInteger,
  type Compiled,
  type Evaluator,
} from './expression-types.js';
import { decimalShape, toDouble, toUnscaled, widerNumeric } from './numeric-values.js';
import { temporalPlusInterval } from './interval-arithmetic.js';

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';

/**
 * `a op b` on numbers (and temporal ± INTERVAL). Integers wrap around at their type's width as
 * Java's int and long do (Flink compiles them to Java arithmetic); DECIMAL is exact with
 * Calcite's result precision and scale, and NULL on overflow past 38 digits; division or modulo
 * by zero of exact numbers fails the row (Java throws too), of FLOAT/DOUBLE gives ±Infinity/NaN.
 */
export function compileArithmetic(
  op: ArithmeticOperator,
  a: Compiled,
  b: Compiled,
  pos: number,
  scope: CompileScope,
): Compiled {
  if (a.type.kind === 'null' || b.type.kind === 'null') {
    const other = a.type.kind === 'null' ? b : a;
    if (other.type.kind !== 'null' && !isNumeric(other.type) && !isTemporal(other.type))
      throw mismatch(op, a, b, pos, scope);
    return constant(
      null,
      other.type.kind === 'null' ? { kind: 'integer', bytes: 4, unsigned: false } : other.type,
      pos,
    );
  }
  if ((op === '+' || op === '-') && (a.type.kind === 'interval' || b.type.kind === 'interval')) {
    return temporalPlusInterval(op, a, b, pos, scope);
  }
  if (!isNumeric(a.type) || !isNumeric(b.type)) throw mismatch(op, a, b, pos, scope);
  const type = resultType(op, a.type as ColumnType, b.type as ColumnType);
  const f = operation(op, a.type as ColumnType, b.type as ColumnType, type, pos, scope);
  const ea = a.eval;
  const eb = b.eval;
  const evaluate: Evaluator = (row, ctx) => {
    const x = ea(row, ctx);
    if (x === null) return null;
    const y = eb(row, ctx);
    return y === null ? null : f(x, y);
  };
  const nullable = a.nullable || b.nullable || type.kind === 'decimal';
  return { type, nullable, eval: evaluate, constant: a.constant && b.constant, pos };
}

function mismatch(op: string, a: Compiled, b: Compiled, pos: number, scope: CompileScope): Error {
  const hint =
    op === '+' && (a.type.kind === 'string' || b.type.kind === 'string')
      ? ' (use || to concatenate strings)'
      : ' (CAST the operands to numbers)';
  return scope.fail(pos, `cannot apply ${op} to ${typeName(a.type)} and ${typeName(b.type)}${hint}`);
}

function resultType(op: ArithmeticOperator, a: ColumnType, b: ColumnType): ColumnType {
  if (a.kind === 'double' || b.kind === 'double' || a.kind === 'float' || b.kind === 'float')
    return widerNumeric(a, b);
  if (isInteger(a) && isInteger(b)) return widerNumeric(a, b);
  const shape = decimalResultShape(op, decimalShape(a), decimalShape(b));
  return { kind: 'decimal', precision: shape.precision, scale: shape.scale };
}

type Binary = (x: Value, y: Value) => Value;

function operation(
  op: ArithmeticOperator,
  a: ColumnType,
  b: ColumnType,
  out: ColumnType,
  pos: number,
  scope: CompileScope,
): Binary {
  const byZero = (): never => {
    throw scope.runtimeError(pos, `divides by zero (${op === '%' ? 'modulo' : 'division'} of exact numbers)`);
  };
  switch (out.kind) {
    case 'double':
      return floatOperation(op, (r) => r);
    case 'float':
      return floatOperation(op, Math.fround);
    case 'integer':
      return out.bytes === 8 ? bigintOperation(op, byZero) : intOperation(op, out.bytes, byZero);
    case 'decimal': {
      const sa = decimalShape(a).scale;
      const sb = decimalShape(b).scale;
      return (x, y) => {
        const yu = toUnscaled(y, sb);
        if ((op === '/' || op === '%') && yu === 0n) byZero();
        const r = decimalArithmetic(op, toUnscaled(x, sa), sa, yu, sb, out);
        return r === undefined ? null : formatDecimal(r, out.scale);
      };
    }
    default:
      throw new Error(`unexpected arithmetic result ${out.kind}`);
  }
}

function floatOperation(op: ArithmeticOperator, round: (v: number) => number): Binary {
  switch (op) {
    case '+':
      return (x, y) => round(toDouble(x) + toDouble(y));
    case '-':
      return (x, y) => round(toDouble(x) - toDouble(y));
    case '*':
      return (x, y) => round(toDouble(x) * toDouble(y));
    case '/':
      return (x, y) => round(toDouble(x) / toDouble(y));
    case '%':
      return (x, y) => round(toDouble(x) % toDouble(y));
  }
}

function intOperation(op: ArithmeticOperator, bytes: number, byZero: () => never): Binary {
  const n = (v: Value): number => v as number;
  switch (op) {
    case '+':
      return (x, y) => wrapInteger(bytes, n(x) + n(y));
    case '-':
      return (x, y) => wrapInteger(bytes, n(x) - n(y));
    case '*':
      return (x, y) => wrapInteger(bytes, Math.imul(n(x), n(y)));
    case '/':
      return (x, y) => (n(y) === 0 ? byZero() : wrapInteger(bytes, Math.trunc(n(x) / n(y))));
    case '%':
      return (x, y) => (n(y) === 0 ? byZero() : wrapInteger(bytes, n(x) % n(y)));
  }
}

function bigintOperation(op: ArithmeticOperator, byZero: () => never): Binary {
  const big = (v: Value): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));
  const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);
  switch (op) {
    case '+':
      return (x, y) => wrap(big(x) + big(y));
    case '-':
      return (x, y) => wrap(big(x) - big(y));
    case '*':
      return (x, y) => wrap(big(x) * big(y));
    case '/':
      return (x, y) => (big(y) === 0n ? byZero() : wrap(big(x) / big(y)));
    case '%':
      return (x, y) => (big(y) === 0n ? byZero() : wrap(big(x) % big(y)));
  }
}

/** -x: integers wrap (-(-2147483648) stays), DECIMAL stays exact. */
export function compileNegate(a: Compiled, pos: number, scope: CompileScope): Compiled {
  const t = a.type;
  if (t.kind === 'null') return a;
  if (t.kind === 'interval') return { ...a, pos, eval: negated(a.eval, (v) => -(v as number)) };
  if (!isNumeric(t)) throw scope.fail(pos, `cannot negate ${typeName(t)}`);
  let f: (v: Value) => Value;
  if (t.kind === 'integer')
    f =
      t.bytes === 8 ? (v) => BigInt.asIntN(64, -(v as bigint)) : (v) => wrapInteger(t.bytes, -(v as number));
  else if (t.kind === 'decimal') f = (v) => negateDecimalText(v as string);
  else f = (v) => -(v as number);
  return { ...a, pos, eval: negated(a.eval, f) };
}

function negated(e: Evaluator, f: (v: Value) => Value): Evaluator {
  return (row, ctx) => {
    const v = e(row, ctx);
    return v === null ? null : f(v);
  };
}

function negateDecimalText(s: string): string {
  if (s.startsWith('-')) return s.slice(1);
  return /^[0.]*$/.test(s) ? s : `-${s}`;
}
