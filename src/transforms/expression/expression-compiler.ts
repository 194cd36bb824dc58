import { assertNever, type ColumnType } from '../../event/column-type.js';
import { isTidemarkError, TidemarkError } from '../../event/tidemark-error.js';
import type { Expr, Literal } from './expression-ast.js';
import { compileArithmetic, compileNegate } from './arithmetic-operators.js';
import { compileCast } from './cast-operator.js';
import { constant, type CompileScope } from './compile-scope.js';
import {
  compileBetween,
  compileComparison,
  compileDistinct,
  compileIn,
  logical,
} from './comparison-operators.js';
import { compileCase } from './conditional-functions.js';
import { BOOLEAN, typeName, type Compiled, type Evaluator } from './expression-types.js';
import { callFunction } from './function-call.js';
import { intervalValue } from './interval-arithmetic.js';
import { compileConcat, compileLike } from './string-functions.js';
import {
  formatDate,
  formatTime,
  formatTimestamp,
  parseDate,
  parseTime,
  parseTimestamp,
} from './temporal-values.js';
import { formatDecimal, parseDecimal } from './decimal-math.js';

/** Type-checks and compiles an expression tree into one closure tree (never walked per row). */
export function compileExpr(e: Expr, scope: CompileScope): Compiled {
  const c = compileNode(e, scope);
  return fold(c, scope);
}

/** Evaluates constant sub-expressions once, so that errors in them (1/0) show at compile time. */
function fold(c: Compiled, scope: CompileScope): Compiled {
  if (!c.constant || c.type.kind === 'symbol' || c.type.kind === 'null') return c;
  let value;
  try {
    value = c.eval([], { metadata: {}, nowMs: 0 });
  } catch (e) {
    // A constant that cannot be evaluated (1 / 0, CAST('x' AS TIMESTAMP)) is a configuration error.
    if (isTidemarkError(e) && e.code === 'VALUE_INVALID')
      throw new TidemarkError('CONFIG_INVALID', e.message, { cause: e });
    throw e;
  }
  const evaluate: Evaluator = () => value;
  void scope;
  return { ...c, nullable: value === null, eval: evaluate };
}

function compileNode(e: Expr, scope: CompileScope): Compiled {
  switch (e.kind) {
    case 'literal':
      return compileLiteral(e.literal, e.pos, scope);
    case 'column':
      return scope.column(e.name, e.pos);
    case 'symbol':
      return {
        type: { kind: 'symbol', name: e.name },
        nullable: false,
        eval: () => e.name,
        constant: true,
        pos: e.pos,
      };
    case 'unary':
      return compileUnary(e.op, compileExpr(e.arg, scope), e.pos, scope);
    case 'binary':
      return compileBinary(e, scope);
    case 'is':
      return compileIs(e.test, e.not, compileExpr(e.arg, scope), e.pos, scope);
    case 'distinct':
      return compileDistinct(e.not, compileExpr(e.left, scope), compileExpr(e.right, scope), e.pos, scope);
    case 'between':
      return compileBetween(
        e.not,
        compileExpr(e.arg, scope),
        compileExpr(e.low, scope),
        compileExpr(e.high, scope),
        e.pos,
        scope,
      );
    case 'like': {
      const escape = e.escape ? compileExpr(e.escape, scope) : undefined;
      return compileLike(
        e.similar,
        e.not,
        compileExpr(e.arg, scope),
        compileExpr(e.pattern, scope),
        escape,
        e.pos,
        scope,
      );
    }
    case 'in':
      return compileIn(
        e.not,
        compileExpr(e.arg, scope),
        e.list.map((x) => compileExpr(x, scope)),
        e.pos,
        scope,
      );
    case 'case':
      return compileCase(e, scope, compileExpr);
    case 'cast':
      return compileCast(compileExpr(e.arg, scope), e.target.type, e.try, e.pos, scope);
    case 'call':
      return callFunction(
        e.name,
        e.pos,
        e.args.map((x) => compileExpr(x, scope)),
        scope,
      );
    default:
      return assertNever(e, 'expression');
  }
}

function compileBinary(e: Extract<Expr, { kind: 'binary' }>, scope: CompileScope): Compiled {
  const a = compileExpr(e.left, scope);
  const b = compileExpr(e.right, scope);
  switch (e.op) {
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return compileArithmetic(e.op, a, b, e.pos, scope);
    case '||':
      return compileConcat(a, b, e.pos, scope);
    case 'AND':
    case 'OR':
      requireBoolean(a, e.op, scope);
      requireBoolean(b, e.op, scope);
      return logical(e.op, a, b, e.pos);
    case '=':
    case '<>':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compileComparison(e.op, a, b, e.pos, scope);
    default:
      return assertNever(e.op, 'operator');
  }
}

