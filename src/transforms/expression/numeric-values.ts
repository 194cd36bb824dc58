import type { ColumnType, Value } from '../../event/column-type.js';
import { parseDecimal, type DecimalShape } from './decimal-math.js';
import { isInteger, type ExprType } from './expression-types.js';

/** Digits of each integer width as a DECIMAL (Calcite: TINYINT is DECIMAL(3, 0) …). */
const INTEGER_DIGITS: Record<number, number> = { 1: 3, 2: 5, 3: 7, 4: 10, 8: 19 };

/** The DECIMAL shape of an exact numeric type. */
export function decimalShape(t: ExprType): DecimalShape {
  if (t.kind === 'decimal') return { precision: t.precision, scale: t.scale };
  if (isInteger(t)) return { precision: INTEGER_DIGITS[t.bytes]! + (t.unsigned ? 1 : 0), scale: 0 };
  return { precision: 38, scale: 0 };
}

/** An exact numeric value (integer or DECIMAL text) as an unscaled bigint at `scale`. */
export function toUnscaled(v: Value, scale: number): bigint {
  if (typeof v === 'bigint') return scale === 0 ? v : v * 10n ** BigInt(scale);
  if (typeof v === 'number') return BigInt(v) * 10n ** BigInt(scale);
  if (typeof v === 'string') {
    const u = parseDecimal(v, scale);
    if (u !== undefined) return u;
  }
  throw new TypeError(`not an exact number: ${String(v)}`);
}

/** Any numeric value as a double. */
export function toDouble(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || typeof v === 'string') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new TypeError(`not a number: ${String(v)}`);
}

/** The wider of two numeric types, as Calcite's least restrictive type (for CASE, IN, COALESCE …). */
export function widerNumeric(a: ColumnType, b: ColumnType): ColumnType {
  if (a.kind === 'double' || b.kind === 'double') return { kind: 'double' };
  if (a.kind === 'float' || b.kind === 'float') {
    return a.kind === 'decimal' || b.kind === 'decimal' ? { kind: 'double' } : { kind: 'float' };
  }
  if (a.kind === 'integer' && b.kind === 'integer') return a.bytes >= b.bytes ? a : b;
  const x = decimalShape(a);
  const y = decimalShape(b);
  const scale = Math.max(x.scale, y.scale);
  const precision = Math.min(38, Math.max(x.precision - x.scale, y.precision - y.scale) + scale);
  return { kind: 'decimal', precision, scale };
}
