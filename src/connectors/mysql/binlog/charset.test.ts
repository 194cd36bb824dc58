import assert from 'node:assert/strict';
import { test } from 'node:test';
import { charsetTable } from './charset-table-decoder.js';
import { CHARSET_TABLES } from './charset-tables.js';
import { charsetMaxBytes, decodeWithCollation, storedText, stringDecoderFor } from './charset.js';

/** Every character set of MySQL 8.4 and MariaDB 11 (SHOW CHARACTER SET), binary aside. */
const CHARSETS = [
  'armscii8',
  'ascii',
  'big5',
  'cp1250',
  'cp1251',
  'cp1256',
  'cp1257',
  'cp850',
  'cp852',
  'cp866',
  'cp932',
  'dec8',
  'eucjpms',
  'euckr',
  'gb18030',
  'gb2312',
  'gbk',
  'geostd8',
  'greek',
  'hebrew',
  'hp8',
  'keybcs2',
  'koi8r',
  'koi8u',
  'latin1',
  'latin2',
  'latin5',
  'latin7',
  'macce',
  'macroman',
  'sjis',
  'swe7',
  'tis620',
  'ucs2',
  'ujis',
  'utf16',
  'utf16le',
  'utf32',
  'utf8mb3',
  'utf8mb4',
];

const decode = (charset: string, hex: string): string => {
  const d = stringDecoderFor(charset);
  assert.ok(d, charset);
  const b = Buffer.from(`00${hex}00`, 'hex');
  return d(b, 1, b.length - 1);
};

test('every character set MySQL or MariaDB defines has a decoder', () => {
  for (const c of CHARSETS) assert.ok(stringDecoderFor(c), c);
  assert.ok(stringDecoderFor('utf8'), 'utf8 is utf8mb3');
  assert.equal(stringDecoderFor('nope'), undefined);
  for (const c of Object.keys(CHARSET_TABLES)) {
    const t = charsetTable(c)!;
    assert.ok(charsetMaxBytes(c) >= t.width, `${c}: ${t.width}-byte characters`);
  }
});

test('legacy charsets: multi-byte characters, and bytes the server has no character for are errors', () => {
  assert.equal(decode('big5', 'a4a4a4e5'), '中文');
  assert.equal(decode('big5', '41a4a442'), 'A中B');
  assert.equal(decode('gbk', 'd6d0cec4'), '中文');
  assert.equal(decode('sjis', '93fa967b8cea'), '日本語');
  assert.equal(decode('ujis', 'c6fccbdcb8ec8ea1'), '日本語｡');
  assert.equal(decode('euckr', 'c7d1b1b9'), '한국');
  assert.equal(decode('koi8r', 'f2d5d3d3cbc9ca'), 'Русский');
  assert.equal(decode('cp1250', '8a9e'), 'Šž');
  assert.throws(
    () => decode('big5', 'a4a4a3e1'),
    /^Error: big5 bytes a3e1 at byte 2 of the value are no character/,
  );
  assert.throws(() => decode('big5', 'a4a4a4'), /big5 bytes a4 at byte 2/, 'a lead byte at the end');
  assert.throws(() => decode('ascii', '41ff'), /ascii bytes ff at byte 1/);
  assert.throws(() => decode('swe7', '41ff'), /swe7 bytes ff at byte 1/);
  assert.equal(decodeWithCollation(1, Buffer.from('a4a4', 'hex')), '中', 'collation id 1 is big5');
});

test("latin1: MySQL's cp1252 (the five undefined bytes are C1 controls); the fast path agrees with the table", () => {
  assert.equal(decode('latin1', '80819f'), '€\u0081Ÿ');
  const single = charsetTable('latin1')!.single;
  for (let b = 0; b < 256; b++) {
    assert.equal(
      decode('latin1', b.toString(16).padStart(2, '0')),
      String.fromCharCode(single[b]!),
      `byte ${b}`,
    );
    if (b < 0x80 || b > 0x9f) assert.equal(single[b], b, `byte ${b} is its own code point`);
  }
});

test("gb18030 is MySQL's GB18030-2005: ICU's mapping where they agree, MySQL's in the 20 codes where not", () => {
  assert.equal(decode('gb18030', 'd6d0cec4'), '中文');
  assert.equal(decode('gb18030', '82358f33'), '\u9fa6', 'a 4-byte BMP code');
  assert.equal(decode('gb18030', '90308130e3329a35'), '\u{10000}\u{10ffff}', 'supplementary planes');
  assert.equal(decode('gb18030', 'a6d9a6f3fe59fea0'), '\ue78d\ue796\ue81e\ue864', 'PUA, as in 2005');
  assert.equal(decode('gb18030', 'a3a0'), '\ue5e5');
  assert.equal(decode('gb18030', '84318236'), '\ufe10', 'the 4-byte code of U+FE10');
  assert.equal(decode('gb18030', 'a8bc8135f437'), '\u1e3f\ue7c7');
  assert.throws(() => decode('gb18030', '4180'), /gb18030 bytes 80 at byte 1/);
  assert.throws(() => decode('gb18030', 'd6d084318730ff'), /gb18030 bytes ff at byte 6/);
  assert.throws(() => decode('gb18030', 'd6d08431a530'), /gb18030 bytes 8431a530 at byte 2/, 'unassigned');
});

test('Unicode encodings: well-formed units decode, lone surrogates and out-of-range code points are errors', () => {
  assert.equal(decode('ucs2', '00e96771'), 'é東');
  assert.equal(decode('utf16', 'd834dd1e0041'), '𝄞A');
  assert.equal(decode('utf16le', '34d81edd4100'), '𝄞A');
  assert.equal(decode('utf32', '0001d11e00000041'), '𝄞A');
  assert.equal(decode('utf8mb4', 'f09d849e'), '𝄞');
  assert.equal(decode('utf8mb4', 'efbfbd'), '\ufffd', 'a real U+FFFD');
  assert.throws(() => decode('ucs2', '0041d834'), /ucs2 bytes d834 at byte 2/);
  assert.throws(() => decode('utf16', '0041d834'), /utf16 bytes d834 at byte 2/);
  assert.throws(() => decode('utf16', 'dd1e0041'), /utf16 bytes dd1e0041 at byte 0/);
  assert.throws(() => decode('utf16le', '410034d8'), /utf16le bytes 34d8 at byte 2/);
  assert.throws(() => decode('utf16', '004100'), /utf16 bytes 00 at byte 2/, 'odd length');
  assert.throws(() => decode('utf32', '00110000'), /utf32 bytes 00110000 at byte 0/);
  assert.throws(() => decode('utf32', '0000d800'), /utf32 bytes 0000d800/);
  assert.throws(() => decode('utf8mb4', '41c3'), /utf8 bytes c3 at byte 1/);
  assert.throws(() => decode('utf8mb3', 'e4baacffe4'), /utf8 bytes ffe4 at byte 3/);
  assert.throws(() => decode('utf8mb4', 'eda080'), /utf8 bytes eda080 at byte 0/, 'an encoded surrogate');
});

test('storedText: characters the charset cannot hold become "?" (one per character)', () => {
  assert.equal(storedText('ascii', 'a値ü😀'), 'a???');
  assert.equal(storedText('latin1', 'ü値€'), 'ü?€');
  assert.equal(storedText('utf8', 'ł😀'), 'ł?');
  assert.equal(storedText('ucs2', '😀x'), '?x');
  assert.equal(storedText('utf8mb4', 'ł😀'), 'ł😀');
  assert.equal(storedText('sjis', '値ü'), '値?');
  assert.equal(storedText('no_such_charset', '値'), '値');
});