/** Throws unless the operand is BOOLEAN (or NULL). */
export function requireBoolean(c: Compiled, what: string, scope: CompileScope): void {
  if (c.type.kind !== 'boolean' && c.type.kind !== 'null') {
    throw scope.fail(c.pos, `${what} needs a BOOLEAN operand, not ${typeName(c.type)}`);
  }
}

function compileUnary(op: '-' | '+' | 'NOT', a: Compiled, pos: number, scope: CompileScope): Compiled {
  if (op === '-') return compileNegate(a, pos, scope);
  if (op === '+') return compileNegate(compileNegate(a, pos, scope), pos, scope);
  requireBoolean(a, 'NOT', scope);
  const e = a.eval;
  return {
    ...a,
    type: BOOLEAN,
    pos,
    eval: (row, ctx) => {
      const v = e(row, ctx);
      return v === null ? null : !v;
    },
  };
}

function compileIs(
  test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN',
  not: boolean,
  a: Compiled,
  pos: number,
  scope: CompileScope,
): Compiled {
  if (test !== 'NULL') requireBoolean(a, `IS ${not ? 'NOT ' : ''}${test}`, scope);
  const e = a.eval;
  const target = test === 'TRUE' ? true : test === 'FALSE' ? false : null;
  const evaluate: Evaluator = (row, ctx) => (e(row, ctx) === target) !== not;
  return { type: BOOLEAN, nullable: false, eval: evaluate, constant: a.constant, pos };
}

function compileLiteral(l: Literal, pos: number, scope: CompileScope): Compiled {
  switch (l.kind) {
    case 'null':
      return constant(null, { kind: 'null' }, pos);
    case 'boolean':
      return constant(l.value, BOOLEAN, pos);
    case 'string':
      return constant(l.value, { kind: 'string', length: [...l.value].length || 1, fixed: true }, pos);
    case 'number':
      return numberLiteral(l.text, pos);
    case 'date':
    case 'time':
    case 'timestamp':
      return temporalLiteral(l.kind, l.value, pos, scope);
    case 'interval': {
      const v = intervalValue(l.value, l.unit);
      if (v === undefined) throw scope.fail(pos, `has an INTERVAL '${l.value}' that does not fit ${l.unit}`);
      const yearMonth = l.unit === 'YEAR' || l.unit === 'MONTH' || l.unit === 'YEAR TO MONTH';
      return constant(l.negative ? -v : v, { kind: 'interval', yearMonth }, pos);
    }
    default:
      return assertNever(l, 'literal');
  }
}

/** 12 is an INT, 3000000000 a BIGINT, 1.50 a DECIMAL(3, 2), 1e3 a DOUBLE (as Calcite types them). */
function numberLiteral(text: string, pos: number): Compiled {
  if (/[eE]/.test(text)) return constant(Number(text), { kind: 'double' }, pos);
  if (!text.includes('.')) {
    const n = BigInt(text);
    if (n <= 2147483647n) return constant(Number(n), { kind: 'integer', bytes: 4, unsigned: false }, pos);
    if (n <= 9223372036854775807n) return constant(n, { kind: 'integer', bytes: 8, unsigned: false }, pos);
  }
  const [int = '', frac = ''] = text.split('.');
  const scale = frac.length;
  const precision = Math.max(1, int.replace(/^0+/, '').length + scale);
  const type: ColumnType = { kind: 'decimal', precision: Math.min(precision, 38), scale };
  return constant(formatDecimal(parseDecimal(text, scale)!, scale), type, pos);
}

function temporalLiteral(
  kind: 'date' | 'time' | 'timestamp',
  value: string,
  pos: number,
  scope: CompileScope,
): Compiled {
  const fraction = /\.(\d+)/.exec(value)?.[1]?.length ?? 0;
  if (kind === 'date') {
    const d = parseDate(value);
    if (d === undefined) throw scope.fail(pos, `has DATE '${value}', which is not a date (yyyy-MM-dd)`);
    return constant(formatDate(d), { kind: 'date' }, pos);
  }
  if (kind === 'time') {
    const t = parseTime(value);
    if (t === undefined) throw scope.fail(pos, `has TIME '${value}', which is not a time (HH:mm:ss)`);
    return constant(
      formatTime(t, Math.min(fraction, 6)),
      { kind: 'time', precision: Math.min(fraction, 6) },
      pos,
    );
  }
  const s = parseTimestamp(value);
  if (!s) throw scope.fail(pos, `has TIMESTAMP '${value}', which is not a timestamp (yyyy-MM-dd HH:mm:ss)`);
  return constant(
    formatTimestamp(s, Math.min(fraction, 6)),
    { kind: 'timestamp', precision: Math.min(fraction, 6) },
    pos,
  );
}
