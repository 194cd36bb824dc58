/**
 * Java date-time patterns ('yyyy-MM-dd HH:mm:ss', as SimpleDateFormat and DateTimeFormatter
 * read them) for DATE_FORMAT, TO_DATE, TO_TIMESTAMP, UNIX_TIMESTAMP and FROM_UNIXTIME. Letters:
 * y M d D E a H h k K m s S Z X; text in '…' (with '' for a quote) is literal.
 */
import { civilFromDays, daysFromCivil } from './temporal-values.js';

export interface DateTimeFields {
  readonly y: number;
  readonly m: number;
  readonly d: number;
  readonly h: number;
  readonly mi: number;
  readonly s: number;
  /** Microseconds within the second. */
  readonly us: number;
  /** The zone offset shown by Z / X, in ms; parsed when the text has one. */
  readonly offsetMs?: number;
}

export interface DatePattern {
  format(f: DateTimeFields): string;
  /** The fields of a text in this pattern (missing ones default to 1970-01-01 00:00:00). */
  parse(text: string): DateTimeFields | undefined;
}

type Part = { readonly literal: string } | { readonly letter: string; readonly width: number };

const LETTERS = 'yMdDEaHhkKmsSZX';
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

const compiled = new Map<string, DatePattern | string>();

/** A compiled pattern, or the message saying what is wrong with it. */
export function compileDatePattern(pattern: string): DatePattern | string {
  let p = compiled.get(pattern);
  if (p === undefined) {
    p = build(pattern);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, p);
  }
  return p;
}

function build(pattern: string): DatePattern | string {
  const parts = splitPattern(pattern);
  if (typeof parts === 'string') return parts;
  return {
    format: (f) => parts.map((part) => formatPart(part, f)).join(''),
    parse: (text) => parseWith(parts, text),
  };
}

function splitPattern(pattern: string): Part[] | string {
  const parts: Part[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) return `the pattern ${JSON.stringify(pattern)} has an unclosed quote`;
      parts.push({ literal: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!LETTERS.includes(c))
        return `the pattern letter ${c} in ${JSON.stringify(pattern)} is not supported (use y M d D E a H h k K m s S Z X)`;
      let width = 1;
      while (pattern[i + width] === c) width++;
      parts.push({ letter: c, width });
      i += width;
    } else {
      parts.push({ literal: c });
      i++;
    }
  }
  return parts;
}

const num = (n: number, width: number): string =>
  n < 0 ? '-' + String(-n).padStart(width, '0') : String(n).padStart(width, '0');

function formatPart(part: Part, f: DateTimeFields): string {
  if ('literal' in part) return part.literal;
  const w = part.width;
  switch (part.letter) {
    case 'y':
      return w === 2 ? num(((f.y % 100) + 100) % 100, 2) : num(f.y, w);
    case 'M':
      return w >= 4 ? MONTHS[f.m - 1]! : w === 3 ? MONTHS[f.m - 1]!.slice(0, 3) : num(f.m, w);
    case 'd':
      return num(f.d, w);
    case 'D':
      return num(daysFromCivil(f.y, f.m, f.d) - daysFromCivil(f.y, 1, 1) + 1, w);
    case 'E': {
      const dow = DAYS[(((daysFromCivil(f.y, f.m, f.d) + 3) % 7) + 7) % 7]!;
      return w >= 4 ? dow : dow.slice(0, 3);
    }
    case 'a':
      return f.h < 12 ? 'AM' : 'PM';
    case 'H':
      return num(f.h, w);
    case 'k':
      return num(f.h === 0 ? 24 : f.h, w);
    case 'h':
      return num(f.h % 12 === 0 ? 12 : f.h % 12, w);
    case 'K':
      return num(f.h % 12, w);
    case 'm':
      return num(f.mi, w);
    case 's':
      return num(f.s, w);
    case 'S':
      return String(f.us).padStart(6, '0').padEnd(Math.max(w, 6), '0').slice(0, w);
    default:
      return formatOffset(part.letter, w, f.offsetMs ?? 0);
  }
}

function formatOffset(letter: string, width: number, offsetMs: number): string {
  if (letter === 'X' && offsetMs === 0) return 'Z';
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMs) / 60000;
  const hh = num(Math.floor(minutes / 60), 2);
  const mm = num(minutes % 60, 2);
  if (letter === 'X' && width === 1) return `${sign}${hh}${mm === '00' ? '' : mm}`;
  if (letter === 'X' && width >= 3) return `${sign}${hh}:${mm}`;
  return `${sign}${hh}${mm}`;
}

