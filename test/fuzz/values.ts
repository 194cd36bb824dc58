/**
 * Random SQL literals for every type family, with the edge values that break decoders and sinks
 * (limits of each type, zero dates, negative and > 24 h TIME, emoji, quotes and backslashes, text in
 * each character set's own script, large values).
 */
import type { Prng } from '../support/prng.js';
import { quoteString, type GeometryKind, type TypeSpec } from './type-spec.js';

export interface LiteralOptions {
  /** Allow values of tens of kilobytes in TEXT/BLOB columns. */
  readonly large: boolean;
  /** Characters outside the column's character set now and then (strict mode rejects them). */
  readonly foreign: boolean;
}

const ASCII =
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,;:!?()[]{}<>=+*/%&#@$~^|"\'\\`';
const SCRIPTS: Record<string, string> = {
  latin1: 'éàüßñÆøÿ€Šœ¡¿',
  cyrillic: 'ЖщюяЁёПривет',
  greek: 'αβγδΩΣλ',
  hebrew: 'שלוםאבג',
  arabic: 'مرحباعربي',
  central: 'ąčěłőűŕŽ',
  turkish: 'ğışĞİŞçö',
  baltic: 'ąčėįšųžĀ',
  japanese: 'こんにちは日本語カタカナ漢字',
  chinese: '中文汉字简体测试',
  big5: '繁體中文測試',
  korean: '한국어테스트',
  thai: 'ภาษาไทยทดสอบ',
  armenian: 'Հայերեն',
  georgian: 'ქართული',
  emoji: '😀🎉🐘𝄞👩‍💻',
  cjkExtB: '𠀀𠀁',
};

/** The scripts a character set can hold (besides ASCII). */
function scriptsOf(charset: string): string[] {
  switch (charset) {
    case 'utf8mb4':
    case 'utf16':
    case 'utf16le':
    case 'utf32':
      return Object.keys(SCRIPTS);
    case 'utf8mb3':
    case 'ucs2':
      return Object.keys(SCRIPTS).filter((s) => s !== 'emoji' && s !== 'cjkExtB');
    case 'latin1':
      return ['latin1'];
    case 'cp1251':
    case 'koi8r':
    case 'koi8u':
    case 'cp866':
      return ['cyrillic'];
    case 'greek':
      return ['greek'];
    case 'hebrew':
      return ['hebrew'];
    case 'cp1256':
      return ['arabic'];
    case 'latin2':
    case 'cp1250':
    case 'cp852':
    case 'macce':
      return ['central'];
    case 'latin5':
      return ['turkish'];
    case 'latin7':
    case 'cp1257':
      return ['baltic'];
    case 'sjis':
    case 'cp932':
    case 'ujis':
    case 'eucjpms':
      return ['japanese'];
    case 'gbk':
    case 'gb2312':
      return ['chinese'];
    case 'big5':
      return ['big5'];
    case 'euckr':
      return ['korean'];
    case 'tis620':
      return ['thai'];
    case 'armscii8':
      return ['armenian'];
    case 'geostd8':
      return ['georgian'];
    default:
      return [];
  }
}

/** A random string of up to maxChars characters that the charset can hold. */
export function randomText(rng: Prng, charset: string, maxChars: number, opts: LiteralOptions): string {
  if (maxChars <= 0) return '';
  const scripts = scriptsOf(charset);
  const pool = [...ASCII];
  for (const s of scripts) if (rng.chance(0.6)) pool.push(...SCRIPTS[s]!);
  if (opts.foreign && rng.chance(0.05)) pool.push(...SCRIPTS[rng.pick(Object.keys(SCRIPTS))]!);
  const n = rng.weighted([
    [3, 0],
    [10, rng.int(1, Math.min(maxChars, 8))],
    [5, rng.int(1, Math.min(maxChars, 40))],
    [1, maxChars],
  ]);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(pool);
  if (rng.chance(0.05)) s = s.trimEnd() + ' '; // trailing space (PAD SPACE collations, CHAR)
  return [...s].slice(0, maxChars).join('');
}

const INT_RANGES: Record<number, [bigint, bigint, bigint]> = {
  // bytes: [signed min, signed max, unsigned max]
  1: [-128n, 127n, 255n],
  2: [-32768n, 32767n, 65535n],
  3: [-8388608n, 8388607n, 16777215n],
  4: [-2147483648n, 2147483647n, 4294967295n],
  8: [-9223372036854775808n, 9223372036854775807n, 18446744073709551615n],
};

function randomInt(rng: Prng, bytes: 1 | 2 | 3 | 4 | 8, unsigned: boolean): bigint {
  const [min, max, umax] = INT_RANGES[bytes]!;
  const lo = unsigned ? 0n : min;
  const hi = unsigned ? umax : max;
  if (rng.chance(0.2)) return rng.pick([lo, hi, 0n, 1n, unsigned ? hi - 1n : -1n]);
  const small = BigInt(rng.int(-1000, 1000));
  if (rng.chance(0.5)) return small < lo ? -small : small > hi ? hi : small;
  const span = hi - lo + 1n;
  const r = (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
  return lo + ((r << 8n) % span);
}

function digits(rng: Prng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9));
  return s;
}

