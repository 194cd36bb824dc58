/**
 * MySQL's gb18030 (MySQL 5.7+; MariaDB has no gb18030): GB18030-2005, decoded with ICU's gb18030
 * converter (TextDecoder) where the two agree. They differ in 20 codes, taken from MySQL's own
 * mapping (strings/ctype-gb18030): ICU follows GB18030-2022 (and the WHATWG index), which moved
 * 18 two-byte codes from Private Use code points to the characters since encoded in Unicode, and
 * maps A3A0 and the single byte 0x80 differently (MySQL: U+E5E5, and no character). Four-byte
 * codes outside the ranges MySQL maps (it shows them as '?') are errors, as they are for ICU.
 */
import { undecodableBytes } from './charset-table-decoder.js';

/** Two-byte codes whose GB18030-2005 code point (MySQL's) is not ICU's. */
const MYSQL_PAIRS = new Map<number, number>([
  [0xa3a0, 0xe5e5],
  [0xa6d9, 0xe78d],
  [0xa6da, 0xe78e],
  [0xa6db, 0xe78f],
  [0xa6dc, 0xe790],
  [0xa6dd, 0xe791],
  [0xa6de, 0xe792],
  [0xa6df, 0xe793],
  [0xa6ec, 0xe794],
  [0xa6ed, 0xe795],
  [0xa6f3, 0xe796],
  [0xfe59, 0xe81e],
  [0xfe61, 0xe826],
  [0xfe66, 0xe82b],
  [0xfe67, 0xe82c],
  [0xfe6d, 0xe832],
  [0xfe7e, 0xe843],
  [0xfe90, 0xe854],
  [0xfea0, 0xe864],
]);

const icu = new TextDecoder('gb18030', { fatal: true });

const isLead = (b: number): boolean => b >= 0x81 && b <= 0xfe;
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

/** Bytes of the gb18030 character at `i` by its structure (1, 2 or 4), or 0 when it is none. */
function charLength(buf: Buffer, i: number, end: number): number {
  const b = buf[i]!;
  if (b <= 0x7f) return 1;
  if (!isLead(b) || i + 1 >= end) return 0;
  const c = buf[i + 1]!;
  if ((c >= 0x40 && c <= 0x7e) || (c >= 0x80 && c <= 0xfe)) return 2;
  if (isDigit(c) && i + 3 < end && isLead(buf[i + 2]!) && isDigit(buf[i + 3]!)) return 4;
  return 0;
}

/** Decodes MySQL gb18030 bytes; throws on bytes MySQL cannot convert to Unicode. */
export function decodeGb18030(buf: Buffer, start: number, end: number): string {
  let out = '';
  let run = start; // start of the bytes ICU decodes as they are
  const flush = (to: number): void => {
    if (to <= run) return;
    try {
      out += icu.decode(buf.subarray(run, to));
    } catch {
      // find the first character ICU does not take, for the message
      for (let i = run; i < to;) {
        const len = charLength(buf, i, to);
        try {
          icu.decode(buf.subarray(i, i + len));
        } catch {
          throw undecodableBytes('gb18030', buf, start, i, end);
        }
        i += len;
      }
      throw undecodableBytes('gb18030', buf, start, run, end);
    }
  };
  for (let i = start; i < end;) {
    const len = charLength(buf, i, end);
    if (len === 0) throw undecodableBytes('gb18030', buf, start, i, end);
    if (len === 2) {
      const cp = MYSQL_PAIRS.get((buf[i]! << 8) | buf[i + 1]!);
      if (cp !== undefined) {
        flush(i);
        out += String.fromCharCode(cp);
        run = i + 2;
      }
    }
    i += len;
  }
  flush(end);
  return out;
}
