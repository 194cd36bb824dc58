/**
 * SQL LIKE and SIMILAR TO patterns as JavaScript regular expressions matching the whole string,
 * by code point (`_` matches one character, even outside the BMP).
 */

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/;
const quote = (c: string): string => (REGEX_SPECIAL.test(c) ? `\\${c}` : c);

/** The regex of a LIKE pattern, or the message saying why the pattern is invalid. */
export function likeToRegExp(pattern: string, escape: string | undefined): RegExp | string {
  const checked = checkEscape(escape);
  if (typeof checked === 'string') return checked;
  const esc = checked.escape;
  let out = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (esc !== undefined && c === esc) {
      const next = chars[++i];
      if (next !== '%' && next !== '_' && next !== esc)
        return `the LIKE pattern '${pattern}' has the escape ${esc} before ${next === undefined ? 'its end' : `'${next}'`} (escape only %, _ or itself)`;
      out += quote(next);
    } else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += quote(c);
  }
  return new RegExp(`^${out}$`, 'su');
}

/** The regex of a SIMILAR TO pattern (SQL regular expression), or why it is invalid. */
export function similarToRegExp(pattern: string, escape: string | undefined): RegExp | string {
  const checked = checkEscape(escape);
  if (typeof checked === 'string') return checked;
  const esc = checked.escape;
  let out = '';
  const chars = [...pattern];
  let inClass = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (esc !== undefined && c === esc) {
      const next = chars[++i];
      if (next === undefined) return `the SIMILAR TO pattern '${pattern}' ends with its escape character`;
      out += quote(next);
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c === '\\' ? '\\\\' : c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else if ('|*+?(){},'.includes(c)) out += c;
    else out += quote(c);
  }
  try {
    return new RegExp(`^(?:${out})$`, 'su');
  } catch (e) {
    return `the SIMILAR TO pattern '${pattern}' is invalid: ${(e as Error).message}`;
  }
}

function checkEscape(escape: string | undefined): { escape: string | undefined } | string {
  if (escape !== undefined && [...escape].length !== 1)
    return `the ESCAPE must be a single character, not '${escape}'`;
  return { escape };
}
