/**
 * Column-wise staging of rows for the DuckDB sink: rows are written into a DuckDB data chunk
 * (2048 rows) and the chunk is appended with one call, instead of one Appender call per value.
 *
 * Fixed-width columns (integers, floats, BOOLEAN, DECIMAL, DATE, TIMESTAMP, TIMESTAMPTZ, INTERVAL)
 * are filled in JS typed arrays and copied into the chunk's vectors in one native call per column;
 * only text and bytes cross into DuckDB per value. The conversions are exact: DECIMAL text becomes
 * the scaled integer DuckDB stores, DATE/TIMESTAMP text the day / microsecond count, all in integer
 * arithmetic, with the validation DuckDB's own text casts do (an impossible date is an error, not a
 * different date). JSON is staged as VARCHAR and cast to JSON by the INSERT that reads the staging
 * table (in DuckDB, off the JS thread).
 */
import bindings from '@duckdb/node-bindings';
import type { Vector } from '@duckdb/node-bindings';
import {
  BIGINT,
  BLOB,
  BOOLEAN,
  DATE,
  DECIMAL,
  DOUBLE,
  DuckDBDataChunk,
  FLOAT,
  INTEGER,
  INTERVAL,
  SMALLINT,
  TIMESTAMP,
  TIMESTAMPTZ,
  TINYINT,
  UBIGINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
} from '@duckdb/node-api';
import type { DuckDBAppender, DuckDBType } from '@duckdb/node-api';
import { assertNever } from '../../event/column-type.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import type { ColumnType, Value } from '../../event/column-type.js';
import {
  DUCKDB_MAX_DECIMAL_PRECISION,
  hasKeyText,
  isZeroDateText,
  parseTimeMicros,
  temporalKeyText,
  toDuckDbInput,
} from './type-mapping.js';

/** Rows per data chunk (DuckDB's vector size, 2048). */
export const CHUNK_ROWS = bindings.vector_size();

/** One column of the chunk being filled. */
interface ColumnWriter {
  readonly type: DuckDBType;
  /** Writes row `i`; returns false when a non-null value had to become NULL (a zero date). */
  set(vector: Vector, i: number, v: Value | undefined): boolean;
  /** Copies rows [0, n) into the vector and makes the writer ready for the next chunk. */
  flush(vector: Vector, n: number): void;
}

/** Validity bits of one chunk column (1 = valid), laid out as DuckDB's uint64 words (little-endian). */
class Validity {
  private readonly words = new Uint32Array(Math.ceil(CHUNK_ROWS / 32)).fill(0xffffffff);
  private nulls = false;

  setNull(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
    this.nulls = true;
  }

  flush(vector: Vector): void {
    // Always written: a reused chunk's vector may still hold the previous chunk's NULL bits.
    bindings.vector_ensure_validity_writable(vector);
    bindings.copy_data_to_vector_validity(vector, 0, this.words.buffer, 0, this.words.byteLength);
    if (this.nulls) {
      this.words.fill(0xffffffff);
      this.nulls = false;
    }
  }
}

type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * A fixed-width column: `store` puts the (non-null) value into the typed array, which holds
 * `perRow` elements per row (2 for INTERVAL and HUGEINT DECIMAL).
 */
function fixedWriter<A extends TypedArray>(
  type: DuckDBType,
  data: A,
  store: (data: A, i: number, v: Value) => boolean,
  perRow = 1,
): ColumnWriter {
  const validity = new Validity();
  const rowBytes = data.BYTES_PER_ELEMENT * perRow;
  return {
    type,
    set(_vector, i, v) {
      if (v === null || v === undefined) {
        validity.setNull(i);
        return true;
      }
      if (store(data, i, v)) return true;
      validity.setNull(i);
      return false;
    },
    flush(vector, n) {
      bindings.copy_data_to_vector(vector, 0, data.buffer as ArrayBuffer, data.byteOffset, n * rowBytes);
      validity.flush(vector);
    },
  };
}

