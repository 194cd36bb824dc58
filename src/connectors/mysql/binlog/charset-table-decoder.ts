/**
 * Decoding of the legacy (non-Unicode) character sets with the tables asked of the server itself
 * (charset-tables.ts, written by scripts/generate-charset-tables.ts): every byte sequence the
 * server converts to one Unicode character decodes to that character, and any other sequence
 * (one the server shows as '?', or not a character at all) is an error, never a replacement.
 */
import { inflateRawSync } from 'node:zlib';
import { CHARSET_TABLES } from './charset-tables.js';

/** Decodes `buf[start, end)` to a string. */
export type StringDecoderFn = (buf: Buffer, start: number, end: number) => string;

/** A cell that is no character. */
const NONE = 0xffff;

export interface CharsetTable {
  /** The widest character in bytes (1..3). */
  readonly width: number;
  /** The lead byte of three-byte characters (0: none). */
  readonly tripleLead: number;
  /** Code point of each byte, NONE where it is no character on its own. */
  readonly single: Uint16Array;
  /** Of [0x80 + i, j] at i * 256 + j (width >= 2). */
  readonly pair: Uint16Array;
  /** Of [tripleLead, 0x80 + i, 0x80 + j] at i * 128 + j (width 3). */
  readonly triple: Uint16Array;
}

const loaded = new Map<string, CharsetTable>();

function load(charset: string, chunks: readonly string[]): CharsetTable {
  const data = inflateRawSync(Buffer.from(chunks.join(''), 'base64'));
  const width = data[0]!;
  const cells = 256 + (width >= 2 ? 128 * 256 : 0) + (width === 3 ? 128 * 128 : 0);
  const bitmapEnd = 2 + ((cells + 7) >> 3);
  const all = new Uint16Array(cells).fill(NONE);
  let p = bitmapEnd;
  let cp = 0;
  for (let k = 0; k < cells; k++) {
    if ((data[2 + (k >> 3)]! & (1 << (k & 7))) === 0) continue;
    cp = (cp + data.readUInt16LE(p)) & 0xffff;
    p += 2;
    all[k] = cp;
  }
  if (p !== data.length) throw new Error(`the ${charset} table is corrupt`);
  return {
    width,
    tripleLead: data[1]!,
    single: all.subarray(0, 256),
    pair: all.subarray(256, 256 + 128 * 256),
    triple: all.subarray(256 + 128 * 256),
  };
}

/** The server's table of a legacy charset (lower-case MySQL name), or undefined when it has none. */
export function charsetTable(charset: string): CharsetTable | undefined {
  let t = loaded.get(charset);
  if (t === undefined) {
    const chunks = CHARSET_TABLES[charset];
    if (chunks === undefined) return undefined;
    t = load(charset, chunks);
    loaded.set(charset, t);
  }
  return t;
}

/** The error for bytes that are no character the server converts. */
export function undecodableBytes(
  charset: string,
  buf: Buffer,
  start: number,
  at: number,
  end: number,
): Error {
  const bytes = buf.subarray(at, Math.min(end, at + 4)).toString('hex');
  return new Error(
    `${charset} bytes ${bytes} at byte ${at - start} of the value are no character the server converts to ` +
      'Unicode: the value cannot be decoded exactly',
  );
}

const utf16le = new TextDecoder('utf-16le');

/** Decodes with the server's table of `charset`; undefined when there is none. */
export function tableDecoder(charset: string): StringDecoderFn | undefined {
  if (CHARSET_TABLES[charset] === undefined) return undefined;
  let units = new Uint16Array(256);
  return (buf, start, end) => {
    const t = charsetTable(charset)!;
    const { single, pair, triple, tripleLead } = t;
    if (units.length < end - start) units = new Uint16Array(2 * (end - start));
    let n = 0;
    let i = start;
    while (i < end) {
      const b = buf[i]!;
      let cp = single[b]!;
      let len = 1;
      if (cp === NONE && b >= 0x80 && i + 1 < end) {
        cp = pair[((b - 0x80) << 8) | buf[i + 1]!]!;
        len = 2;
        if (cp === NONE && b === tripleLead && i + 2 < end && buf[i + 1]! >= 0x80 && buf[i + 2]! >= 0x80) {
          cp = triple[((buf[i + 1]! - 0x80) << 7) | (buf[i + 2]! - 0x80)]!;
          len = 3;
        }
      }
      if (cp === NONE) throw undecodableBytes(charset, buf, start, i, end);
      units[n++] = cp;
      i += len;
    }
    return utf16le.decode(units.subarray(0, n));
  };
}
