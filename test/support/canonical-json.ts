/**
 * Canonical text of a JSON document, for comparing JSON values semantically but exactly:
 * - object members sorted by key (UTF-16 code unit order; duplicate keys kept, in their order),
 *   no insignificant whitespace;
 * - strings re-serialised with JSON.stringify (so "\u00e9" and "é" are the same string);
 * - numbers never pass through a JS double: each is reduced to its exact decimal value
 *   (`1`, `1.0`, `1e0` and `10E-1` are all `1`; `18446744073709551615` stays as it is,
 *   `0.1` stays `0.1`).
 * Text that is not one JSON value gives `undefined`.
 */

type Token = { readonly text: string; readonly end: number };

export function canonicalJson(text: string): string | undefined {
  try {
    const r = parseValue(text, skipWs(text, 0));
    return skipWs(text, r.end) === text.length ? r.text : undefined;
  } catch {
    return undefined;
  }
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  return i;
}

function parseValue(s: string, i: number): Token {
  const c = s[i];
  if (c === '{') return parseObject(s, i);
  if (c === '[') return parseArray(s, i);
  if (c === '"') return parseString(s, i);
  for (const word of ['true', 'false', 'null']) {
    if (s.startsWith(word, i)) return { text: word, end: i + word.length };
  }
  return parseNumber(s, i);
}

function parseObject(s: string, start: number): Token {
  const members: { key: string; text: string }[] = [];
  let i = skipWs(s, start + 1);
  if (s[i] === '}') return { text: '{}', end: i + 1 };
  for (;;) {
    const key = parseString(s, i);
    i = skipWs(s, key.end);
    if (s[i] !== ':') throw new Error('expected :');
    const value = parseValue(s, skipWs(s, i + 1));
    members.push({ key: key.text, text: `${key.text}:${value.text}` });
    i = skipWs(s, value.end);
    if (s[i] === '}') break;
    if (s[i] !== ',') throw new Error('expected , or }');
    i = skipWs(s, i + 1);
  }
  const keyOf = (k: string): string => JSON.parse(k) as string;
  members.sort((a, b) => {
    const x = keyOf(a.key);
    const y = keyOf(b.key);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { text: `{${members.map((m) => m.text).join(',')}}`, end: i + 1 };
}

function parseArray(s: string, start: number): Token {
  const items: string[] = [];
  let i = skipWs(s, start + 1);
  if (s[i] === ']') return { text: '[]', end: i + 1 };
  for (;;) {
    const v = parseValue(s, i);
    items.push(v.text);
    i = skipWs(s, v.end);
    if (s[i] === ']') break;
    if (s[i] !== ',') throw new Error('expected , or ]');
    i = skipWs(s, i + 1);
  }
  return { text: `[${items.join(',')}]`, end: i + 1 };
}

function parseString(s: string, start: number): Token {
  if (s[start] !== '"') throw new Error('expected a string');
  let i = start + 1;
  while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
  if (i >= s.length) throw new Error('unterminated string');
  const value = JSON.parse(s.slice(start, i + 1)) as string;
  return { text: JSON.stringify(value), end: i + 1 };
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

function parseNumber(s: string, start: number): Token {
  NUMBER.lastIndex = start;
  const m = NUMBER.exec(s);
  if (!m) throw new Error(`unexpected ${JSON.stringify(s[start] ?? 'end')}`);
  return { text: canonicalDecimal(m[0]), end: start + m[0].length };
}

/**
 * The exact value of a decimal number text (`-12.50e3`) in one canonical spelling: plain digits
 * when the exponent is moderate (`-12500`, `0.125`), else `d.ddde±x`. Zero is `0` (also `-0`).
 */
export function canonicalDecimal(text: string): string {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal number: ${text}`);
  const [, sign, intPart = '', fracPart = '', expText = '0'] = m;
  let digits = (intPart + fracPart).replace(/^0+/, '');
  // value = digits × 10^exp
  let exp = Number(expText) - fracPart.length;
  if (digits === '') return '0';
  const trailing = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trailing);
  exp += trailing;
  const neg = sign === '-' ? '-' : '';
  if (exp >= 0 && exp <= 40) return `${neg}${digits}${'0'.repeat(exp)}`;
  const point = digits.length + exp; // digits before the decimal point
  if (exp < 0 && point > -40) {
    if (point > 0) return `${neg}${digits.slice(0, point)}.${digits.slice(point)}`;
    return `${neg}0.${'0'.repeat(-point)}${digits}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${neg}${mantissa}e${point - 1}`;
}