/** A text or bytes column: each value is assigned into the vector's string heap. */
function stringWriter(type: DuckDBType, assign: (vector: Vector, i: number, v: Value) => void): ColumnWriter {
  const validity = new Validity();
  return {
    type,
    set(vector, i, v) {
      if (v === null || v === undefined) validity.setNull(i);
      else assign(vector, i, v);
      return true;
    },
    flush(vector) {
      validity.flush(vector);
    },
  };
}

function intStore(t: ColumnType, min: number, max: number) {
  return (data: TypedArray, i: number, v: Value): boolean => {
    const x = toDuckDbInput(t, v) as number;
    if (!Number.isInteger(x) || x < min || x > max)
      throw new Error(`value ${x} is out of range for ${t.kind}`);
    (data as Int32Array)[i] = x;
    return true;
  };
}

function columnWriter(t: ColumnType): ColumnWriter {
  const n = CHUNK_ROWS;
  switch (t.kind) {
    case 'boolean':
      return fixedWriter(BOOLEAN, new Uint8Array(n), (d, i, v) => {
        d[i] = toDuckDbInput(t, v) ? 1 : 0;
        return true;
      });
    case 'bit':
      if (t.length === 1) {
        return fixedWriter(BOOLEAN, new Uint8Array(n), (d, i, v) => {
          d[i] = toDuckDbInput(t, v) ? 1 : 0;
          return true;
        });
      }
      return bytesWriter(t);
    case 'integer':
      switch (t.bytes) {
        case 1:
          return t.unsigned
            ? fixedWriter(UTINYINT, new Uint8Array(n), intStore(t, 0, 255))
            : fixedWriter(TINYINT, new Int8Array(n), intStore(t, -128, 127));
        case 2:
          return t.unsigned
            ? fixedWriter(USMALLINT, new Uint16Array(n), intStore(t, 0, 65535))
            : fixedWriter(SMALLINT, new Int16Array(n), intStore(t, -32768, 32767));
        case 3:
        case 4:
          return t.unsigned
            ? fixedWriter(UINTEGER, new Uint32Array(n), intStore(t, 0, 4294967295))
            : fixedWriter(INTEGER, new Int32Array(n), intStore(t, -2147483648, 2147483647));
        case 8:
          return t.unsigned
            ? fixedWriter(UBIGINT, new BigUint64Array(n), (d, i, v) => {
                const x = toDuckDbInput(t, v) as bigint;
                if (BigInt.asUintN(64, x) !== x) throw new Error(`value ${x} is out of range for UBIGINT`);
                d[i] = x;
                return true;
              })
            : fixedWriter(BIGINT, new BigInt64Array(n), (d, i, v) => {
                const x = toDuckDbInput(t, v) as bigint;
                if (BigInt.asIntN(64, x) !== x) throw new Error(`value ${x} is out of range for BIGINT`);
                d[i] = x;
                return true;
              });
        default:
          return assertNever(t.bytes, 'integer width');
      }
    case 'year':
      return fixedWriter(SMALLINT, new Int16Array(n), intStore(t, -32768, 32767));
    case 'float':
      return fixedWriter(FLOAT, new Float32Array(n), (d, i, v) => {
        d[i] = toDuckDbInput(t, v) as number;
        return true;
      });
    case 'double':
      return fixedWriter(DOUBLE, new Float64Array(n), (d, i, v) => {
        d[i] = toDuckDbInput(t, v) as number;
        return true;
      });
    case 'decimal':
      return decimalWriter(t);
    case 'date':
      return fixedWriter(DATE, new Int32Array(n), (d, i, v) => {
        if (typeof v !== 'string') return mismatch(t, v);
        if (isZeroDateText(v)) return false;
        d[i] = parseDateDays(v);
        return true;
      });
    case 'timestamp':
    case 'timestamp_ltz':
      return int64Writer(t.kind === 'timestamp' ? TIMESTAMP : TIMESTAMPTZ, (v) => {
        if (typeof v !== 'string') return mismatch(t, v);
        if (isZeroDateText(v)) return undefined;
        return timestampMicros(v);
      });
    case 'time': {
      // DuckDB's interval: int32 months, int32 days, int64 micros.
      const data = new BigInt64Array(n * 2);
      return fixedWriter(
        INTERVAL,
        data,
        (d, i, v) => {
          if (typeof v !== 'string') return mismatch(t, v);
          d[2 * i] = 0n;
          d[2 * i + 1] = parseTimeMicros(v);
          return true;
        },
        2,
      );
    }
    case 'binary':
    case 'geometry':
      return bytesWriter(t);
    case 'string':
    case 'enum':
    case 'set':
    case 'json':
      return stringWriter(VARCHAR, (vector, i, v) => {
        bindings.vector_assign_string_element(vector, i, toDuckDbInput(t, v) as string);
      });
    default:
      return assertNever(t, 'column type');
  }
}

