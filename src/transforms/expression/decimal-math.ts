/**
 * Exact DECIMAL arithmetic on scaled bigints ("12.30" at scale 2 is 1230n), and the result types
 * Calcite (so Flink CDC) derives for + - * / % with a maximum precision of 38.
 */

export const MAX_DECIMAL_PRECISION = 38;

export interface DecimalShape {
  readonly precision: number;
  readonly scale: number;
}

const TEN = 10n;
const POW10: bigint[] = [1n];
/** 10^n as a bigint. */
export function pow10(n: number): bigint {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * TEN);
  return POW10[n]!;
}

/** The unscaled value of a decimal text ("-1.5", "3", "2.", ".5", "1e3") at `scale`, HALF_UP. */
export function parseDecimal(text: string, scale: number): bigint | undefined {
  const m = /^\s*([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const digits = BigInt(`${m[2] ?? ''}${m[3] ?? ''}` || '0');
  const exponent = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  const v = rescale(digits, -exponent, scale);
  return m[1] === '-' ? -v : v;
}

/** Exact text with exactly `scale` fraction digits, as column-type.ts represents DECIMAL. */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text =
    scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** Moves an unscaled value from one scale to another, rounding HALF_UP when digits are dropped. */
export function rescale(unscaled: bigint, from: number, to: number): bigint {
  if (to >= from) return unscaled * pow10(to - from);
  return divideHalfUp(unscaled, pow10(from - to));
}

/** a / b rounded half away from zero (Java's RoundingMode.HALF_UP). */
export function divideHalfUp(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const bAbs = b < 0n ? -b : b;
  if (twice < bAbs) return q;
  return a < 0n !== b < 0n ? q - 1n : q + 1n;
}

/** Whether an unscaled value has at most `precision` digits. */
export function fitsPrecision(unscaled: bigint, precision: number): boolean {
  const limit = pow10(precision);
  return unscaled < limit && unscaled > -limit;
}

/** Calcite's result type of `a op b` on decimals. */
export function decimalResultShape(
  op: '+' | '-' | '*' | '/' | '%',
  a: DecimalShape,
  b: DecimalShape,
): DecimalShape {
  const max = MAX_DECIMAL_PRECISION;
  const { precision: p1, scale: s1 } = a;
  const { precision: p2, scale: s2 } = b;
  switch (op) {
    case '+':
    case '-': {
      const scale = Math.max(s1, s2);
      return { precision: Math.min(max, Math.max(p1 - s1, p2 - s2) + scale + 1), scale };
    }
    case '*':
      return { precision: Math.min(max, p1 + p2), scale: Math.min(max, s1 + s2) };
    case '/': {
      const integer = Math.min(p1 - s1 + s2, max);
      const scale = Math.min(Math.max(6, s1 + p2 + 1), max - integer, max);
      return { precision: integer + scale, scale };
    }
    case '%': {
      const scale = Math.max(s1, s2);
      return { precision: Math.min(max, Math.min(p1 - s1, p2 - s2) + scale), scale };
    }
  }
}

/**
 * `a op b` on unscaled values at scales sa, sb, giving the unscaled result at `out.scale`, or
 * undefined when it needs more than `out.precision` digits (Flink returns NULL on DECIMAL
 * overflow). Division rounds HALF_UP at the result scale; division by zero throws.
 */
export function decimalArithmetic(
  op: '+' | '-' | '*' | '/' | '%',
  a: bigint,
  sa: number,
  b: bigint,
  sb: number,
  out: DecimalShape,
): bigint | undefined {
  let r: bigint;
  switch (op) {
    case '+':
    case '-': {
      const s = Math.max(sa, sb);
      const x = a * pow10(s - sa);
      const y = b * pow10(s - sb);
      r = rescale(op === '+' ? x + y : x - y, s, out.scale);
      break;
    }
    case '*':
      r = rescale(a * b, sa + sb, out.scale);
      break;
    case '/':
      if (b === 0n) throw new RangeError('division by zero');
      // a/10^sa ÷ b/10^sb at scale s: a * 10^(s + sb - sa) / b.
      r = divideScaled(a, b, out.scale + sb - sa);
      break;
    case '%': {
      if (b === 0n) throw new RangeError('division by zero');
      const s = Math.max(sa, sb);
      r = rescale((a * pow10(s - sa)) % (b * pow10(s - sb)), s, out.scale);
      break;
    }
  }
  return fitsPrecision(r, out.precision) ? r : undefined;
}

function divideScaled(a: bigint, b: bigint, shift: number): bigint {
  return shift >= 0 ? divideHalfUp(a * pow10(shift), b) : divideHalfUp(a, b * pow10(-shift));
}

/** Compares two unscaled values at their scales. */
export function compareDecimal(a: bigint, sa: number, b: bigint, sb: number): number {
  const s = Math.max(sa, sb);
  const x = a * pow10(s - sa);
  const y = b * pow10(s - sb);
  return x < y ? -1 : x > y ? 1 : 0;
}
