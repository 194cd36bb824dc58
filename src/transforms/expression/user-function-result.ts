import { assertNever, type ColumnType, type Value } from '../../event/column-type.js';

const INT_RANGES = {
  1: [-128, 127, 255],
  2: [-32768, 32767, 65535],
  3: [-8388608, 8388607, 16777215],
  4: [-2147483648, 2147483647, 4294967295],
} as const;
const DECIMAL_TEXT = /^-?\d+(?:\.\d+)?$/;

/**
 * The value a user function returned, in the representation of its return type (column-type.ts),
 * or the reason it is not one: a function declared INT that returns 'abc' is named with its value,
 * rather than failing later in the sink as a value of a column. Lossless conversions only: a whole
 * number to BIGINT's bigint and a safe bigint to a smaller integer's number.
 */
export function userFunctionResult(type: ColumnType, v: Value): Value | { readonly wrong: string } {
  if (v === null) return v;
  switch (type.kind) {
    case 'integer':
      return integerResult(type, v);
    case 'decimal':
      return typeof v === 'string' && DECIMAL_TEXT.test(v) ? v : wrong(v, 'decimal text such as "4.00"');
    case 'float':
    case 'double':
      return typeof v === 'number' ? v : wrong(v, 'a number');
    case 'year':
      return typeof v === 'number' && Number.isInteger(v) ? v : wrong(v, 'a whole number');
    case 'boolean':
      return typeof v === 'boolean' ? v : wrong(v, 'true or false');
    case 'string':
    case 'enum':
    case 'set':
    case 'json':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamp_ltz':
      return typeof v === 'string' ? v : wrong(v, 'a string');
    case 'bit':
      return v instanceof Uint8Array || (type.length === 1 && typeof v === 'boolean')
        ? v
        : wrong(v, 'a Uint8Array');
    case 'binary':
    case 'geometry':
      return v instanceof Uint8Array ? v : wrong(v, 'a Uint8Array');
    default:
      return assertNever(type, 'column type');
  }
}

function integerResult(type: Extract<ColumnType, { kind: 'integer' }>, v: Value): Value | { wrong: string } {
  if (type.bytes === 8) {
    const min = type.unsigned ? 0n : -(2n ** 63n);
    const max = type.unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n;
    const big = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
    return typeof big === 'bigint' && big >= min && big <= max ? big : wrong(v, 'a whole number in range');
  }
  const [lo, hi, uhi] = INT_RANGES[type.bytes];
  const n =
    typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  const [min, max] = type.unsigned ? [0, uhi] : [lo, hi];
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max
    ? n
    : wrong(v, 'a whole number in range');
}

function wrong(v: Value, expected: string): { wrong: string } {
  const shown =
    v instanceof Uint8Array
      ? `${v.length} bytes`
      : typeof v === 'string'
        ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
        : `${String(v)}${typeof v === 'bigint' ? 'n' : ''} (${typeof v})`;
  return { wrong: `${shown}, not ${expected}` };
}
