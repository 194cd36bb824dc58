import { assertNever, type ColumnType, type Value } from '../../event/column-type.js';
import type { CompileScope } from './compile-scope.js';
import { fitsPrecision, formatDecimal, parseDecimal, pow10, rescale } from './decimal-math.js';
import { isNumeric, typeName, type Compiled, type Evaluator, type ExprType } from './expression-types.js';
import { javaFloatingText, parseJavaDouble } from './java-number-text.js';
import { decimalShape, toDouble, toUnscaled } from './numeric-values.js';
import { formatTimestamp, parseDate, parseTimestamp, truncateStamp } from './temporal-values.js';
import { utcToLocal } from './time-zone.js';

/** What a conversion says when a value cannot be converted: CAST fails the row, TRY_CAST gives NULL. */
type Fail = (message: string) => null;

type Convert = (v: Value, fail: Fail) => Value;

const INTEGER_RANGE: Record<number, [bigint, bigint]> = {
  1: [-128n, 127n],
  2: [-32768n, 32767n],
  4: [-2147483648n, 2147483647n],
  8: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * CAST / TRY_CAST along Flink CDC's conversion paths. Differences from Flink CDC, chosen so that
 * no value comes out wrong: a number out of the target integer's range fails (Flink CDC wraps
 * it), CHAR(n)/VARCHAR(n) cut (and CHAR pads) to n characters, TIMESTAMP_LTZ to STRING or
 * TIMESTAMP is shown in the pipeline's time zone. As in Flink CDC, a string that is not a number
 * gives NULL, and a DECIMAL that does not fit its precision gives NULL.
 */
export function compileCast(
  arg: Compiled,
  target: ColumnType,
  tryCast: boolean,
  pos: number,
  scope: CompileScope,
): Compiled {
  const convert = converter(arg.type, target, tryCast, scope);
  if (typeof convert === 'string') throw scope.fail(pos, convert);
  const name = tryCast ? 'TRY_CAST' : 'CAST';
  const fail: Fail = tryCast
    ? () => null
    : (message) => {
        throw scope.runtimeError(
          pos,
          `${name} to ${typeName(target)} failed: ${message} (TRY_CAST gives NULL instead)`,
        );
      };
  const e = arg.eval;
  const evaluate: Evaluator = (row, ctx) => {
    const v = e(row, ctx);
    return v === null ? null : convert(v, fail);
  };
  const mayBeNull = tryCast || target.kind === 'decimal' || (isNumeric(target) && arg.type.kind === 'string');
  return { type: target, nullable: arg.nullable || mayBeNull, eval: evaluate, constant: arg.constant, pos };
}

function converter(from: ExprType, to: ColumnType, tryCast: boolean, scope: CompileScope): Convert | string {
  const refuse = `cannot CAST ${typeName(from)} to ${typeName(to)}`;
  if (from.kind === 'null') return () => null;
  if (from.kind === 'interval' || from.kind === 'symbol') return refuse;
  switch (to.kind) {
    case 'string':
      return toStringConverter(from, to, scope);
    case 'boolean':
      return toBoolean(from, tryCast) ?? refuse;
    case 'integer':
      return toInteger(from, to.bytes, tryCast) ?? refuse;
    case 'float':
    case 'double':
      return toFloating(from, to.kind === 'float', tryCast) ?? refuse;
    case 'decimal':
      return toDecimal(from, to.precision, to.scale, tryCast) ?? refuse;
    case 'timestamp':
      return toTimestamp(from, to.precision, scope) ?? refuse;
    default:
      return refuse;
  }
}

/** How values of type `from` become text, the way Flink CDC's castToString shows them. */
function textOf(from: ExprType, scope: CompileScope): (v: Value) => string {
  switch (from.kind) {
    case 'float':
    case 'double':
      return (v) => javaFloatingText(v as number, from.kind === 'float');
    case 'binary':
      return (v) => new TextDecoder().decode(v as Uint8Array);
    case 'timestamp_ltz':
      return (v) => {
        const s = parseTimestamp(v as string);
        return s
          ? formatTimestamp({ ms: utcToLocal(s.ms, scope.timeZone), us: s.us }, from.precision)
          : String(v);
      };
    default:
      return String;
  }
}

function toStringConverter(
  from: ExprType,
  to: Extract<ColumnType, { kind: 'string' }>,
  scope: CompileScope,
): Convert {
  const n = to.length;
  const text = textOf(from, scope);
  if (n === undefined) return text;
  return (v) => {
    const chars = [...text(v)];
    const cut = chars.length > n ? chars.slice(0, n).join('') : chars.join('');
    return to.fixed ? cut.padEnd(n + cut.length - Math.min(chars.length, n), ' ') : cut;
  };
}

const TRUE_WORDS = new Set(['t', 'true', 'y', 'yes', '1']);
const FALSE_WORDS = new Set(['f', 'false', 'n', 'no', '0']);

