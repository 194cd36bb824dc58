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
      const small = smallDecimalOperation(op, sa, sb, out);
      return (x, y) => {
        const fast = small?.(x, y);
        if (fast !== undefined) return fast;
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

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** 10^n as a double, exact up to 10^22. */
const POW10_DOUBLE = Array.from({ length: 23 }, (_, n) => 10 ** n);

/**
 * DECIMAL + - * without bigints when the operands and the result are integers a double holds
 * exactly (unscaled, below 2^53) and no rounding is needed, as for `price * qty` on ordinary
 * amounts; undefined (per row) sends the operation down the exact bigint path. Gives the same text.
 */
function smallDecimalOperation(
  op: ArithmeticOperator,
  sa: number,
  sb: number,
  out: Extract<ColumnType, { kind: 'decimal' }>,
): ((x: Value, y: Value) => string | undefined) | undefined {
  if (op === '/' || op === '%') return undefined;
  const scale = op === '*' ? sa + sb : Math.max(sa, sb);
  if (scale !== out.scale || scale > 15) return undefined;
  // the result must fit the type's precision, else it is NULL (the bigint path says so)
  const limit = out.precision >= 16 ? MAX_SAFE : POW10_DOUBLE[out.precision]! - 1;
  const ka = op === '*' ? 1 : POW10_DOUBLE[scale - sa]!;
  const kb = op === '*' ? 1 : POW10_DOUBLE[scale - sb]!;
  return (x, y) => {
    const p = smallUnscaled(x, sa);
    if (p === undefined) return undefined;
    const q = smallUnscaled(y, sb);
    if (q === undefined) return undefined;
    const u = p * ka;
    const v = q * kb;
    // a sum or product of safe integers whose exact value passes 2^53 rounds to 2^53 or more
    const r = op === '*' ? u * v : op === '+' ? u + v : u - v;
    if (!(Math.abs(u) <= MAX_SAFE && Math.abs(v) <= MAX_SAFE && Math.abs(r) <= limit)) return undefined;
    return smallDecimalText(r, scale);
  };
}

/** An exact numeric value (integer or DECIMAL text) as an unscaled safe integer at `scale`, if it is one. */
function smallUnscaled(v: Value, scale: number): number | undefined {
  let u: number;
  if (typeof v === 'number') u = v * POW10_DOUBLE[scale]!;
  else if (typeof v === 'bigint') {
    if (v > MAX_SAFE || v < -MAX_SAFE) return undefined;
    u = Number(v) * POW10_DOUBLE[scale]!;
  } else if (typeof v === 'string') return smallUnscaledText(v, scale);
  else return undefined;
  return Number.isSafeInteger(u) ? u : undefined;
}

/** "-12.5" at scale 2 is -1250: plain decimal text of at most `scale` fraction digits, below 2^53 unscaled. */
function smallUnscaledText(t: string, scale: number): number | undefined {
  const n = t.length;
  let i = 0;
  let negative = false;
  if (n > 0 && (t.charCodeAt(0) === 45 || t.charCodeAt(0) === 43)) {
    negative = t.charCodeAt(0) === 45;
    i = 1;
  }
  // exact while below 2^53; past it, it stays past it and is refused below
  let u = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      u = u * 10 + (c - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 46 && fraction < 0) fraction = 0;
    else return undefined; // an exponent, spaces: the exact parser reads it
  }
  const f = fraction < 0 ? 0 : fraction;
  if (digits === 0 || f > scale) return undefined;
  u *= POW10_DOUBLE[scale - f]!;
  if (u > MAX_SAFE) return undefined;
  return negative ? -u : u;
}

/** formatDecimal of a safe integer. */
function smallDecimalText(unscaled: number, scale: number): string {
  const negative = unscaled < 0;
  const digits = String(negative ? -unscaled : unscaled).padStart(scale + 1, '0');
  const text =
    scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
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