/** A DATE/TIME/DATETIME/TIMESTAMP primary-key column, stored as its key text (VARCHAR). */
function keyTextWriter(t: ColumnType): ColumnWriter {
  if (!hasKeyText(t)) throw new Error(`a ${t.kind} column has no key text`);
  return stringWriter(VARCHAR, (vector, i, v) => {
    if (typeof v !== 'string') return mismatch(t, v);
    bindings.vector_assign_string_element(vector, i, temporalKeyText(t, v));
  });
}

function bytesWriter(t: ColumnType): ColumnWriter {
  return stringWriter(BLOB, (vector, i, v) => {
    bindings.vector_assign_string_element_len(vector, i, toDuckDbInput(t, v) as Uint8Array);
  });
}

function decimalWriter(t: Extract<ColumnType, { kind: 'decimal' }>): ColumnWriter {
  const { precision: p, scale: s } = t;
  if (p > DUCKDB_MAX_DECIMAL_PRECISION) {
    return stringWriter(VARCHAR, (vector, i, v) => {
      bindings.vector_assign_string_element(vector, i, toDuckDbInput(t, v) as string);
    });
  }
  const type = DECIMAL(p, s);
  const n = CHUNK_ROWS;
  const scaled = (v: Value): bigint => scaledDecimal(toDuckDbInput(t, v) as string, p, s);
  // Up to 15 digits the scaled value is exact in a double: parsed without BigInt.
  const small = (v: Value): number | bigint => {
    if (p > 15) return scaled(v);
    return scaledDecimalNumber(toDuckDbInput(t, v) as string, p, s) ?? scaled(v);
  };
  if (p <= 4) {
    return fixedWriter(type, new Int16Array(n), (d, i, v) => ((d[i] = Number(small(v))), true));
  }
  if (p <= 9) {
    return fixedWriter(type, new Int32Array(n), (d, i, v) => ((d[i] = Number(small(v))), true));
  }
  if (p <= 18) return int64Writer(type, small);
  // hugeint: lower uint64, then upper int64
  const data = new BigUint64Array(n * 2);
  const words = new Uint32Array(data.buffer);
  return fixedWriter(
    type,
    data,
    (d, i, v) => {
      // up to 15 digits (DECIMAL(20, 2) amounts, products of a transform) without a BigInt
      const small = scaledDecimalNumber(toDuckDbInput(t, v) as string, 15, s);
      if (small !== undefined) {
        // two's complement, little-endian 32-bit words; the upper half is the sign
        const hi = Math.floor(small / 4294967296);
        const sign = small < 0 ? 0xffffffff : 0;
        words[4 * i] = small - hi * 4294967296;
        words[4 * i + 1] = hi >>> 0;
        words[4 * i + 2] = sign;
        words[4 * i + 3] = sign;
        return true;
      }
      const x = scaled(v);
      d[2 * i] = BigInt.asUintN(64, x);
      d[2 * i + 1] = BigInt.asUintN(64, x >> 64n);
      return true;
    },
    2,
  );
}

