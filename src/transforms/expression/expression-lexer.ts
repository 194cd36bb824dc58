import { expressionError, type ExpressionSource } from './expression-source.js';

export type TokenKind = 'ident' | 'quoted' | 'number' | 'string' | 'op' | 'eof';

/** One token; `text` is the identifier/operator/number as written, or a string's value. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
}

const OPERATORS = [
  '<>',
  '!=',
  '<=',
  '>=',
  '||',
  '\\*',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  ',',
  '.',
];

/** Splits an expression into tokens; the last is `eof`. */
export function tokenize(source: ExpressionSource): Token[] {
  const text = source.text;
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('--', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw expressionError(source, i, 'has a comment that is never closed: add */');
      i = end + 2;
    } else if (/[A-Za-z_$]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_$]/.test(text[i]!)) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), pos: start });
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      i = readNumber(source, i, tokens);
    } else if (c === "'") {
      i = readQuoted(source, i, "'", 'string', tokens);
    } else if (c === '`') {
      i = readQuoted(source, i, '`', 'quoted', tokens);
    } else if (c === '"') {
      throw expressionError(
        source,
        i,
        'uses a double quote: write strings in single quotes and names in backquotes',
      );
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (!op) throw expressionError(source, i, `has an unexpected character ${JSON.stringify(c)}`);
      tokens.push({ kind: 'op', text: op === '!=' ? '<>' : op, pos: i });
      i += op.length;
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}

function readNumber(source: ExpressionSource, start: number, tokens: Token[]): number {
  const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(source.text.slice(start))!;
  const end = start + m[0].length;
  if (/[A-Za-z_$]/.test(source.text[end] ?? '')) {
    throw expressionError(
      source,
      start,
      `has a malformed number ${JSON.stringify(source.text.slice(start, end + 1))}`,
    );
  }
  tokens.push({ kind: 'number', text: m[0], pos: start });
  return end;
}

/** A '…' string or `…` name; a doubled quote stands for one. */
function readQuoted(
  source: ExpressionSource,
  start: number,
  quote: string,
  kind: TokenKind,
  tokens: Token[],
): number {
  const text = source.text;
  let value = '';
  let i = start + 1;
  for (;;) {
    const end = text.indexOf(quote, i);
    if (end < 0) {
      const what = kind === 'string' ? 'string' : 'quoted name';
      throw expressionError(source, start, `has a ${what} that is never closed: add ${quote}`);
    }
    value += text.slice(i, end);
    if (text[end + 1] === quote) {
      value += quote;
      i = end + 2;
    } else {
      tokens.push({ kind, text: value, pos: start });
      return end + 1;
    }
  }
}
