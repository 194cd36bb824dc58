import type { Value } from '../../event/column-type.js';
import type { CompileScope } from './compile-scope.js';
import {
  BOOLEAN,
  INT,
  isInteger,
  isString,
  STRING,
  typeName,
  type Compiled,
  type Evaluator,
  type ExprType,
} from './expression-types.js';
import { arity, expectArg, num, strict, type BuiltinFunction, type CallSite } from './function-kit.js';
import { likeToRegExp, similarToRegExp } from './like-pattern.js';
import { nullAsFalse } from './comparison-operators.js';
import { compileRegexpFunction, REGEXP_FUNCTIONS } from './regexp-functions.js';

const SURROGATE = /[\uD800-\uDFFF]/;
/** Length in characters (code points: an emoji or a CJK extension character counts once). */
export const charLength = (s: string): number => (SURROGATE.test(s) ? [...s].length : s.length);
/** Characters [start, end) by code point. */
export const charSlice = (s: string, start: number, end?: number): string =>
  SURROGATE.test(s) ? [...s].slice(start, end).join('') : s.slice(start, end);
/** Code-point index of a UTF-16 index. */
const charIndex = (s: string, utf16: number): number => charLength(s.slice(0, utf16));

const isBinary = (t: ExprType): boolean => t.kind === 'binary';
const stringy = (site: CallSite, ...indexes: number[]): void =>
  indexes.forEach((i) => expectArg(site, i, isString, 'a string'));
const integer = (site: CallSite, ...indexes: number[]): void =>
  indexes.forEach((i) => expectArg(site, i, isInteger, 'an integer'));