const DECIMAL_TEXT = /^([+-])?(\d*)(?:\.(\d*))?$/;

/**
 * Decimal text → the integer DuckDB stores for DECIMAL(p, s) (the value times 10^s). Fraction
 * digits beyond s must be zeros and a value must have at most p - s integer digits: anything
 * else does not fit exactly (a sink column kept narrower than the source's, e.g. under `ignore`)
 * and is an error, where DuckDB's own text cast would round.
 */
export function scaledDecimal(text: string, p: number, s: number): bigint {
  const m = DECIMAL_TEXT.exec(text);
  const intPart = m?.[2] ?? '';
  const frac = m?.[3] ?? '';
  if (!m || intPart.length + frac.length === 0)
    throw new Error(`invalid DECIMAL value ${JSON.stringify(text)}`);
  const digits = BigInt((intPart + frac.slice(0, s).padEnd(s, '0')).replace(/^0+(?=\d)/, '') || '0');
  if (/[1-9]/.test(frac.slice(s)) || digits >= 10n ** BigInt(p)) {
    throw new Error(`DECIMAL value ${text} does not fit DECIMAL(${p},${s})`);
  }
  return m[1] === '-' ? -digits : digits;
}

const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (integer arithmetic, any year). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function checkDate(text: string, y: number, m: number, d: number): void {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = m === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
  if (m < 1 || m > 12 || d < 1 || d > dim) throw new Error(`invalid date ${JSON.stringify(text)}`);
}

