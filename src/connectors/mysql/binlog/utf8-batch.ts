/**
 * Decodes the UTF-8 text values of one rows event with a few native calls instead of one per value.
 *
 * Why: V8 turns non-ASCII UTF-8 into a string at ~5 ns per byte (Buffer#utf8Slice, String::NewFromUtf8),
 * and every call pays the JS→C++ crossing. ICU's UTF-8→UTF-16 conversion (`buffer.transcode`) runs at
 * ~1.7 ns per byte and a UTF-16 string is a plain copy, but its fixed cost only pays off on a batch. So
 * the decoder copies each text value of the event into one scratch buffer, each followed by a NUL
 * byte, converts the whole buffer once, and cuts the values out of the result at the NULs
 * (`String#substring`: no copy above 12 characters).
 *
 * Exactness: the whole buffer is checked to be valid UTF-8 first (simdutf). A NUL separator is a
 * complete character, so the buffer is valid only if every value is, and a value cannot swallow its
 * neighbour. A value that itself holds a NUL shows up as one separator too many; then, as for invalid
 * UTF-8, every value is decoded on its own; ill-formed UTF-8 is an error naming the column (see
 * `resolve`), never U+FFFD.
 * All-ASCII batches skip the conversion: one latin1 string, cut at the recorded byte offsets.
 */
import { isAscii, isUtf8, transcode } from 'node:buffer';
import type { Value } from '../../../event/column-type.js';
import { errorMessage } from '../../../event/tidemark-error.js';
import { checkUtf8 } from './charset.js';

/** Buffer's internal slice methods: no argument juggling. */
interface SliceBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
}

/** A value this long is decoded at once, not copied into the batch. */
const DIRECT_BYTES = 16 * 1024;
/** The scratch buffer's first size. */
const SCRATCH_BYTES = 64 * 1024;
/**
 * A scratch buffer grown past this (a row with many long texts) shrinks back after its batch; below
 * it, it is kept: events that need 128 or 256 KB would otherwise re-grow it every time.
 */
const SCRATCH_KEEP_BYTES = 1024 * 1024;

/** Node built without ICU (`--without-intl`) has no transcode: one utf8Slice per batch then. */
const HAS_TRANSCODE = (() => {
  try {
    transcode(Buffer.from('é'), 'utf8', 'ucs2');
    return true;
  } catch {
    return false;
  }
})();

type Row = (Value | undefined)[];

export class Utf8Batch {
  private scratch = Buffer.allocUnsafe(SCRATCH_BYTES) as SliceBuffer;
  /** Bytes used in `scratch`. */
  private used = 0;
  /** Entries: the row and column the value goes to; [start, end) in `scratch`, or start -1 and end = the entry it repeats. */
  private rows: Row[] = [];
  private cols = new Int32Array(256);
  private spans = new Int32Array(512);
  private count = 0;

  /** Bytes waiting in the batch. */
  get bytes(): number {
    return this.used;
  }

  /**
   * Queues buf[start, end) as the value of row[col] (set by `resolve`). Returns the entry number, or
   * -1 when the value was long enough to be decoded now (row[col] is set).
   */
  add(buf: Buffer, start: number, end: number, row: Row, col: number): number {
    const len = end - start;
    if (len > DIRECT_BYTES) {
      row[col] = decodeUtf8(buf, start, end);
      return -1;
    }
    if (this.used + len + 1 > this.scratch.length) this.grow(this.used + len + 1);
    const s = this.scratch;
    let w = this.used;
    if (len > 32) {
      buf.copy(s, w, start, end);
      w += len;
    } else {
      for (let j = start; j < end; j++) s[w++] = buf[j]!;
    }
    s[w] = 0;
    const k = this.entry(row, col);
    this.spans[2 * k] = this.used;
    this.spans[2 * k + 1] = w;
    this.used = w + 1;
    return k;
  }

  /** row[col] gets the same value as entry `of` (an UPDATE's unchanged column). */
  repeat(row: Row, col: number, of: number): void {
    const k = this.entry(row, col);
    this.spans[2 * k] = -1;
    this.spans[2 * k + 1] = of;
  }

