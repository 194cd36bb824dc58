/**
 * MySQL/MariaDB collation ids → character set names, and decoding of column bytes to JS strings.
 *
 * Every character set MySQL or MariaDB defines decodes exactly as the server converts it to
 * Unicode: the UTF-8 and UTF-16/32 families by code (ill-formed bytes are errors), gb18030 with
 * ICU's converter corrected to MySQL's mapping (gb18030-decoder.ts), every other one with the
 * table asked of the server (charset-table-decoder.ts). Bytes the server could only show as '?'
 * are an error, never a replacement character.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import {
  charsetTable,
  tableDecoder,
  undecodableBytes,
  type StringDecoderFn,
} from './charset-table-decoder.js';
import { decodeGb18030 } from './gb18030-decoder.js';

export type { StringDecoderFn } from './charset-table-decoder.js';

/** The collation id of the `binary` character set (BLOB, BINARY, VARBINARY). */
export const BINARY_COLLATION = 63;

/** [first id, last id, charset] ranges; ids not listed are unknown. */
const COLLATION_RANGES: readonly (readonly [number, number, string])[] = [
  // MySQL's and MariaDB's ids (they agree where both use one): MariaDB's NO PAD collations are
  // 1024 + id, its UCA 14.0 families 2048 and up; MySQL's utf8mb4_0900 ones 255..323.
  [1, 1, 'big5'],
  [2, 2, 'latin2'],
  [3, 3, 'dec8'],
  [4, 4, 'cp850'],
  [5, 5, 'latin1'],
  [6, 6, 'hp8'],
  [7, 7, 'koi8r'],
  [8, 8, 'latin1'],
  [9, 9, 'latin2'],
  [10, 10, 'swe7'],
  [11, 11, 'ascii'],
  [12, 12, 'ujis'],
  [13, 13, 'sjis'],
  [14, 14, 'cp1251'],
  [15, 15, 'latin1'],
  [16, 16, 'hebrew'],
  [18, 18, 'tis620'],
  [19, 19, 'euckr'],
  [20, 20, 'latin7'],
  [21, 21, 'latin2'],
  [22, 22, 'koi8u'],
  [23, 23, 'cp1251'],
  [24, 24, 'gb2312'],
  [25, 25, 'greek'],
  [26, 26, 'cp1250'],
  [27, 27, 'latin2'],
  [28, 28, 'gbk'],
  [29, 29, 'cp1257'],
  [30, 30, 'latin5'],
  [31, 31, 'latin1'],
  [32, 32, 'armscii8'],
  [33, 33, 'utf8mb3'],
  [34, 34, 'cp1250'],
  [35, 35, 'ucs2'],
  [36, 36, 'cp866'],
  [37, 37, 'keybcs2'],
  [38, 38, 'macce'],
  [39, 39, 'macroman'],
  [40, 40, 'cp852'],
  [41, 42, 'latin7'],
  [43, 43, 'macce'],
  [44, 44, 'cp1250'],
  [45, 46, 'utf8mb4'],
  [47, 49, 'latin1'],
  [50, 52, 'cp1251'],
  [53, 53, 'macroman'],
  [54, 55, 'utf16'],
  [56, 56, 'utf16le'],
  [57, 57, 'cp1256'],
  [58, 59, 'cp1257'],
  [60, 61, 'utf32'],
  [62, 62, 'utf16le'],
  [63, 63, 'binary'],
  [64, 64, 'armscii8'],
  [65, 65, 'ascii'],
  [66, 66, 'cp1250'],
  [67, 67, 'cp1256'],
  [68, 68, 'cp866'],
  [69, 69, 'dec8'],
  [70, 70, 'greek'],
  [71, 71, 'hebrew'],
  [72, 72, 'hp8'],
  [73, 73, 'keybcs2'],
  [74, 74, 'koi8r'],
  [75, 75, 'koi8u'],
  [76, 76, 'utf8mb3'],
  [77, 77, 'latin2'],
  [78, 78, 'latin5'],
  [79, 79, 'latin7'],
  [80, 80, 'cp850'],
  [81, 81, 'cp852'],
  [82, 82, 'swe7'],
  [83, 83, 'utf8mb3'],
  [84, 84, 'big5'],
  [85, 85, 'euckr'],
  [86, 86, 'gb2312'],
  [87, 87, 'gbk'],
  [88, 88, 'sjis'],
  [89, 89, 'tis620'],
  [90, 90, 'ucs2'],
  [91, 91, 'ujis'],
  [92, 93, 'geostd8'],
  [94, 94, 'latin1'],
  [95, 96, 'cp932'],
  [97, 98, 'eucjpms'],
  [99, 99, 'cp1250'],
  [101, 124, 'utf16'],
  [128, 151, 'ucs2'],
  [159, 159, 'ucs2'],
  [160, 183, 'utf32'],
  [192, 215, 'utf8mb3'],
  [223, 223, 'utf8mb3'],
  [224, 247, 'utf8mb4'],
  [248, 250, 'gb18030'],
  [255, 323, 'utf8mb4'],
  [576, 578, 'utf8mb3'],
  [608, 610, 'utf8mb4'],
  [640, 642, 'ucs2'],
  [672, 674, 'utf16'],
  [736, 738, 'utf32'],
  [1025, 1025, 'big5'],
  [1026, 1026, 'latin2'],
  [1027, 1027, 'dec8'],
  [1028, 1028, 'cp850'],
  [1029, 1029, 'latin1'],
  [1030, 1030, 'hp8'],
  [1031, 1031, 'koi8r'],
  [1032, 1032, 'latin1'],
  [1033, 1033, 'latin2'],
  [1034, 1034, 'swe7'],
  [1035, 1035, 'ascii'],
  [1036, 1036, 'ujis'],
  [1037, 1037, 'sjis'],
  [1040, 1040, 'hebrew'],
  [1042, 1042, 'tis620'],
  [1043, 1043, 'euckr'],
  [1046, 1046, 'koi8u'],
  [1048, 1048, 'gb2312'],
  [1049, 1049, 'greek'],
  [1050, 1050, 'cp1250'],
  [1052, 1052, 'gbk'],
  [1054, 1054, 'latin5'],
  [1056, 1056, 'armscii8'],
  [1057, 1057, 'utf8mb3'],
  [1059, 1059, 'ucs2'],
  [1060, 1060, 'cp866'],
  [1061, 1061, 'keybcs2'],
  [1062, 1062, 'macce'],
  [1063, 1063, 'macroman'],
  [1064, 1064, 'cp852'],
  [1065, 1065, 'latin7'],
  [1067, 1067, 'macce'],
  [1069, 1070, 'utf8mb4'],
  [1071, 1073, 'latin1'],
  [1074, 1075, 'cp1251'],
  [1077, 1077, 'macroman'],
  [1078, 1079, 'utf16'],
  [1080, 1080, 'utf16le'],
  [1081, 1081, 'cp1256'],
  [1082, 1083, 'cp1257'],
  [1084, 1085, 'utf32'],
  [1086, 1086, 'utf16le'],
  [1087, 1087, 'binary'],
  [1088, 1088, 'armscii8'],
  [1089, 1089, 'ascii'],
  [1090, 1090, 'cp1250'],
  [1091, 1091, 'cp1256'],
  [1092, 1092, 'cp866'],
  [1093, 1093, 'dec8'],
  [1094, 1094, 'greek'],
  [1095, 1095, 'hebrew'],
  [1096, 1096, 'hp8'],
  [1097, 1097, 'keybcs2'],
  [1098, 1098, 'koi8r'],
  [1099, 1099, 'koi8u'],
  [1100, 1100, 'utf8mb3'],
  [1101, 1101, 'latin2'],
  [1102, 1102, 'latin5'],
  [1103, 1103, 'latin7'],
  [1104, 1104, 'cp850'],
  [1105, 1105, 'cp852'],
  [1106, 1106, 'swe7'],
  [1107, 1107, 'utf8mb3'],
  [1108, 1108, 'big5'],
  [1109, 1109, 'euckr'],
  [1110, 1110, 'gb2312'],
  [1111, 1111, 'gbk'],
  [1112, 1112, 'sjis'],
  [1113, 1113, 'tis620'],
  [1114, 1114, 'ucs2'],
  [1115, 1115, 'ujis'],
  [1116, 1117, 'geostd8'],
  [1118, 1118, 'latin1'],
  [1119, 1120, 'cp932'],
  [1121, 1122, 'eucjpms'],
  [1124, 1148, 'utf16'],
  [1149, 1151, 'utf8mb4'],
  [1152, 1175, 'ucs2'],
  [1176, 1182, 'utf8mb4'],
  [1183, 1183, 'ucs2'],
  [1184, 1207, 'utf32'],
  [1208, 1215, 'utf8mb4'],
  [1216, 1239, 'utf8mb3'],
  [1240, 1246, 'utf8mb4'],
  [1247, 1247, 'utf8mb3'],
  [1248, 1271, 'utf8mb4'],
  [1275, 1333, 'utf8mb4'],
  [2048, 2303, 'utf8mb3'],
  [2304, 2559, 'utf8mb4'],
  [2560, 2815, 'ucs2'],
  [2816, 3071, 'utf16'],
  [3072, 3327, 'utf32'],
];

