/**
 * MySQL/MariaDB collation ids → character set names, and decoding of column bytes to JS strings.
 *
 * Only the character sets a CDC pipeline meets in practice are decodable: utf8mb4, utf8mb3, latin1
 * (MySQL's latin1 is Windows cp1252, with 0x81/0x8D/0x8F/0x90/0x9D mapped to the C1 controls),
 * ascii, binary, ucs2, utf16, utf16le and utf32. Other ids are named (so errors can say which
 * charset is unsupported) but decoding them throws.
 */

/** Decodes `buf[start, end)` to a string. */
export type StringDecoderFn = (buf: Buffer, start: number, end: number) => string;

/** The collation id of the `binary` character set (BLOB, BINARY, VARBINARY). */
export const BINARY_COLLATION = 63;

/** [first id, last id, charset] ranges; ids not listed are unknown. */
const COLLATION_RANGES: readonly (readonly [number, number, string])[] = [
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
  // MariaDB NO PAD collations (1024 + id) and the UCA 14.0 families (10.10+).
  [1025, 1025, 'big5'],
  [1026, 1026, 'latin2'],
  [1029, 1029, 'latin1'],
  [1032, 1032, 'latin1'],
  [1035, 1035, 'ascii'],
  [1057, 1057, 'utf8mb3'],
  [1059, 1059, 'ucs2'],
  [1069, 1070, 'utf8mb4'],
  [1071, 1073, 'latin1'],
  [1078, 1079, 'utf16'],
  [1080, 1080, 'utf16le'],
  [1084, 1085, 'utf32'],
  [1086, 1086, 'utf16le'],
  [1087, 1087, 'binary'],
  [1089, 1089, 'ascii'],
  [1100, 1100, 'utf8mb3'],
  [1107, 1107, 'utf8mb3'],
  [1118, 1118, 'latin1'],
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

// cp1252 as MySQL's latin1 defines it: 0x80..0x9F per Windows-1252, the five undefined bytes
// mapped to the C1 control characters of the same value.
const CP1252_80_9F = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122,
  0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];
const LATIN1_TABLE: string[] = [];
for (let b = 0; b < 256; b++) {
  LATIN1_TABLE.push(String.fromCharCode(b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80]! : b));
}
const LATIN1_REVERSE = new Map<number, number>();
for (let b = 0; b < 256; b++) LATIN1_REVERSE.set(LATIN1_TABLE[b]!.charCodeAt(0), b);

const decodeUtf8: StringDecoderFn = (buf, start, end) => buf.toString('utf8', start, end);

/** Buffer's internal slice method (what toString('latin1') ends in, without its argument checks). */
interface Latin1SliceBuffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

const decodeLatin1: StringDecoderFn = (buf, start, end) => {
  // Fast path: cp1252 differs from ISO-8859-1 only in 0x80..0x9F; without those bytes (the
  // common case, accented letters included) each byte is its own code point.
  let plain = true;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b >= 0x80 && b <= 0x9f) {
      plain = false;
      break;
    }
  }
  if (plain) return (buf as Latin1SliceBuffer).latin1Slice(start, end);
  let s = '';
  for (let i = start; i < end; i++) s += LATIN1_TABLE[buf[i]!]!;
  return s;
};

const decodeAscii: StringDecoderFn = (buf, start, end) => buf.toString('latin1', start, end);

const decodeUtf16le: StringDecoderFn = (buf, start, end) => buf.toString('utf16le', start, end);

const decodeUtf16be: StringDecoderFn = (buf, start, end) => {
  const swapped = Buffer.from(buf.subarray(start, end - ((end - start) & 1)));
  swapped.swap16();
  return swapped.toString('utf16le');
};

const decodeUtf32be: StringDecoderFn = (buf, start, end) => {
  let s = '';
  for (let i = start; i + 4 <= end; i += 4) s += String.fromCodePoint(buf.readUInt32BE(i));
  return s;
};

/** A decoder for a charset name (as MySQL spells it), or undefined when it cannot be decoded. */
export function stringDecoderFor(charset: string): StringDecoderFn | undefined {
  switch (normalizeCharset(charset)) {
    case 'utf8mb4':
    case 'utf8mb3':
      return decodeUtf8;
    case 'latin1':
      return decodeLatin1;
    case 'ascii':
      return decodeAscii;
    case 'ucs2':
    case 'utf16':
      return decodeUtf16be;
    case 'utf16le':
      return decodeUtf16le;
    case 'utf32':
      return decodeUtf32be;
    default:
      return undefined;
  }
}

/**
 * The decoder for a collation id; `null` for the binary collation (the value stays bytes).
 * Throws naming the collation id when it is unknown or its charset cannot be decoded.
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

/** Encodes a string as MySQL's latin1 (cp1252); characters outside it become '?'. */
export function encodeLatin1(s: string): Buffer {
  const out = Buffer.allocUnsafe(s.length);
  for (let i = 0; i < s.length; i++) out[i] = LATIN1_REVERSE.get(s.charCodeAt(i)) ?? 0x3f;
  return out;
}