  /**
   * Sets every queued value and empties the batch. Throws on ill-formed UTF-8, naming the column
   * with `columnName` (the batch is cleared by the caller then).
   */
  resolve(columnName: (col: number) => string = (col) => `@${col + 1}`): void {
    const n = this.count;
    if (n === 0) return;
    const s = this.scratch;
    const src = s.subarray(0, this.used);
    const spans = this.spans;
    const rows = this.rows;
    const cols = this.cols;
    if (isAscii(src)) {
      // Byte offsets are character offsets.
      const text = s.latin1Slice(0, this.used);
      for (let k = 0; k < n; k++) {
        const a = spans[2 * k]!;
        rows[k]![cols[k]!] = a >= 0 ? text.substring(a, spans[2 * k + 1]) : this.resolved(spans[2 * k + 1]!);
      }
    } else if (!isUtf8(src) || !this.cutAtSeparators(src)) {
      for (let k = 0; k < n; k++) {
        const a = spans[2 * k]!;
        try {
          rows[k]![cols[k]!] =
            a >= 0 ? decodeUtf8(s, a, spans[2 * k + 1]!) : this.resolved(spans[2 * k + 1]!);
        } catch (e) {
          throw new Error(`column ${columnName(cols[k]!)}: ${errorMessage(e)}`, { cause: e });
        }
      }
    }
    this.clear();
  }

  /** Drops queued values (the event failed to decode). */
  clear(): void {
    this.rows.fill(undefined as unknown as Row, 0, this.count);
    this.count = 0;
    this.used = 0;
    if (this.scratch.length > SCRATCH_KEEP_BYTES)
      this.scratch = Buffer.allocUnsafe(SCRATCH_BYTES) as SliceBuffer;
  }

  /** The value entry k was resolved to (entries resolve in order). */
  private resolved(k: number): Value | undefined {
    return this.rows[k]![this.cols[k]!];
  }

  /** Valid UTF-8: convert once, cut at the NULs. False when a value holds a NUL itself. */
  private cutAtSeparators(src: Buffer): boolean {
    let text: string;
    if (HAS_TRANSCODE) {
      const u16 = transcode(src, 'utf8', 'ucs2') as SliceBuffer;
      text = u16.ucs2Slice(0, u16.length);
    } else {
      text = this.scratch.utf8Slice(0, this.used);
    }
    const n = this.count;
    const spans = this.spans;
    const rows = this.rows;
    const cols = this.cols;
    let p = 0;
    for (let k = 0; k < n; k++) {
      if (spans[2 * k]! < 0) {
        rows[k]![cols[k]!] = this.resolved(spans[2 * k + 1]!);
        continue;
      }
      const q = text.indexOf('\0', p);
      if (q < 0) return false;
      rows[k]![cols[k]!] = text.substring(p, q);
      p = q + 1;
    }
    // Exactly one NUL per value: any other NUL would have been met before the end.
    return p === text.length;
  }

  private entry(row: Row, col: number): number {
    const k = this.count++;
    if (k === this.cols.length) {
      const cols = new Int32Array(2 * k);
      cols.set(this.cols);
      this.cols = cols;
      const spans = new Int32Array(4 * k);
      spans.set(this.spans);
      this.spans = spans;
    }
    this.rows[k] = row;
    this.cols[k] = col;
    return k;
  }

  private grow(need: number): void {
    let size = this.scratch.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size) as SliceBuffer;
    this.scratch.copy(next, 0, 0, this.used);
    this.scratch = next;
  }
}

/** One UTF-8 value, on its own: the batch's conversions without the copy. Throws on ill-formed UTF-8. */
export function decodeUtf8(buf: Buffer, start: number, end: number): string {
  const b = buf as SliceBuffer;
  const bytes = buf.subarray(start, end);
  if (isAscii(bytes)) return b.latin1Slice(start, end);
  if (!isUtf8(bytes)) checkUtf8(buf, start, end);
  if (HAS_TRANSCODE) {
    const u16 = transcode(bytes, 'utf8', 'ucs2') as SliceBuffer;
    return u16.ucs2Slice(0, u16.length);
  }
  return b.utf8Slice(start, end);
}