const byId = new Map<number, string>();
for (const [first, last, name] of COLLATION_RANGES) {
  for (let id = first; id <= last; id++) byId.set(id, name);
}

/** The character set of a collation id, or undefined when the id is unknown. */
export function charsetOfCollation(collationId: number): string | undefined {
  return byId.get(collationId);
}

/** Maximum bytes per character of a charset (1 for unknown single-byte sets). */
export function charsetMaxBytes(charset: string): number {
  switch (normalizeCharset(charset)) {
    case 'utf8mb4':
    case 'utf16':
    case 'utf16le':
    case 'utf32':
    case 'gb18030':
      return 4;
    case 'utf8mb3':
    case 'ujis':
    case 'eucjpms':
      return 3;
    case 'ucs2':
    case 'big5':
    case 'sjis':
    case 'cp932':
    case 'euckr':
    case 'gb2312':
    case 'gbk':
      return 2;
    default:
      return 1;
  }
}

/** Lower-case, with the usual aliases folded (utf8 → utf8mb3, since MySQL 8.0's own meaning). */
export function normalizeCharset(charset: string): string {
  const c = charset.toLowerCase();
  if (c === 'utf8') return 'utf8mb3';
  if (c === 'utf-8') return 'utf8mb4';
  return c;
}

/** Buffer's internal slice methods (what toString ends in, without its argument checks). */
interface SliceBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
}

