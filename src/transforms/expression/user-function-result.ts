import { assertNever, type ColumnType, type Value } from '../../event/column-type.js';

const INT_RANGES = {
  1: [-128, 127, 255],
  2: [-32768, 32767, 65535],
  3: [-8388608, 8388607, 16777215],
  4: [-2147483648, 2147483647, 4294967295],
} as const;
const DECIMAL_TEXT = /^-?\d+(?:\.\d+)?$/;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

type Wrong = { readonly wrong: string };
/** Checks a returned value: it, converted where lossless, or why it is not of the type. */
export type ResultCheck = (v: Value) => Value | Wrong;

/**
 * The check of what a user function returns, for its return type (made once per call site, run
 * per row): the value in the representation of column-type.ts, or the reason it is not one — a
 * function declared INT that returns 'abc' is named with its value, rather than failing later in
 * the sink as a value of a column. Lossless conversions only: a whole number to BIGINT's bigint
 * and a safe bigint to a smaller integer's number.
 */
export function userFunctionResult(type: ColumnType): ResultCheck {
  const is =
    (ok: (v: Value) => boolean, expected: string): ResultCheck =>
    (v) =>
      v === null || ok(v) ? v : wrong(v, expected);
  switch (type.kind) {
    case 'integer':
      return integerResult(type);
    case 'decimal':
      return is((v) => typeof v === 'string' && DECIMAL_TEXT.test(v), 'decimal text such as "4.00"');
    case 'float':
    case 'double':
      return is((v) => typeof v === 'number', 'a number');
    case 'year':
      return is((v) => typeof v === 'number' && Number.isInteger(v), 'a whole number');
    case 'boolean':
      return is((v) => typeof v === 'boolean', 'true or false');
    case 'string':
    case 'enum':
    case 'set':
    case 'json':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamp_ltz':
      return is((v) => typeof v === 'string', 'a string');
    case 'bit':
      return is(
        (v) => v instanceof Uint8Array || (type.length === 1 && typeof v === 'boolean'),
        'a Uint8Array',
      );
    case 'binary':
    case 'geometry':
      return is((v) => v instanceof Uint8Array, 'a Uint8Array');
    default:
      return assertNever(type, 'column type');
  }
}

function integerResult(type: Extract<ColumnType, { kind: 'integer' }>): ResultCheck {
  const expected = 'a whole number in range';
  if (type.bytes === 8) {
    const min = type.unsigned ? 0n : -(2n ** 63n);
    const max = type.unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
    return (v) => {
      if (v === null) return v;
      const big = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
      return typeof big === 'bigint' && big >= min && big <= max ? big : wrong(v, expected);
    };
  }
  const [lo, hi, uhi] = INT_RANGES[type.bytes];
  const [min, max] = type.unsigned ? [0, uhi] : [lo, hi];
  return (v) => {
    if (v === null) return v;
    const n = typeof v === 'bigint' && v >= MIN_SAFE && v <= MAX_SAFE ? Number(v) : v;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : wrong(v, expected);
  };
}

function wrong(v: Value, expected: string): Wrong {
  const shown =
    v instanceof Uint8Array
      ? `${v.length} bytes`
      : typeof v === 'string'
        ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
        : `${String(v)}${typeof v === 'bigint' ? 'n' : ''} (${typeof v})`;
  return { wrong: `${shown}, not ${expected}` };
}
