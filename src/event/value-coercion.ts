import { assertNever, sameColumnType, type ColumnType, type Value } from './column-type.js';
import { widerColumnType } from './wider-column-type.js';

/**
 * How the values of a column of type `from` become values of a column of type `to` (a sink column
 * that a sharded merge widened), in the representation of column-type.ts, with nothing passing
 * through a JS double that was not one: an integer into BIGINT becomes a bigint; into DECIMAL(p,s)
 * the exact decimal text with s fraction digits; a number into a text column its exact text
 * (YEAR with four digits, BOOLEAN as `true`/`false`); a DECIMAL, DATETIME, TIMESTAMP or TIME gets
 * the fraction digits of the wider type; a DATE into DATETIME/TIMESTAMP its midnight; BIT values
 * get leading zero bytes.
 *
 * `exact: false` when `to` does not hold every value of `from` (it is not the wider type of the two,
 * see widerColumnType). `convert` is absent when the values stay as they are.
 */
export type ValueCoercion =
  { readonly exact: true; readonly convert?: (v: NonNullable<Value>) => Value } | { readonly exact: false };

const UNCHANGED: ValueCoercion = { exact: true };

export function valueCoercion(from: ColumnType, to: ColumnType): ValueCoercion {
  if (sameColumnType(from, to)) return UNCHANGED;
  const wider = widerColumnType(from, to);
  if (!('type' in wider) || !sameColumnType(wider.type, to)) return { exact: false };
  const convert = converter(from, to);
  return convert ? { exact: true, convert } : UNCHANGED;
}

type Convert = ((v: NonNullable<Value>) => Value) | undefined;

function converter(from: ColumnType, to: ColumnType): Convert {
  switch (to.kind) {
    case 'integer':
      return to.bytes === 8 && !(from.kind === 'integer' && from.bytes === 8) ? toBigInt : undefined;
    case 'decimal':
      return from.kind === 'decimal'
        ? (v) => withFraction(v as string, to.scale)
        : (v) => integerAsDecimal(v as number | bigint, to.scale);
    case 'string':
      return textConverter(from);
    case 'timestamp':
    case 'timestamp_ltz':
      return from.kind === 'date'
        ? (v) => withFraction(`${v as string} 00:00:00`, to.precision)
        : (v) => withFraction(v as string, to.precision);
    case 'time':
      return (v) => withFraction(v as string, to.precision);
    case 'bit':
      return (v) => bitBytes(v as boolean | Uint8Array, Math.ceil(to.length / 8));
    case 'float':
    case 'double':
    case 'boolean':
    case 'binary':
    case 'date':
    case 'year':
    case 'enum':
    case 'set':
    case 'json':
    case 'geometry':
      return undefined; // numbers stay numbers, bytes stay bytes, text stays text
    default:
      return assertNever(to, 'column type');
  }
}

const toBigInt = (v: NonNullable<Value>): Value => (typeof v === 'bigint' ? v : BigInt(v as number));

function integerAsDecimal(v: number | bigint, scale: number): string {
  return scale > 0 ? `${BigInt(v)}.${'0'.repeat(scale)}` : `${BigInt(v)}`;
}

/** `text` (a decimal, or a time of day's seconds) with at least `digits` fraction digits. */
export function withFraction(text: string, digits: number): string {
  const dot = text.lastIndexOf('.');
  const have = dot < 0 ? 0 : text.length - dot - 1;
  if (have >= digits) return text;
  return `${dot < 0 ? `${text}.` : text}${'0'.repeat(digits - have)}`;
}

function textConverter(from: ColumnType): Convert {
  switch (from.kind) {
    case 'year':
      return (v) => String(v).padStart(4, '0');
    case 'integer':
    case 'float':
    case 'double':
    case 'boolean':
    case 'bit': // BIT(1): a boolean
      return (v) => String(v);
    default:
      return undefined; // already text: strings, decimals, dates, times, ENUM, SET, JSON
  }
}

/** A BIT value (bytes, or a boolean for BIT(1)) as `bytes` big-endian bytes. */
function bitBytes(v: boolean | Uint8Array, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  if (typeof v === 'boolean') out[bytes - 1] = v ? 1 : 0;
  else out.set(v, bytes - v.length);
  return out;
}