function parseWith(parts: Part[], text: string): DateTimeFields | undefined {
  const v = {
    y: 1970,
    m: 1,
    d: 1,
    h: 0,
    mi: 0,
    s: 0,
    us: 0,
    pm: undefined as boolean | undefined,
    h12: false,
  };
  let offsetMs: number | undefined;
  let i = 0;
  for (const part of parts) {
    if ('literal' in part) {
      if (!text.startsWith(part.literal, i)) return undefined;
      i += part.literal.length;
      continue;
    }
    const got = parseField(part, text, i);
    if (!got) return undefined;
    i = got.end;
    if (!applyField(v, part.letter, got)) return undefined;
    if (part.letter === 'Z' || part.letter === 'X') offsetMs = got.value;
  }
  if (i !== text.length) return undefined;
  if (v.h12 && v.pm !== undefined) v.h = (v.h % 12) + (v.pm ? 12 : 0);
  const { y, m, d, h, mi, s, us } = v;
  if (m < 1 || m > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const check = civilFromDays(daysFromCivil(y, m, d));
  if (check.d !== d) return undefined;
  return offsetMs === undefined ? { y, m, d, h, mi, s, us } : { y, m, d, h, mi, s, us, offsetMs };
}

type Mutable = {
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  us: number;
  pm: boolean | undefined;
  h12: boolean;
};

function applyField(
  v: Mutable,
  letter: string,
  got: { value: number; end: number; digits: number },
): boolean {
  switch (letter) {
    case 'y':
      v.y = got.digits === 2 ? 2000 + got.value : got.value;
      return true;
    case 'M':
      v.m = got.value;
      return true;
    case 'd':
      v.d = got.value;
      return true;
    case 'H':
    case 'k':
      v.h = got.value % 24;
      return true;
    case 'h':
    case 'K':
      v.h = got.value;
      v.h12 = true;
      return true;
    case 'a':
      v.pm = got.value === 1;
      return true;
    case 'm':
      v.mi = got.value;
      return true;
    case 's':
      v.s = got.value;
      return true;
    case 'S':
      v.us = Math.floor(got.value * 10 ** (6 - got.digits));
      return true;
    default:
      return true; // D, E, Z, X: read, not needed for the value (offsets are returned)
  }
}

function parseField(
  part: { letter: string; width: number },
  text: string,
  at: number,
): { value: number; end: number; digits: number } | undefined {
  const rest = text.slice(at);
  if (part.letter === 'M' && part.width >= 3) {
    const i = MONTHS.findIndex((name) =>
      rest.toLowerCase().startsWith((part.width >= 4 ? name : name.slice(0, 3)).toLowerCase()),
    );
    return i < 0
      ? undefined
      : { value: i + 1, end: at + (part.width >= 4 ? MONTHS[i]!.length : 3), digits: 0 };
  }
  if (part.letter === 'E') {
    const m = /^[A-Za-z]+/.exec(rest);
    return m ? { value: 0, end: at + m[0].length, digits: 0 } : undefined;
  }
  if (part.letter === 'a') {
    const m = /^(AM|PM)/i.exec(rest);
    return m ? { value: m[1]!.toUpperCase() === 'PM' ? 1 : 0, end: at + 2, digits: 0 } : undefined;
  }
  if (part.letter === 'Z' || part.letter === 'X') return parseOffset(rest, at);
  const max = part.letter === 'y' && part.width !== 2 ? 9 : part.letter === 'S' ? 9 : Math.max(part.width, 2);
  const m = new RegExp(`^\\d{1,${max}}`).exec(rest);
  return m ? { value: Number(m[0]), end: at + m[0].length, digits: m[0].length } : undefined;
}

function parseOffset(rest: string, at: number): { value: number; end: number; digits: number } | undefined {
  if (rest.startsWith('Z')) return { value: 0, end: at + 1, digits: 0 };
  const m = /^([+-])(\d{2}):?(\d{2})?/.exec(rest);
  if (!m) return undefined;
  const ms = (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60000;
  return { value: m[1] === '-' ? -ms : ms, end: at + m[0].length, digits: 0 };
}