/** a || b: strings (or bytes) joined; NULL if either is NULL. */
export function compileConcat(a: Compiled, b: Compiled, pos: number, scope: CompileScope): Compiled {
  const site: CallSite = { name: '||', pos, args: [a, b], scope };
  if (
    (isBinary(a.type) || a.type.kind === 'null') &&
    (isBinary(b.type) || b.type.kind === 'null') &&
    (isBinary(a.type) || isBinary(b.type))
  ) {
    return strict(site, { kind: 'binary' }, (x, y) => concatBytes([x as Uint8Array, y as Uint8Array]));
  }
  for (const c of [a, b]) {
    if (c.type.kind !== 'null' && !isString(c.type)) {
      throw scope.fail(c.pos, `|| joins strings, not ${typeName(c.type)} (CAST it AS STRING)`);
    }
  }
  return strict(site, STRING, (x, y) => (x as string) + (y as string));
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** value [NOT] LIKE / SIMILAR TO pattern [ESCAPE c]; a constant pattern is compiled once. */
export function compileLike(
  similar: boolean,
  not: boolean,
  arg: Compiled,
  pattern: Compiled,
  escape: Compiled | undefined,
  pos: number,
  scope: CompileScope,
): Compiled {
  const op = similar ? 'SIMILAR TO' : 'LIKE';
  const site: CallSite = { name: op, pos, args: escape ? [arg, pattern, escape] : [arg, pattern], scope };
  stringy(site, 0, 1, 2);
  const build = similar ? similarToRegExp : likeToRegExp;
  const cache = new Map<string, RegExp>();
  const regex = (p: string, e: string | undefined, at: number): RegExp => {
    const key = `${e ?? ''}\u0000${p}`;
    let re = cache.get(key);
    if (!re) {
      const built = build(p, e);
      if (typeof built === 'string')
        throw pattern.constant && (!escape || escape.constant)
          ? scope.fail(at, built)
          : scope.runtimeError(at, built);
      if (cache.size > 100) cache.clear();
      cache.set(key, (re = built));
    }
    return re;
  };
  if (pattern.constant && (!escape || escape.constant)) {
    const p = pattern.eval([], { metadata: {}, nowMs: 0 });
    const e = escape?.eval([], { metadata: {}, nowMs: 0 });
    if (p !== null && e !== null) regex(p as string, e as string | undefined, pattern.pos);
  }
  // Flink CDC: FALSE (not NULL) when the value or the pattern is NULL, for LIKE and NOT LIKE
  return nullAsFalse(
    strict(
      site,
      BOOLEAN,
      (s, p, e) => regex(p as string, e as string | undefined, pattern.pos).test(s as string) !== not,
    ),
  );
}

function trimSet(s: string, chars: string, leading: boolean, trailing: boolean): string {
  const set = new Set(chars);
  const cs = [...s];
  let start = 0;
  let end = cs.length;
  if (leading) while (start < end && set.has(cs[start]!)) start++;
  if (trailing) while (end > start && set.has(cs[end - 1]!)) end--;
  return cs.slice(start, end).join('');
}

function trimFunction(leading: boolean, trailing: boolean) {
  return (site: CallSite): Compiled => {
    arity(site, 1, 2);
    stringy(site, 0, 1);
    if (site.args.length === 1)
      return strict(site, STRING, (s) => trimSet(s as string, ' ', leading, trailing));
    return strict(site, STRING, (s, c) => trimSet(s as string, c as string, leading, trailing));
  };
}

function substr(site: CallSite): Compiled {
  arity(site, 2, 3);
  stringy(site, 0);
  integer(site, 1, 2);
  return strict(
    site,
    STRING,
    (s, start, length) => {
      const len = length === undefined ? Infinity : num(length);
      if (len < 0) throw site.scope.runtimeError(site.pos, `${site.name} needs a length >= 0, not ${len}`);
      const chars = charLength(s as string);
      const b = num(start);
      const from = b > 0 ? b - 1 : b < 0 ? chars + b : 0;
      if (from < 0 || from >= chars) return '';
      return charSlice(s as string, from, Math.min(chars, from + len));
    },
    { nullable: true },
  );
}

function overlay(site: CallSite): Compiled {
  arity(site, 3, 4);
  stringy(site, 0, 1);
  integer(site, 2, 3);
  return strict(site, STRING, (s, r, start, length) => {
    const cs = [...(s as string)];
    const at = num(start);
    const len = length === undefined ? charLength(r as string) : num(length);
    if (at <= 0 || at > cs.length) return s;
    return cs.slice(0, at - 1).join('') + (r as string) + (len > 0 ? cs.slice(at - 1 + len).join('') : '');
  });
}

/** 1-based character position of needle in s from character `from`, 0 if absent. */
function position(needle: string, s: string, from: number): number {
  if (needle === '') return 1;
  const start = Math.max(from - 1, 0);
  if (start > charLength(s)) return 0;
  const i = s.indexOf(needle, charSlice(s, 0, start).length);
  return i < 0 ? 0 : charIndex(s, i) + 1;
}

function positionFunction(swap: boolean) {
  return (site: CallSite): Compiled => {
    arity(site, 2, swap ? 2 : 3);
    stringy(site, 0, 1);
    integer(site, 2);
    if (swap) return strict(site, INT, (s, needle) => position(needle as string, s as string, 1));
    return strict(site, INT, (needle, s, from) =>
      position(needle as string, s as string, from === undefined ? 1 : num(from)),
    );
  };
}

function pad(left: boolean) {
  return (site: CallSite): Compiled => {
    arity(site, 3);
    stringy(site, 0, 2);
    integer(site, 1);
    return strict(
      site,
      STRING,
      (s, length, p) => {
        const n = num(length);
        const cs = [...(s as string)];
        if (n < 0) return null;
        if (cs.length >= n) return cs.slice(0, n).join('');
        const ps = [...(p as string)];
        if (ps.length === 0) return null;
        const fill = Array.from({ length: n - cs.length }, (_, i) => ps[i % ps.length]).join('');
        return left ? fill + (s as string) : (s as string) + fill;
      },
      { nullable: true },
    );
  };
}

function concatFunction(site: CallSite): Compiled {
  arity(site, 1, Infinity);
  stringy(site, ...site.args.map((_, i) => i));
  const typed = strict(site, STRING, (...parts) => parts.join(''));
  // the same, without an array of the parts per row
  const evals = site.args.map((a) => a.eval);
  const evaluate: Evaluator = (row, ctx) => {
    let text = '';
    for (let i = 0; i < evals.length; i++) {
      const v = evals[i]!(row, ctx);
      if (v === null) return null;
      text += v as string;
    }
    return text;
  };
  return { ...typed, eval: evaluate };
}

function concatWs(site: CallSite): Compiled {
  arity(site, 2, Infinity);
  stringy(site, ...site.args.map((_, i) => i));
  const [sep, ...rest] = site.args.map((a) => a.eval) as [Evaluator, ...Evaluator[]];
  const evaluate: Evaluator = (row, ctx) => {
    const separator = sep(row, ctx);
    if (separator === null) return null;
    const parts: Value[] = rest.map((e) => e(row, ctx)).filter((v) => v !== null);
    return parts.join(separator as string);
  };
  return {
    type: STRING,
    nullable: site.args[0]!.nullable,
    eval: evaluate,
    constant: site.args.every((a) => a.constant),
    pos: site.pos,
  };
}

function affix(starts: boolean) {
  return (site: CallSite): Compiled => {
    arity(site, 2);
    const [a, b] = site.args as [Compiled, Compiled];
    if (isBinary(a.type) || isBinary(b.type)) {
      expectArg(site, 0, isBinary, 'bytes');
      expectArg(site, 1, isBinary, 'bytes');
      return strict(site, BOOLEAN, (x, y) => bytesAffix(x as Uint8Array, y as Uint8Array, starts));
    }
    stringy(site, 0, 1);
    return strict(site, BOOLEAN, (x, y) =>
      starts ? (x as string).startsWith(y as string) : (x as string).endsWith(y as string),
    );
  };
}

function bytesAffix(x: Uint8Array, y: Uint8Array, starts: boolean): boolean {
  if (y.length > x.length) return false;
  const at = starts ? 0 : x.length - y.length;
  return y.every((b, i) => x[at + i] === b);
}

function fromBase64(binary: boolean) {
  return (site: CallSite): Compiled => {
    arity(site, 1);
    stringy(site, 0);
    return strict(site, binary ? { kind: 'binary' } : STRING, (s) => {
      const text = (s as string).trim();
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
        throw site.scope.runtimeError(site.pos, `${site.name} got '${String(s)}', which is not base64`);
      }
      const bytes = new Uint8Array(Buffer.from(text, 'base64'));
      return binary ? bytes : new TextDecoder().decode(bytes);
    });
  };
}