function randomDecimal(rng: Prng, p: number, s: number, unsigned: boolean): string {
  const intDigits = p - s;
  const whole = rng.chance(0.15) ? '9'.repeat(intDigits) : digits(rng, rng.int(0, intDigits));
  const frac = rng.chance(0.15) ? '9'.repeat(s) : digits(rng, rng.int(0, s));
  const sign = !unsigned && rng.chance(0.3) ? '-' : '';
  return `${sign}${whole || '0'}${frac ? '.' + frac : ''}`;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function fraction(rng: Prng, fsp: number): string {
  if (fsp === 0 || rng.chance(0.3)) return '';
  return '.' + digits(rng, rng.int(1, 6));
}

function randomDate(rng: Prng, minYear = 1000, maxYear = 9999): string {
  const edge = rng.chance(0.15);
  if (edge) {
    return rng.pick([
      '0000-00-00',
      '2024-02-29',
      '1000-01-01',
      '9999-12-31',
      '2024-00-10',
      '2024-05-00',
      '0000-01-01',
    ]);
  }
  return `${rng.int(minYear, maxYear)}-${pad(rng.int(1, 12))}-${pad(rng.int(1, 28))}`;
}

function randomTime(rng: Prng, fsp: number): string {
  if (rng.chance(0.15)) return rng.pick(['-838:59:59', '838:59:59', '00:00:00', '-00:00:01', '24:00:00']);
  const h = rng.chance(0.3) ? rng.int(-838, 838) : rng.int(0, 23);
  return `${h}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}${fraction(rng, fsp)}`;
}

function randomClock(rng: Prng): string {
  return `${pad(rng.int(0, 23))}:${pad(rng.int(0, 59))}:${pad(rng.int(0, 59))}`;
}

function randomDatetime(rng: Prng, fsp: number): string {
  if (rng.chance(0.1)) {
    return rng.pick(['0000-00-00 00:00:00', '1000-01-01 00:00:00', '9999-12-31 23:59:59.999999']);
  }
  return `${randomDate(rng)} ${randomClock(rng)}${fraction(rng, fsp)}`;
}

function randomTimestamp(rng: Prng, fsp: number): string {
  if (rng.chance(0.08))
    return rng.pick(['0000-00-00 00:00:00', '2038-01-18 00:00:00', '1970-01-02 00:00:00']);
  const d = `${rng.int(1971, 2037)}-${pad(rng.int(1, 12))}-${pad(rng.int(1, 28))}`;
  return `${d} ${randomClock(rng)}${fraction(rng, fsp)}`;
}

function randomHex(rng: Prng, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += rng.int(0, 255).toString(16).padStart(2, '0').toUpperCase();
  return s;
}

function randomBits(rng: Prng, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += rng.chance(0.5) ? '1' : '0';
  return s;
}

const JSON_SAMPLES = [
  '{}',
  '[]',
  'null',
  'true',
  '0',
  '-1.5e10',
  '12345678901234567890123',
  '"text"',
  '{"a": 1, "b": [1, 2, {"c": null}]}',
  '{"k":"v","n":1.0}',
  '[1, "two", 3.25, false]',
  '{"emoji": "😀", "esc": "a\\"b\\\\c\\n", "u": "\\u00e9"}',
  '  {"spaced" :  [ 1 , 2 ]  }  ',
];

function randomJson(rng: Prng): string {
  if (rng.chance(0.6)) return rng.pick(JSON_SAMPLES);
  const obj: Record<string, unknown> = {};
  for (let i = rng.int(0, 4); i > 0; i--) {
    obj[`k${rng.int(0, 99)}`] = rng.pick([
      rng.int(-1e6, 1e6),
      'x'.repeat(rng.int(0, 5)),
      null,
      [1, 2],
      { z: true },
    ]);
  }
  return JSON.stringify(obj);
}

function point(rng: Prng): string {
  const c = (): string =>
    String(rng.chance(0.5) ? rng.int(-180, 180) : (rng.next() * 360 - 180).toFixed(rng.int(1, 6)));
  return `${c()} ${c()}`;
}

function randomWkt(rng: Prng, kind: GeometryKind): string {
  switch (kind) {
    case 'point':
      return `POINT(${point(rng)})`;
    case 'linestring':
      return `LINESTRING(${point(rng)}, ${point(rng)}, ${point(rng)})`;
    case 'polygon':
      return 'POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))';
    case 'multipoint':
      return `MULTIPOINT(${point(rng)}, ${point(rng)})`;
    case 'multilinestring':
      return `MULTILINESTRING((${point(rng)}, ${point(rng)}), (${point(rng)}, ${point(rng)}))`;
    case 'multipolygon':
      return 'MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))';
    case 'geometrycollection':
      return `GEOMETRYCOLLECTION(POINT(${point(rng)}), LINESTRING(${point(rng)}, ${point(rng)}))`;
    case 'geometry':
      return randomWkt(
        rng,
        rng.pick(['point', 'linestring', 'polygon', 'multipoint', 'geometrycollection'] as const),
      );
  }
}

function randomIpv6(rng: Prng): string {
  return rng.pick([
    '::',
    '::1',
    '2001:db8::ff00:42:8329',
    '::ffff:192.0.2.128',
    'fe80::1:2:3:4',
    Array.from({ length: 8 }, () => rng.int(0, 0xffff).toString(16)).join(':'),
  ]);
}

function randomUuid(rng: Prng): string {
  const h = randomHex(rng, 16).toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Maximum characters of a string value for a text column (bytes allowed / max bytes per char). */
function textChars(size: 'tiny' | 'text' | 'medium' | 'long', large: boolean): number {
  if (size === 'tiny') return 60;
  if (!large) return 50;
  return size === 'text' ? 16000 : 70000;
}

/** A random SQL literal (or constant expression) of the type. */
export function randomLiteral(rng: Prng, t: TypeSpec, opts: LiteralOptions): string {
  switch (t.f) {
    case 'int':
      return randomInt(rng, t.bytes, t.unsigned).toString();
    case 'decimal':
      return randomDecimal(rng, t.p, t.s, t.unsigned);
    case 'float':
      return rng.pick([
        '0',
        '1.1',
        '-3.5e10',
        '3.4028234e38',
        '1.17549435e-38',
        '0.333333',
        String(rng.int(-99999, 99999) / 100),
      ]);
    case 'double':
      return rng.pick([
        '0.1',
        '-1e308',
        '5e-324',
        '1.7976931348623157e308',
        '-0.0',
        String(rng.next() * 1e6 - 5e5),
      ]);
    case 'char':
      return quoteString(randomText(rng, t.charset, t.len, opts));
    case 'text': {
      const big = opts.large && t.size !== 'tiny' && rng.chance(0.15);
      const n = big ? textChars(t.size, true) : textChars(t.size, false);
      if (big) return quoteString(randomText(rng, 'ascii', 8, opts).padEnd(rng.int(n / 4, n), 'x'));
      return quoteString(randomText(rng, t.charset, n, opts));
    }
    case 'binary':
      return rng.chance(0.1) ? "''" : `X'${randomHex(rng, rng.int(t.fixed ? 1 : 0, t.len))}'`;
    case 'blob': {
      const big = opts.large && t.size !== 'tiny' && rng.chance(0.15);
      const n = big ? rng.int(5000, t.size === 'text' ? 60000 : 120000) : rng.int(0, 40);
      return `X'${randomHex(rng, n)}'`;
    }
    case 'date':
      return quoteString(randomDate(rng));
    case 'time':
      return quoteString(randomTime(rng, t.fsp));
    case 'datetime':
      return quoteString(randomDatetime(rng, t.fsp));
    case 'timestamp':
      return quoteString(randomTimestamp(rng, t.fsp));
    case 'year':
      return String(rng.chance(0.1) ? 0 : rng.int(1901, 2155));
    case 'bit':
      return `b'${randomBits(rng, rng.int(1, t.len))}'`;
    case 'enum':
      return quoteString(rng.pick(t.values));
    case 'set':
      return quoteString(rng.subset(t.values, 0.4).join(','));
    case 'json':
      return quoteString(randomJson(rng));
    case 'geometry': {
      const srid = rng.chance(0.3) ? `, ${rng.pick([4326, 3857, 0])}` : '';
      return `ST_GeomFromText('${randomWkt(rng, t.kind)}'${srid})`;
    }
    case 'uuid':
      return quoteString(randomUuid(rng));
    case 'inet4':
      return quoteString(`${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(0, 255)}`);
    case 'inet6':
      return quoteString(randomIpv6(rng));
  }
}

/** Key values come from small domains, so that updates and deletes find rows and keys collide. */
export function randomKeyLiteral(rng: Prng, t: TypeSpec): string {
  switch (t.f) {
    case 'int':
      return String(
        t.unsigned && rng.chance(0.2)
          ? BigInt('18446744073709551000') + BigInt(rng.int(0, 615))
          : rng.int(t.unsigned ? 0 : -50, 400),
      );
    case 'decimal':
      return `${rng.int(0, 300)}.${digits(rng, t.s)}`.replace(/\.$/, '');
    case 'char':
      return quoteString(
        rng.pick(['a', 'A', 'b', 'B', 'á', 'ß', 'ss', 'k ', 'x', 'é', 'E', 'z', 'Ж', 'ж']) +
          (rng.chance(0.7) ? String(rng.int(0, 60)) : ''),
      );
    case 'datetime':
      return quoteString(
        `2024-0${rng.int(1, 9)}-1${rng.int(0, 9)} 10:00:0${rng.int(0, 9)}.${digits(rng, t.fsp)}`,
      );
    case 'date':
      return quoteString(`2024-0${rng.int(1, 9)}-1${rng.int(0, 9)}`);
    default:
      return randomLiteral(rng, t, { large: false, foreign: false });
  }
}
