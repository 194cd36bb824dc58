import type { Value } from '../../event/column-type.js';
import { INT, isInteger, isString, STRING, type Compiled } from './expression-types.js';
import { arity, expectArg, num, strict, type CallSite } from './function-kit.js';

/**
 * Java regular expressions run as JavaScript ones (with the `u` flag when the pattern allows it):
 * the common syntax is the same; Java-only constructs (possessive quantifiers, \p{Alpha}) are
 * refused. An invalid constant pattern is a configuration error; one computed per row gives NULL,
 * as Flink CDC does.
 */
export const REGEXP_FUNCTIONS = [
  {
    name: 'REGEXP_REPLACE',
    signature: 'REGEXP_REPLACE(string1, regex, string3)',
    description: 'string1 with every match of regex replaced by string3 (taken literally).',
  },
  {
    name: 'REGEXP_EXTRACT',
    signature: 'REGEXP_EXTRACT(string, regex[, group])',
    description: 'The text of group (default 0, the whole match) of the first match; NULL when none.',
  },
  {
    name: 'REGEXP_COUNT',
    signature: 'REGEXP_COUNT(string, regex)',
    description: 'The number of non-overlapping matches.',
  },
  {
    name: 'REGEXP_INSTR',
    signature: 'REGEXP_INSTR(string, regex)',
    description: 'The 1-based character position of the first match, 0 when none.',
  },
  {
    name: 'REGEXP_SUBSTR',
    signature: 'REGEXP_SUBSTR(string, regex)',
    description: 'The first match; NULL when none.',
  },
] as const;

const cache = new Map<string, RegExp | null>();

/** The global regex of a Java pattern, or null when JavaScript cannot read it. */
export function javaRegExp(pattern: string): RegExp | null {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = tryRegExp(pattern, 'gu') ?? tryRegExp(pattern, 'g');
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  if (re) re.lastIndex = 0;
  return re;
}

function tryRegExp(pattern: string, flags: string): RegExp | null {
  try {
    return new RegExp(pattern, flags);
  } catch {
    return null;
  }
}

export function compileRegexpFunction(name: string, site: CallSite): Compiled {
  arity(site, 2, name === 'REGEXP_REPLACE' ? 3 : name === 'REGEXP_EXTRACT' ? 3 : 2);
  expectArg(site, 0, isString, 'a string');
  expectArg(site, 1, isString, 'a regular expression string');
  const pattern = site.args[1]!;
  if (pattern.constant) {
    const p = pattern.eval([], { metadata: {}, nowMs: 0 });
    if (p !== null && !javaRegExp(p as string))
      throw site.scope.fail(pattern.pos, `${name} has an invalid regular expression '${String(p)}'`);
  }
  const withRegex =
    (f: (s: string, re: RegExp, extra: Value | undefined) => Value) =>
    (s: Value, p: Value, extra?: Value) => {
      const re = javaRegExp(p as string);
      return re ? f(s as string, re, extra) : null;
    };
  switch (name) {
    case 'REGEXP_REPLACE':
      expectArg(site, 2, isString, 'a string');
      return strict(
        site,
        STRING,
        withRegex((s, re, r) => s.replace(re, () => r as string)),
        { nullable: true },
      );
    case 'REGEXP_EXTRACT':
      expectArg(site, 2, isInteger, 'an integer');
      return strict(
        site,
        STRING,
        withRegex((s, re, g) => extract(s, re, g === undefined ? 0 : num(g))),
        { nullable: true },
      );
    case 'REGEXP_COUNT':
      return strict(
        site,
        INT,
        withRegex((s, re) => [...s.matchAll(re)].length),
        { nullable: true },
      );
    case 'REGEXP_INSTR':
      return strict(
        site,
        INT,
        withRegex((s, re) => {
          const m = re.exec(s);
          return m ? [...s.slice(0, m.index)].length + 1 : 0;
        }),
        { nullable: true },
      );
    default:
      return strict(
        site,
        STRING,
        withRegex((s, re) => re.exec(s)?.[0] ?? null),
        { nullable: true },
      );
  }
}

function extract(s: string, re: RegExp, group: number): Value {
  if (group < 0) return null;
  const m = re.exec(s);
  if (!m || group >= m.length) return null;
  return m[group] ?? null;
}