function unary(
  name: string,
  description: string,
  signature: string,
  f: (s: string) => Value,
  type: typeof STRING = STRING,
): BuiltinFunction {
  return {
    name,
    category: 'string',
    signature,
    description,
    compile: (site) => (arity(site, 1), stringy(site, 0), strict(site, type, (s) => f(s as string))),
  };
}

function stringFunction(
  name: string,
  signature: string,
  description: string,
  compile: (site: CallSite) => Compiled,
): BuiltinFunction {
  return { name, category: 'string', signature, description, compile };
}

export const STRING_FUNCTIONS: readonly BuiltinFunction[] = [
  {
    name: '||',
    category: 'string',
    signature: 'string1 || string2',
    description: 'The concatenation of string1 and string2 (NULL if either is NULL).',
  },
  {
    name: 'LIKE',
    category: 'comparison',
    signature: 'string1 [NOT] LIKE string2 [ESCAPE string3]',
    description:
      'Whether string1 matches the SQL pattern string2 (% any characters, _ one character; string3 escapes them).',
  },
  {
    name: 'SIMILAR TO',
    category: 'comparison',
    signature: 'string1 [NOT] SIMILAR TO string2 [ESCAPE string3]',
    description: 'Whether string1 matches the SQL regular expression string2 as a whole.',
  },
  unary(
    'CHAR_LENGTH',
    'The number of characters (code points) in string.',
    'CHAR_LENGTH(string)',
    (s) => charLength(s),
    INT,
  ),
  unary('CHARACTER_LENGTH', 'Same as CHAR_LENGTH.', 'CHARACTER_LENGTH(string)', (s) => charLength(s), INT),
  unary('UPPER', 'string in upper case.', 'UPPER(string)', (s) => s.toUpperCase()),
  unary('LOWER', 'string in lower case.', 'LOWER(string)', (s) => s.toLowerCase()),
  stringFunction(
    'TRIM',
    'TRIM([BOTH | LEADING | TRAILING] [characters] FROM string), TRIM(string)',
    'string without the given characters (default: spaces) at both ends, the start or the end.',
    (site) => {
      arity(site, 3);
      stringy(site, 1, 2);
      const mode = site.args[0]!.type.kind === 'symbol' ? site.args[0]!.type.name : 'BOTH';
      return strict(site, STRING, (_m, c, s) =>
        trimSet(s as string, c as string, mode !== 'TRAILING', mode !== 'LEADING'),
      );
    },
  ),
  stringFunction(
    'LTRIM',
    'LTRIM(string[, characters])',
    'string without the given characters (default: spaces) at its start.',
    trimFunction(true, false),
  ),
  stringFunction(
    'RTRIM',
    'RTRIM(string[, characters])',
    'string without the given characters (default: spaces) at its end.',
    trimFunction(false, true),
  ),
  stringFunction(
    'BTRIM',
    'BTRIM(string[, characters])',
    'string without the given characters (default: spaces) at both ends.',
    trimFunction(true, true),
  ),
  ...REGEXP_FUNCTIONS.map((f) =>
    stringFunction(f.name, f.signature, f.description, (site) => compileRegexpFunction(f.name, site)),
  ),
  stringFunction(
    'SUBSTR',
    'SUBSTR(string, start[, length])',
    'The characters of string from start (1-based; negative counts from the end) on, length of them (default: all).',
    substr,
  ),
  stringFunction(
    'SUBSTRING',
    'SUBSTRING(string FROM start [FOR length]), SUBSTRING(string, start[, length])',
    'Same as SUBSTR.',
    substr,
  ),
  stringFunction(
    'OVERLAY',
    'OVERLAY(string1 PLACING string2 FROM start [FOR length])',
    'string1 with length characters (default: the length of string2) from start replaced by string2.',
    overlay,
  ),
  stringFunction(
    'POSITION',
    'POSITION(string1 IN string2 [FROM start])',
    'The 1-based position of the first string1 in string2 (from start), 0 if none.',
    positionFunction(false),
  ),
  stringFunction(
    'LOCATE',
    'LOCATE(string1, string2[, start])',
    'Same as POSITION(string1 IN string2 FROM start).',
    positionFunction(false),
  ),
  stringFunction(
    'INSTR',
    'INSTR(string1, string2)',
    'The 1-based position of the first string2 in string1, 0 if none.',
    positionFunction(true),
  ),
  stringFunction(
    'CONCAT',
    'CONCAT(string1, string2, …)',
    'The strings joined (NULL if any is NULL).',
    concatFunction,
  ),
  stringFunction(
    'CONCAT_WS',
    'CONCAT_WS(separator, string1, string2, …)',
    'The strings joined with separator; NULL strings are skipped.',
    concatWs,
  ),
  stringFunction(
    'LPAD',
    'LPAD(string1, length, string2)',
    'string1 left-padded with string2 to length characters, or cut to length.',
    pad(true),
  ),
  stringFunction(
    'RPAD',
    'RPAD(string1, length, string2)',
    'string1 right-padded with string2 to length characters, or cut to length.',
    pad(false),
  ),
  stringFunction(
    'REPLACE',
    'REPLACE(string1, string2, string3)',
    'string1 with every string2 replaced by string3.',
    (site) => {
      arity(site, 3);
      stringy(site, 0, 1, 2);
      return strict(site, STRING, (s, from, to) =>
        from === '' ? s : (s as string).split(from as string).join(to as string),
      );
    },
  ),
  stringFunction(
    'REPEAT',
    'REPEAT(string, count)',
    'string repeated count times ("" when count <= 0).',
    (site) => {
      arity(site, 2);
      stringy(site, 0);
      integer(site, 1);
      return strict(site, STRING, (s, n) => (num(n) <= 0 ? '' : (s as string).repeat(num(n))));
    },
  ),
  stringFunction('LEFT', 'LEFT(string, length)', 'The first length characters of string.', (site) => {
    arity(site, 2);
    stringy(site, 0);
    integer(site, 1);
    return strict(site, STRING, (s, n) => (num(n) <= 0 ? '' : charSlice(s as string, 0, num(n))));
  }),
  stringFunction('RIGHT', 'RIGHT(string, length)', 'The last length characters of string.', (site) => {
    arity(site, 2);
    stringy(site, 0);
    integer(site, 1);
    return strict(site, STRING, (s, n) => {
      const len = charLength(s as string);
      return num(n) <= 0 ? '' : charSlice(s as string, Math.max(0, len - num(n)));
    });
  }),
  stringFunction(
    'STARTSWITH',
    'STARTSWITH(string1, string2)',
    'Whether string1 starts with string2 (strings or bytes).',
    affix(true),
  ),
  stringFunction(
    'ENDSWITH',
    'ENDSWITH(string1, string2)',
    'Whether string1 ends with string2 (strings or bytes).',
    affix(false),
  ),
  stringFunction(
    'TO_BASE64',
    'TO_BASE64(string | bytes)',
    'The base64 text of the UTF-8 bytes of string, or of bytes.',
    (site) => {
      arity(site, 1);
      expectArg(site, 0, (t) => isString(t) || isBinary(t), 'a string or bytes');
      return strict(site, STRING, (v) =>
        Buffer.from(typeof v === 'string' ? Buffer.from(v, 'utf8') : (v as Uint8Array)).toString('base64'),
      );
    },
  ),
  stringFunction(
    'FROM_BASE64',
    'FROM_BASE64(string)',
    'The UTF-8 text of the bytes that string encodes in base64.',
    fromBase64(false),
  ),
  stringFunction(
    'FROM_BASE64_BINARY',
    'FROM_BASE64_BINARY(string)',
    'The bytes that string encodes in base64.',
    fromBase64(true),
  ),
];
