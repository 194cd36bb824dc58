import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decimalArithmetic,
  decimalResultShape,
  divideHalfUp,
  formatDecimal,
  parseDecimal,
  rescale,
} from './decimal-math.js';

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomDecimal(next: () => number, precision: number): bigint {
  let digits = '';
  for (let i = 0; i < precision; i++) digits += Math.floor(next() * 10);
  const v = BigInt(digits.replace(/^0+/, '') || '0');
  return next() < 0.5 ? -v : v;
}

/** Reference: exact rational a/10^sa op b/10^sb rounded half up to `scale`, by plain bigint math. */
function reference(
  op: '+' | '-' | '*' | '/',
  a: bigint,
  sa: number,
  b: bigint,
  sb: number,
  scale: number,
): bigint {
  const [num, den] =
    op === '+'
      ? [a * 10n ** BigInt(sb) + b * 10n ** BigInt(sa), 10n ** BigInt(sa + sb)]
      : op === '-'
        ? [a * 10n ** BigInt(sb) - b * 10n ** BigInt(sa), 10n ** BigInt(sa + sb)]
        : op === '*'
          ? [a * b, 10n ** BigInt(sa + sb)]
          : [a * 10n ** BigInt(sb), b * 10n ** BigInt(sa)];
  const scaled = num * 10n ** BigInt(scale);
  const q = scaled / den;
  const r = scaled % den;
  const abs = (x: bigint): bigint => (x < 0n ? -x : x);
  if (2n * abs(r) < abs(den)) return q;
  return scaled < 0n !== den < 0n ? q - 1n : q + 1n;
}

describe('decimal math', () => {
  it('parses and formats exactly', () => {
    assert.equal(parseDecimal('0.1', 1), 1n);
    assert.equal(parseDecimal('-1.25', 1), -13n);
    assert.equal(parseDecimal('1e3', 0), 1000n);
    assert.equal(parseDecimal('.5', 2), 50n);
    assert.equal(parseDecimal('abc', 2), undefined);
    assert.equal(formatDecimal(-5n, 2), '-0.05');
    assert.equal(formatDecimal(123n, 0), '123');
    assert.equal(rescale(15n, 1, 0), 2n);
    assert.equal(rescale(-15n, 1, 0), -2n);
    assert.equal(divideHalfUp(-7n, 2n), -4n);
  });
  it('derives Calcite result types', () => {
    assert.deepEqual(decimalResultShape('+', { precision: 5, scale: 1 }, { precision: 5, scale: 1 }), {
      precision: 6,
      scale: 1,
    });
    assert.deepEqual(decimalResultShape('*', { precision: 10, scale: 2 }, { precision: 5, scale: 1 }), {
      precision: 15,
      scale: 3,
    });
    assert.deepEqual(decimalResultShape('/', { precision: 10, scale: 2 }, { precision: 10, scale: 0 }), {
      precision: 21,
      scale: 13,
    });
    assert.deepEqual(decimalResultShape('/', { precision: 38, scale: 10 }, { precision: 38, scale: 10 }), {
      precision: 38,
      scale: 0,
    });
    assert.deepEqual(decimalResultShape('%', { precision: 10, scale: 2 }, { precision: 5, scale: 0 }), {
      precision: 7,
      scale: 2,
    });
  });
  it('0.1 + 0.2 is 0.3 at scale 1', () => {
    const out = decimalResultShape('+', { precision: 2, scale: 1 }, { precision: 2, scale: 1 });
    assert.equal(formatDecimal(decimalArithmetic('+', 1n, 1, 2n, 1, out)!, out.scale), '0.3');
  });
  it('is NULL past 38 digits', () => {
    const big = 10n ** 37n * 9n;
    const out = decimalResultShape('+', { precision: 38, scale: 0 }, { precision: 38, scale: 0 });
    assert.equal(decimalArithmetic('+', big, 0, big, 0, out), undefined);
  });
  it('agrees with a plain bigint reference on random operands (seed 11)', () => {
    const next = random(11);
    for (let i = 0; i < 3000; i++) {
      const op = (['+', '-', '*', '/'] as const)[i % 4]!;
      const p1 = 1 + Math.floor(next() * 20);
      const s1 = Math.floor(next() * (p1 + 1));
      const p2 = 1 + Math.floor(next() * 20);
      const s2 = Math.floor(next() * (p2 + 1));
      const a = randomDecimal(next, p1);
      const b = randomDecimal(next, p2);
      if (op === '/' && b === 0n) continue;
      const out = decimalResultShape(op, { precision: p1, scale: s1 }, { precision: p2, scale: s2 });
      const want = reference(op, a, s1, b, s2, out.scale);
      const fits = want < 10n ** BigInt(out.precision) && want > -(10n ** BigInt(out.precision));
      const got = decimalArithmetic(op, a, s1, b, s2, out);
      assert.equal(got, fits ? want : undefined, `${a}e-${s1} ${op} ${b}e-${s2}`);
    }
  });
});