/** "YYYY-MM-DD" → days since the epoch. */
export function parseDateDays(text: string): number {
  if (text.length === 10 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) {
    const days = leadingDateDays(text);
    if (days !== undefined) return days;
  }
  const m = DATE_TEXT.exec(text);
  if (!m) throw new Error(`invalid DATE value ${JSON.stringify(text)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  checkDate(text, y, mo, d);
  return daysFromCivil(y, mo, d);
}

/** "YYYY-MM-DD HH:MM:SS[.ffffff]" → microseconds since the epoch (of that wall clock, or UTC). */
export function parseTimestampMicros(text: string): bigint {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) throw new Error(`invalid DATETIME/TIMESTAMP value ${JSON.stringify(text)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  checkDate(text, y, mo, d);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = Number(m[6]);
  if (h > 23 || mi > 59 || sec > 59) throw new Error(`invalid time of day in ${JSON.stringify(text)}`);
  const seconds = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec; // exact: < 2^53
  const micros = m[7] === undefined ? 0 : Number(m[7].padEnd(6, '0'));
  return BigInt(seconds) * 1_000_000n + BigInt(micros);
}

function mismatch(t: ColumnType, v: Value): never {
  const shown = v instanceof Uint8Array ? `${v.length} bytes` : `${typeof v} ${String(v)}`;
  throw new Error(`value ${shown} does not fit a ${t.kind} column`);
}

/** Chunks kept for reuse per writer: each holds CHUNK_ROWS rows of every column natively, per table. */
const MAX_FREE_CHUNKS = 1;

/**
 * Fills data chunks with rows of one table's schema, plus two trailing UINTEGER columns: the op
 * code and the row's sequence number in its batch. Rows are written into the chunks as they
 * arrive, so no JavaScript row outlives its call (the chunks hold the values natively, outside the
 * garbage-collected heap); `take` hands over the filled chunks, to be appended later. One
 * instance per staging table; reused across batches.
 */
export class StagingChunkWriter {
  private readonly writers: ColumnWriter[];
  private readonly types: DuckDBType[];
  private readonly opData = new Uint32Array(CHUNK_ROWS);
  private readonly seqData = new Uint32Array(CHUNK_ROWS);
  private chunk: DuckDBDataChunk | undefined;
  private vectors: Vector[] = [];
  private filled: DuckDBDataChunk[] = [];
  private readonly free: DuckDBDataChunk[] = [];
  private rows = 0;

  /**
   * `keyText[i]`: column i is a temporal primary-key column stored as its key text (VARCHAR; see
   * temporalKeyText) rather than as its DuckDB type.
   */
  constructor(
    readonly columnTypes: readonly ColumnType[],
    keyText: readonly boolean[] = [],
    /** Column names, for the message of a value that does not fit its column. */
    private readonly names: readonly string[] = [],
  ) {
    this.writers = columnTypes.map((t, i) => (keyText[i] ? keyTextWriter(t) : columnWriter(t)));
    this.types = [...this.writers.map((w) => w.type), UINTEGER, UINTEGER];
  }

  /** The staging table's column types (DuckDB SQL), the op and sequence columns last. */
  get stagingTypes(): string[] {
    return this.types.map((t) => t.toString());
  }

  /**
   * Adds a row with its op code and sequence number. `onZero(column)` is called for a zero date
   * written as NULL. A row that throws leaves the writer unusable (half a row written).
   */
  add(
    row: readonly (Value | undefined)[],
    op: number,
    seq: number,
    onZero: (column: number, value: Value | undefined) => void,
  ): void {
    if (this.chunk === undefined) this.begin();
    const i = this.rows;
    const vectors = this.vectors;
    let c = 0;
    try {
      for (; c < this.writers.length; c++) {
        if (!this.writers[c]!.set(vectors[c]!, i, row[c])) onZero(c, row[c]);
      }
    } catch (e) {
      if (e instanceof TidemarkError) throw e;
      const name = this.names[c] ?? `#${c + 1}`;
      throw new Error(`column ${name}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.opData[i] = op;
    this.seqData[i] = seq;
    this.rows++;
    if (this.rows === CHUNK_ROWS) this.finish();
  }

  /** The chunks of every row added since the last take; the writer starts afresh. */
  take(): DuckDBDataChunk[] {
    if (this.rows > 0) this.finish();
    const out = this.filled;
    this.filled = [];
    return out;
  }

  /** Appends chunks taken from this writer, then keeps them for reuse. */
  append(appender: DuckDBAppender, chunks: readonly DuckDBDataChunk[]): void {
    for (const chunk of chunks) appender.appendDataChunk(chunk);
    for (const chunk of chunks) if (this.free.length < MAX_FREE_CHUNKS) this.free.push(chunk);
  }

  /**
   * Lets the chunk kept for reuse go (a chunk holds CHUNK_ROWS rows of every column natively:
   * a pipeline of many tables would otherwise keep one per table it ever wrote).
   */
  dropSpare(): void {
    this.free.length = 0;
  }

  private begin(): void {
    const chunk = this.free.pop();
    if (chunk) chunk.reset();
    this.chunk = chunk ?? DuckDBDataChunk.create(this.types);
    const raw = this.chunk.chunk;
    this.vectors = [];
    for (let c = 0; c < this.types.length; c++) this.vectors.push(bindings.data_chunk_get_vector(raw, c));
  }

  /** Copies the staged column data of the current chunk into its vectors; it joins the filled ones. */
  private finish(): void {
    const n = this.rows;
    const chunk = this.chunk!;
    const vectors = this.vectors;
    const w = this.writers.length;
    for (let c = 0; c < w; c++) this.writers[c]!.flush(vectors[c]!, n);
    for (const [c, data] of [
      [w, this.opData],
      [w + 1, this.seqData],
    ] as const) {
      bindings.copy_data_to_vector(vectors[c]!, 0, data.buffer, 0, n * 4);
      bindings.vector_ensure_validity_writable(vectors[c]!);
    }
    bindings.data_chunk_set_size(chunk.chunk, n);
    this.filled.push(chunk);
    this.chunk = undefined;
    this.rows = 0;
  }
}

/**
 * The scaled integer of a plain decimal text with exactly `s` fraction digits and at most `p`
 * (≤ 15) digits in all, computed in a double (exact below 2^53); undefined for anything else (the
 * caller then takes scaledDecimal's way, which rounds extra digits or refuses the value).
 */
function scaledDecimalNumber(text: string, p: number, s: number): number | undefined {
  const len = text.length;
  let i = 0;
  let neg = false;
  if (text.charCodeAt(0) === 45 /* - */) {
    neg = true;
    i = 1;
  }
  const dot = s === 0 ? len : len - s - 1;
  if (dot <= i || len - i - (s > 0 ? 1 : 0) > p || (s > 0 && text.charCodeAt(dot) !== 46)) return undefined;
  let x = 0;
  for (; i < len; i++) {
    if (i === dot) continue;
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    x = x * 10 + c;
  }
  return neg ? -x : x;
}

/**
 * A BIGINT-backed column (DECIMAL(10..18), TIMESTAMP): `value` gives an exact integer as a number
 * (written without a BigInt when it is a safe integer) or a bigint, or undefined for a value
 * written as NULL (a zero date).
 */
function int64Writer(type: DuckDBType, value: (v: Value) => number | bigint | undefined): ColumnWriter {
  const data = new BigInt64Array(CHUNK_ROWS);
  const words = new Uint32Array(data.buffer);
  return fixedWriter(type, data, (d, i, v) => {
    const x = value(v);
    if (x === undefined) return false;
    if (typeof x === 'bigint') {
      if (BigInt.asIntN(64, x) !== x) throw new Error(`value ${x} is out of range for ${type.toString()}`);
      d[i] = x;
    } else if (Number.isSafeInteger(x)) {
      // two's complement halves, little-endian
      const hi = Math.floor(x / 4294967296);
      words[2 * i] = x - hi * 4294967296;
      words[2 * i + 1] = hi >>> 0;
    } else {
      throw new Error(`value ${x} is not an exact integer`);
    }
    return true;
  });
}

/**
 * "YYYY-MM-DD HH:MM:SS[.f…]" → microseconds since the epoch: a number when exact (years
 * 1685–2255), else a bigint. Other shapes go through parseTimestampMicros.
 */
function timestampMicros(text: string): number | bigint {
  const len = text.length;
  if (
    len < 19 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    (len > 19 && (len > 26 || len === 20 || text.charCodeAt(19) !== 46))
  ) {
    return parseTimestampMicros(text);
  }
  const days = leadingDateDays(text);
  const h = digits(text, 11, 13);
  const mi = digits(text, 14, 16);
  const sec = digits(text, 17, 19);
  const frac = len > 20 ? digits(text, 20, len) * 10 ** (26 - len) : 0;
  if (days === undefined || h < 0 || mi < 0 || sec < 0 || frac < 0) return parseTimestampMicros(text);
  if (h > 23 || mi > 59 || sec > 59) throw new Error(`invalid time of day in ${JSON.stringify(text)}`);
  const seconds = days * 86400 + h * 3600 + mi * 60 + sec;
  const micros = seconds * 1_000_000 + frac;
  return Number.isSafeInteger(micros) ? micros : BigInt(seconds) * 1_000_000n + BigInt(frac);
}

/** The last date leadingDateDays converted (rows often share a day). */
let lastDay = { y: -1, m: -1, d: -1, days: 0 };

/**
 * Days since the epoch of the "YYYY-MM-DD" that starts `text` (the caller checked the dashes);
 * undefined when one of its characters is not a digit. Throws on a date that does not exist.
 */
function leadingDateDays(text: string): number | undefined {
  const y = digits(text, 0, 4);
  const mo = digits(text, 5, 7);
  const d = digits(text, 8, 10);
  if (y < 0 || mo < 0 || d < 0) return undefined;
  if (y === lastDay.y && mo === lastDay.m && d === lastDay.d) return lastDay.days;
  checkDate(text, y, mo, d);
  const days = daysFromCivil(y, mo, d);
  lastDay = { y, m: mo, d, days };
  return days;
}

/** The decimal number of text[from, to), or -1 when a character is not a digit. */
function digits(text: string, from: number, to: number): number {
  let x = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    x = x * 10 + c;
  }
  return x;
}
