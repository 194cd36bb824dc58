import type { ColumnType } from '../../event/column-type.js';
import { JsonNumberText, type ExactJson } from './parse-json-exact.js';

/**
 * Debezium's semantic types (the `name` of a field schema) whose values are not written as tidemark
 * writes them: numbers since the epoch or midnight, and `precise` decimals as base64 bytes. A
 * semantic field is a column type plus, where needed, the conversion of its JSON value into the
 * form jsonValueReader reads (json-values.ts).
 */
export interface SemanticField {
  readonly type: ColumnType;
  readonly convert?: (v: ExactJson) => ExactJson;
}

type Params = Readonly<Record<string, ExactJson>>;

export function debeziumSemanticField(
  name: string,
  literal: unknown,
  params: Params,
): SemanticField | undefined {
  switch (name) {
    case 'io.debezium.time.Date':
      return { type: { kind: 'date' } }; // days since 1970: jsonValueReader reads them
    case 'io.debezium.time.Timestamp':
      return { type: { kind: 'timestamp', precision: 3 }, convert: epochConverter(1000n, 3) };
    case 'io.debezium.time.MicroTimestamp':
      return { type: { kind: 'timestamp', precision: 6 }, convert: epochConverter(1_000_000n, 6) };
    case 'io.debezium.time.Time':
      return { type: { kind: 'time', precision: 3 }, convert: durationConverter(1000n, 3) };
    case 'io.debezium.time.MicroTime':
      return { type: { kind: 'time', precision: 6 }, convert: durationConverter(1_000_000n, 6) };
    case 'io.debezium.time.ZonedTimestamp':
      return { type: { kind: 'timestamp_ltz', precision: 6 } };
    case 'io.debezium.data.Json':
      return { type: { kind: 'json' } };
    case 'org.apache.kafka.connect.data.Decimal': {
      const scale = Number(params.scale ?? 0);
      const type: ColumnType = {
        kind: 'decimal',
        precision: Number(params['connect.decimal.precision'] ?? 65),
        scale,
      };
      return literal === 'bytes' ? { type, convert: (v) => preciseDecimal(v, scale) } : { type };
    }
    default:
      return undefined;
  }
}

function integer(v: ExactJson): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (v instanceof JsonNumberText && /^-?\d+$/.test(v.text)) return BigInt(v.text);
  throw new Error(`expected an integer, got ${JSON.stringify(v)}`);
}

/** Units since 1970-01-01 00:00:00 → `YYYY-MM-DD HH:MM:SS.f…` (the wall clock Debezium encoded as UTC). */
function epochConverter(perSecond: bigint, digits: number): (v: ExactJson) => ExactJson {
  return (v) => {
    if (v === null) return null;
    const n = integer(v);
    const seconds = n / perSecond - (n % perSecond < 0n ? 1n : 0n);
    const frac = n - seconds * perSecond;
    const wall = new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    return `${wall}.${frac.toString().padStart(digits, '0')}`;
  };
}

/** Units since midnight (negative and beyond 24 h for MySQL's TIME) → `[-]HH:MM:SS.f…`. */
function durationConverter(perSecond: bigint, digits: number): (v: ExactJson) => ExactJson {
  return (v) => {
    if (v === null) return null;
    const n = integer(v);
    const abs = n < 0n ? -n : n;
    const s = abs / perSecond;
    const two = (x: bigint): string => x.toString().padStart(2, '0');
    const frac = (abs % perSecond).toString().padStart(digits, '0');
    return `${n < 0n ? '-' : ''}${two(s / 3600n)}:${two((s / 60n) % 60n)}:${two(s % 60n)}.${frac}`;
  };
}

/** `decimal.handling.mode=precise`: base64 of the unscaled value, big-endian two's complement. */
function preciseDecimal(v: ExactJson, scale: number): ExactJson {
  if (v === null) return null;
  if (typeof v !== 'string') throw new Error(`expected base64 decimal bytes, got ${JSON.stringify(v)}`);
  const bytes = Buffer.from(v, 'base64');
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes.length > 0 && bytes[0]! & 0x80) n -= 1n << BigInt(bytes.length * 8);
  const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return new JsonNumberText(`${n < 0n ? '-' : ''}${text}`);
}