/** UTF-8 (utf8mb3, utf8mb4): ill-formed bytes are an error, not U+FFFD. */
export const decodeUtf8: StringDecoderFn = (buf, start, end) => {
  const s = (buf as SliceBuffer).utf8Slice(start, end);
  if (s.indexOf('\uFFFD') >= 0) checkUtf8(buf, start, end);
  return s;
};

/** Throws when buf[start, end) is not well-formed UTF-8. */
export function checkUtf8(buf: Buffer, start: number, end: number): void {
  if (isUtf8(buf.subarray(start, end))) return;
  throw undecodableBytes('utf8', buf, start, firstIllFormedUtf8(buf, start, end), end);
}

/** Where the first ill-formed UTF-8 sequence of buf[start, end) starts (RFC 3629: no overlongs, no surrogates). */
function firstIllFormedUtf8(buf: Buffer, start: number, end: number): number {
  const cont = (i: number, lo = 0x80, hi = 0xbf): boolean => i < end && buf[i]! >= lo && buf[i]! <= hi;
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    let len = 0;
    if (b < 0x80) len = 1;
    else if (b >= 0xc2 && b <= 0xdf) len = cont(i + 1) ? 2 : 0;
    else if (b >= 0xe0 && b <= 0xef) {
      const lo = b === 0xe0 ? 0xa0 : 0x80;
      const hi = b === 0xed ? 0x9f : 0xbf;
      len = cont(i + 1, lo, hi) && cont(i + 2) ? 3 : 0;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      len = cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3) ? 4 : 0;
    }
    if (len === 0) return i;
    i += len;
  }
  return end;
}

