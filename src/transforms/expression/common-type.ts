import type { ColumnType, Value } from '../../event/column-type.js';
import type { CompileScope } from './compile-scope.js';
import { formatDecimal, rescale } from './decimal-math.js';
import { isNumeric, sameKind, STRING, typeName, type Compiled, type Evaluator } from './expression-types.js';
import { decimalShape, toDouble, toUnscaled, widerNumeric } from './numeric-values.js';
import { formatTimestamp, parseTimestamp } from './temporal-values.js';

/**
 * The type that all the values can take (CASE branches, COALESCE, IF …): the widest numeric type,
 * STRING for mixed strings, the highest precision for times; NULL literals take it too.
 */
export function commonType(
  items: readonly Compiled[],
  what: string,
  pos: number,
  scope: CompileScope,
): ColumnType {
  let common: ColumnType | undefined;
  for (const c of items) {
    const t = c.type;
    if (t.kind === 'null') continue;
    if (t.kind === 'interval' || t.kind === 'symbol')
      throw scope.fail(c.pos, `${what} cannot take ${typeName(t)}`);
    if (!common) common = t;
    else {
      const merged = merge(common, t);
      if (!merged)
        throw scope.fail(
          c.pos,
          `${what} mixes ${typeName(common)} and ${typeName(t)} (CAST them to one type)`,
        );
      common = merged;
    }
  }
  if (!common) throw scope.fail(pos, `${what} has only NULLs: give one a type, e.g. CAST(NULL AS STRING)`);
  return common;
}

function merge(a: ColumnType, b: ColumnType): ColumnType | undefined {
  if (isNumeric(a) && isNumeric(b)) return widerNumeric(a, b);
  if (a.kind !== b.kind) return undefined;
  if (a.kind === 'string') return sameKind(a, b) ? a : STRING;
  if ((a.kind === 'timestamp' || a.kind === 'timestamp_ltz' || a.kind === 'time') && 'precision' in b) {
    return { ...a, precision: Math.max(a.precision, b.precision) };
  }
  return a;
}

/** The compiled value converted to `to` (numbers widen exactly, timestamps gain digits). */
export function coerce(c: Compiled, to: ColumnType): Compiled {
  const f = converter(c.type as ColumnType, to);
  if (!f || c.type.kind === 'null') return { ...c, type: to };
  const e = c.eval;
  const evaluate: Evaluator = (row, ctx) => {
    const v = e(row, ctx);
    return v === null ? null : f(v);
  };
  return { ...c, type: to, eval: evaluate };
}

function converter(from: ColumnType, to: ColumnType): ((v: Value) => Value) | undefined {
  switch (to.kind) {
    case 'double':
    case 'float':
      return from.kind === to.kind ? undefined : (v) => toDouble(v);
    case 'integer':
      return from.kind === 'integer' && from.bytes < 8 && to.bytes === 8
        ? (v) => BigInt(v as number)
        : undefined;
    case 'decimal': {
      const s = decimalShape(from).scale;
      if (from.kind === 'decimal' && s === to.scale) return undefined;
      return (v) => formatDecimal(rescale(toUnscaled(v, s), s, to.scale), to.scale);
    }
    case 'timestamp':
    case 'timestamp_ltz':
      return 'precision' in from && from.precision !== to.precision
        ? (v) => formatTimestamp(parseTimestamp(v as string)!, to.precision)
        : undefined;
    default:
      return undefined;
  }
}
