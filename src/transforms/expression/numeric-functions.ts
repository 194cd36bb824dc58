import { randomUUID } from 'node:crypto';
import type { ColumnType, Value } from '../../event/column-type.js';
import { formatDecimal, parseDecimal, rescale } from './decimal-math.js';
import { isInteger, isNumeric, wrapInteger, type Compiled } from './expression-types.js';
import { arity, expectArg, num, strict, type BuiltinFunction, type CallSite } from './function-kit.js';
import { decimalShape, toUnscaled } from './numeric-values.js';

function numericArg(site: CallSite): ColumnType {
  expectArg(site, 0, isNumeric, 'a number');
  const t = site.args[0]!.type;
  return t.kind === 'null' ? { kind: 'integer', bytes: 4, unsigned: false } : (t as ColumnType);
}

function abs(site: CallSite): Compiled {
  arity(site, 1);
  const t = numericArg(site);
  if (t.kind === 'integer') {
    const f =
      t.bytes === 8
        ? (v: Value) => BigInt.asIntN(64, (v as bigint) < 0n ? -(v as bigint) : (v as bigint))
        : (v: Value) => wrapInteger(t.bytes, Math.abs(v as number));
    return strict(site, t, f);
  }
  if (t.kind === 'decimal') return strict(site, t, (v) => (v as string).replace(/^-/, ''));
  return strict(site, t, (v) => Math.abs(v as number));
}

function ceilFloor(ceil: boolean) {
  return (site: CallSite): Compiled => {
    arity(site, 1);
    const t = numericArg(site);
    if (t.kind === 'integer') return strict(site, t, (v) => v);
    if (t.kind === 'decimal') {
      const out: ColumnType = { kind: 'decimal', precision: t.precision, scale: 0 };
      return strict(site, out, (v) => {
        const u = toUnscaled(v, t.scale);
        const unit = 10n ** BigInt(t.scale);
        let q = u / unit;
        const r = u % unit;
        if (r !== 0n && (ceil ? r > 0n : r < 0n)) q += ceil ? 1n : -1n;
        return formatDecimal(q, 0);
      });
    }
    const round = t.kind === 'float' ? Math.fround : (n: number): number => n;
    return strict(site, t, (v) => round(ceil ? Math.ceil(v as number) : Math.floor(v as number)));
  };
}

/** ROUND(x[, n]): HALF_UP at n decimal places (negative n rounds to tens, hundreds …). */
function round(site: CallSite): Compiled {
  arity(site, 1, 2);
  const t = numericArg(site);
  expectArg(site, 1, isInteger, 'an integer');
  const places = site.args[1];
  if (t.kind === 'decimal' && places && !places.constant)
    throw site.scope.fail(places.pos, 'ROUND of a DECIMAL needs a constant number of places');
  const n = places ? num(places.eval([], { metadata: {}, nowMs: 0 }) ?? 0) : 0;
  const roundAt = (u: bigint, scale: number, outScale: number): bigint =>
    rescale(rescale(u, scale, n), n, outScale);
  if (t.kind === 'decimal') {
    const scale = Math.max(0, Math.min(t.scale, n));
    const out: ColumnType = {
      kind: 'decimal',
      precision: Math.min(38, t.precision - t.scale + scale + 1),
      scale,
    };
    return strict(site, out, (v) => formatDecimal(roundAt(toUnscaled(v, t.scale), t.scale, scale), scale));
  }
  if (t.kind === 'integer') {
    const s = decimalShape(t).scale;
    return strict(site, t, (v) => {
      const r = roundAt(toUnscaled(v, s), s, 0);
      return t.bytes === 8 ? BigInt.asIntN(64, r) : wrapInteger(t.bytes, Number(BigInt.asIntN(32, r)));
    });
  }
  const fround = t.kind === 'float' ? Math.fround : (x: number): number => x;
  return strict(site, t, (v) => {
    const x = v as number;
    if (!Number.isFinite(x)) return x;
    const scale = Math.max(0, n);
    return fround(Number(formatDecimal(roundAt(parseDecimal(String(x), 20)!, 20, scale), scale)));
  });
}

function arithmetic(
  name: string,
  signature: string,
  description: string,
  compile?: (site: CallSite) => Compiled,
): BuiltinFunction {
  return compile
    ? { name, category: 'arithmetic', signature, description, compile }
    : { name, category: 'arithmetic', signature, description };
}

export const NUMERIC_FUNCTIONS: readonly BuiltinFunction[] = [
  arithmetic('+', 'numeric1 + numeric2', 'numeric1 plus numeric2; also temporal + INTERVAL.'),
  arithmetic('-', 'numeric1 - numeric2', 'numeric1 minus numeric2; also temporal - INTERVAL.'),
  arithmetic('*', 'numeric1 * numeric2', 'numeric1 times numeric2.'),
  arithmetic(
    '/',
    'numeric1 / numeric2',
    'numeric1 divided by numeric2 (integers: truncated; DECIMAL: Calcite’s scale, HALF_UP).',
  ),
  arithmetic(
    '%',
    'numeric1 % numeric2',
    'The remainder of numeric1 divided by numeric2 (the sign of numeric1).',
  ),
  arithmetic('ABS', 'ABS(numeric)', 'The absolute value of numeric.', abs),
  arithmetic('CEIL', 'CEIL(numeric)', 'The smallest integer >= numeric.', ceilFloor(true)),
  arithmetic('CEILING', 'CEILING(numeric)', 'Same as CEIL.', ceilFloor(true)),
  arithmetic('FLOOR', 'FLOOR(numeric)', 'The largest integer <= numeric.', ceilFloor(false)),
  arithmetic(
    'ROUND',
    'ROUND(numeric[, int])',
    'numeric rounded half up to int decimal places (default 0).',
    round,
  ),
  arithmetic('UUID', 'UUID()', 'A random (RFC 4122 version 4) UUID string, new for every row.', (site) => {
    arity(site, 0);
    site.scope.volatile = true;
    return {
      type: { kind: 'string', length: 36, fixed: true },
      nullable: false,
      eval: () => randomUUID(),
      constant: false,
      pos: site.pos,
    };
  }),
];