/** MySQL's ascii: bytes above 0x7F are no character. */
const decodeAscii: StringDecoderFn = (buf, start, end) => {
  if (!isAscii(buf.subarray(start, end))) {
    let i = start;
    while (buf[i]! < 0x80) i++;
    throw undecodableBytes('ascii', buf, start, i, end);
  }
  return (buf as SliceBuffer).latin1Slice(start, end);
};

const latin1Table = tableDecoder('latin1')!;

/**
 * MySQL's latin1 is Windows-1252 with the five bytes it leaves undefined mapped to the C1 controls
 * (the server's table): ISO-8859-1 but for 0x80..0x9F, so values without those bytes (accented
 * letters included) are one latin1Slice.
 */
const decodeLatin1: StringDecoderFn = (buf, start, end) => {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x80 && b <= 0x9f) return latin1Table(buf, start, end);
  }
  return (buf as SliceBuffer).latin1Slice(start, end);
};

/** A string of UTF-16 code units: its surrogates must pair up. */
function checkSurrogates(charset: string, s: string, buf: Buffer, start: number, end: number): string {
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(k + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) k++;
    else throw undecodableBytes(charset, buf, start, start + 2 * k, end);
  }
  return s;
}

function checkWhole(charset: string, buf: Buffer, start: number, end: number, unit: number): void {
  const rest = (end - start) % unit;
  if (rest !== 0) throw undecodableBytes(charset, buf, start, end - rest, end);
}

/** UTF-16 little-endian (utf16le). */
const decodeUtf16le: StringDecoderFn = (buf, start, end) => {
  checkWhole('utf16le', buf, start, end, 2);
  return checkSurrogates('utf16le', (buf as SliceBuffer).ucs2Slice(start, end), buf, start, end);
};

/** UTF-16 big-endian (utf16), or UCS-2 (ucs2: no surrogates at all). */
function utf16be(charset: 'utf16' | 'ucs2'): StringDecoderFn {
  return (buf, start, end) => {
    checkWhole(charset, buf, start, end, 2);
    const swapped = Buffer.from(buf.subarray(start, end)) as SliceBuffer;
    swapped.swap16();
    const s = swapped.ucs2Slice(0, swapped.length);
    if (charset === 'utf16') return checkSurrogates(charset, s, buf, start, end);
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0xd800 && c <= 0xdfff) throw undecodableBytes(charset, buf, start, start + 2 * k, end);
    }
    return s;
  };
}

/** UTF-32 big-endian: code points up to U+10FFFF, no surrogates. */
const decodeUtf32: StringDecoderFn = (buf, start, end) => {
  checkWhole('utf32', buf, start, end, 4);
  let s = '';
  for (let i = start; i < end; i += 4) {
    const cp = buf.readUInt32BE(i);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw undecodableBytes('utf32', buf, start, i, end);
    s += String.fromCodePoint(cp);
  }
  return s;
};

const decodeUtf16 = utf16be('utf16');
const decodeUcs2 = utf16be('ucs2');
const tableDecoders = new Map<string, StringDecoderFn>();