function toBoolean(from: ExprType, tryCast: boolean): Convert | undefined {
  if (from.kind === 'boolean') return (v) => v;
  if (isNumeric(from)) return (v) => toDouble(v) !== 0;
  if (from.kind !== 'string') return undefined;
  if (!tryCast) return (v) => (v as string).toLowerCase() === 'true';
  return (v) => {
    const w = (v as string).toLowerCase();
    return TRUE_WORDS.has(w) ? true : FALSE_WORDS.has(w) ? false : null;
  };
}

function toInteger(from: ExprType, bytes: number, tryCast: boolean): Convert | undefined {
  const [min, max] = INTEGER_RANGE[bytes]!;
  const out = (n: bigint, fail: Fail): Value =>
    n < min || n > max ? fail(`${n} is out of the range ${min} to ${max}`) : bytes === 8 ? n : Number(n);
  if (from.kind === 'boolean') return (v, fail) => out(v ? 1n : 0n, fail);
  if (from.kind === 'integer') return (v, fail) => out(BigInt(v as number | bigint), fail);
  if (from.kind === 'decimal')
    return (v, fail) => out(toUnscaled(v, 0) === 0n ? 0n : truncated(v as string), fail);
  if (from.kind === 'float' || from.kind === 'double') {
    return (v, fail) =>
      Number.isFinite(v)
        ? out(BigInt(Math.trunc(v as number)), fail)
        : fail(`${String(v)} is not a finite number`);
  }
  if (from.kind !== 'string') return undefined;
  return (v, fail) => {
    const text = v as string;
    if (/^\s*[+-]?\d+\s*$/.test(text)) return out(BigInt(text.trim()), fail);
    if (tryCast) return null;
    const d = parseJavaDouble(text);
    if (d === undefined) return null;
    return Number.isFinite(d)
      ? out(truncated(text.trim().replace(/[fFdD]$/, '')), fail)
      : fail(`${text} is not a finite number`);
  };
}

/** The integer part of a decimal text (toward zero). */
function truncated(text: string): bigint {
  return parseDecimal(text, 0) === undefined ? 0n : (parseDecimal(text, 9) ?? 0n) / pow10(9);
}

function toFloating(from: ExprType, isFloat: boolean, tryCast: boolean): Convert | undefined {
  const round = isFloat ? Math.fround : (n: number): number => n;
  if (from.kind === 'boolean') return (v) => (v ? 1 : 0);
  if (isNumeric(from)) return (v) => round(toDouble(v));
  if (from.kind !== 'string') return undefined;
  return (v) => {
    const text = v as string;
    if (!tryCast && text !== text.trim()) return null;
    const d = parseJavaDouble(text);
    return d === undefined ? null : round(d);
  };
}

function toDecimal(from: ExprType, precision: number, scale: number, tryCast: boolean): Convert | undefined {
  const out = (u: bigint | undefined): Value =>
    u !== undefined && fitsPrecision(u, precision) ? formatDecimal(u, scale) : null;
  if (from.kind === 'boolean') return (v) => out(v ? pow10(scale) : 0n);
  if (from.kind === 'integer' || from.kind === 'decimal') {
    const s = decimalShape(from).scale;
    return (v) => out(rescale(toUnscaled(v, s), s, scale));
  }
  if (from.kind === 'float' || from.kind === 'double') {
    return (v) => (Number.isFinite(v) ? out(parseDecimal(String(v), scale)) : null);
  }
  if (from.kind !== 'string') return undefined;
  return (v) => {
    const text = v as string;
    if (!tryCast && text !== text.trim()) return null;
    return out(parseDecimal(text, scale));
  };
}

function toTimestamp(from: ExprType, precision: number, scope: CompileScope): Convert | undefined {
  const format = (ms: number, us: number): string =>
    formatTimestamp(truncateStamp({ ms, us }, precision), precision);
  switch (from.kind) {
    case 'timestamp':
      return (v) => format(parseTimestamp(v as string)!.ms, parseTimestamp(v as string)!.us);
    case 'timestamp_ltz':
      return (v) => {
        const s = parseTimestamp(v as string)!;
        return format(utcToLocal(s.ms, scope.timeZone), s.us);
      };
    case 'date':
      return (v, fail) => {
        const d = parseDate(v as string);
        return d === undefined ? fail(`'${String(v)}' is not a date`) : format(d * 86_400_000, 0);
      };
    case 'string':
      return (v, fail) => {
        const s = parseTimestamp(v as string);
        return s ? format(s.ms, s.us) : fail(`'${String(v)}' is not a timestamp (yyyy-MM-dd HH:mm:ss[.fff])`);
      };
    case 'boolean':
    case 'integer':
    case 'decimal':
    case 'float':
    case 'double':
    case 'binary':
    case 'time':
    case 'year':
    case 'bit':
    case 'enum':
    case 'set':
    case 'json':
    case 'geometry':
    case 'null':
    case 'interval':
    case 'symbol':
      return undefined;
    default:
      return assertNever(from, 'type');
  }
}