/** A decoder for a charset name (as MySQL spells it), or undefined when the name is unknown. */
export function stringDecoderFor(charset: string): StringDecoderFn | undefined {
  const c = normalizeCharset(charset);
  switch (c) {
    case 'utf8mb4':
    case 'utf8mb3':
      return decodeUtf8;
    case 'latin1':
      return decodeLatin1;
    case 'ascii':
      return decodeAscii;
    case 'ucs2':
      return decodeUcs2;
    case 'utf16':
      return decodeUtf16;
    case 'utf16le':
      return decodeUtf16le;
    case 'utf32':
      return decodeUtf32;
    case 'gb18030':
      return decodeGb18030;
    default: {
      let d = tableDecoders.get(c);
      if (d === undefined) {
        d = tableDecoder(c);
        if (d !== undefined) tableDecoders.set(c, d);
      }
      return d;
    }
  }
}

/**
 * The decoder for a collation id; `null` for the binary collation (the value stays bytes).
 * Throws naming the collation id when it is unknown.
 */
export function stringDecoderForCollation(collationId: number): StringDecoderFn | null {
  if (collationId === BINARY_COLLATION) return null;
  const charset = byId.get(collationId);
  if (charset === undefined) throw new Error(`unknown collation id ${collationId}`);
  if (charset === 'binary') return null;
  const d = stringDecoderFor(charset);
  if (d === undefined) throw new Error(`unsupported charset ${charset} (collation id ${collationId})`);
  return d;
}

/** Decodes bytes with a collation id (binary → throws: callers keep binary values as bytes). */
export function decodeWithCollation(collationId: number, buf: Buffer, start = 0, end = buf.length): string {
  const d = stringDecoderForCollation(collationId);
  if (d === null) throw new Error(`collation id ${collationId} is binary, not text`);
  return d(buf, start, end);
}

let latin1Reverse: Map<number, number> | undefined;

/** Encodes a string as MySQL's latin1 (cp1252); characters outside it become '?'. */
export function encodeLatin1(s: string): Buffer {
  if (latin1Reverse === undefined) {
    const single = charsetTable('latin1')!.single;
    latin1Reverse = new Map<number, number>();
    for (let b = 0; b < 256; b++) latin1Reverse.set(single[b]!, b);
  }
  const reverse = latin1Reverse;
  const out = Buffer.allocUnsafe(s.length);
  for (let i = 0; i < s.length; i++) out[i] = reverse.get(s.charCodeAt(i)) ?? 0x3f;
  return out;
}

const repertoires = new Map<string, (cp: number) => boolean>();

/** Whether a charset holds a code point; undefined for a charset tidemark has no table of. */
function repertoire(charset: string): ((cp: number) => boolean) | undefined {
  switch (charset) {
    case 'utf8mb4':
    case 'utf16':
    case 'utf16le':
    case 'utf32':
    case 'gb18030':
      return () => true;
    case 'utf8mb3':
    case 'ucs2':
      return (cp) => cp <= 0xffff;
    case 'ascii':
      return (cp) => cp <= 0x7f;
  }
  let has = repertoires.get(charset);
  if (has === undefined) {
    const t = charsetTable(charset);
    if (t === undefined) return undefined;
    const cps = new Set<number>();
    for (const cells of [t.single, t.pair, t.triple]) for (const cp of cells) cps.add(cp);
    cps.delete(0xffff); // no character
    has = (cp) => cps.has(cp);
    repertoires.set(charset, has);
  }
  return has;
}

/**
 * Text as the server stores it in a column of `charset`: each character the charset cannot hold
 * becomes '?' (what MariaDB and MySQL do to, e.g., ENUM members in the column's charset). Text
 * in a charset tidemark has no table of is returned unchanged.
 */
export function storedText(charset: string, s: string): string {
  const has = repertoire(normalizeCharset(charset));
  if (has === undefined) return s;
  let out = '';
  for (const ch of s) out += has(ch.codePointAt(0)!) ? ch : '?';
  return out;
}
