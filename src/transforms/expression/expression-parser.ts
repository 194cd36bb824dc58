import type { BinaryOperator, CastTarget, Expr, IntervalUnit, ProjectionItem } from './expression-ast.js';
import { tokenize, type Token } from './expression-lexer.js';
import { expressionError, type ExpressionSource } from './expression-source.js';
import { parseCastTarget } from './cast-target.js';

/** Binding powers, as Calcite ranks its operators. */
const PREC = { OR: 10, AND: 20, NOT: 25, IS: 28, COMPARE: 30, BETWEEN: 32, ADD: 40, MUL: 60, UNARY: 80 };

const BINARY_PREC: Readonly<Record<string, [BinaryOperator, number]>> = {
  OR: ['OR', PREC.OR],
  AND: ['AND', PREC.AND],
  '=': ['=', PREC.COMPARE],
  '<>': ['<>', PREC.COMPARE],
  '<': ['<', PREC.COMPARE],
  '<=': ['<=', PREC.COMPARE],
  '>': ['>', PREC.COMPARE],
  '>=': ['>=', PREC.COMPARE],
  '+': ['+', PREC.ADD],
  '-': ['-', PREC.ADD],
  '*': ['*', PREC.MUL],
  '/': ['/', PREC.MUL],
  '%': ['%', PREC.MUL],
  '||': ['||', PREC.MUL],
};

/** Words that cannot name a column without backquotes. */
const RESERVED = new Set(
  'NULL TRUE FALSE NOT AND OR IS IN LIKE SIMILAR BETWEEN CASE WHEN THEN ELSE END CAST TRY_CAST AS ESCAPE DISTINCT FROM INTERVAL'.split(
    ' ',
  ),
);

/** Functions called without parentheses (Flink CDC's niladic temporal functions). */
const NILADIC = new Set(['LOCALTIME', 'LOCALTIMESTAMP', 'CURRENT_TIME', 'CURRENT_DATE', 'CURRENT_TIMESTAMP']);

/** Functions whose first argument is a time unit keyword. */
const UNIT_FIRST = new Set(['TIMESTAMPADD', 'TIMESTAMPDIFF', 'TIMESTAMP_DIFF']);

const INTERVAL_UNITS: readonly IntervalUnit[] = [
  'YEAR TO MONTH',
  'DAY TO HOUR',
  'DAY TO MINUTE',
  'DAY TO SECOND',
  'HOUR TO MINUTE',
  'HOUR TO SECOND',
  'MINUTE TO SECOND',
  'YEAR',
  'MONTH',
  'DAY',
  'HOUR',
  'MINUTE',
  'SECOND',
];

/** Parses a filter (or any single expression). */
export function parseExpression(source: ExpressionSource): Expr {
  const p = new Parser(source);
  if (p.peek().kind === 'eof') throw expressionError(source, 0, 'is empty: write an expression');
  const e = p.expr(0);
  p.expectEnd();
  return e;
}

/** Parses a projection list: `*` (or `\*`), `expr [AS] name`, bare column names. */
export function parseProjection(source: ExpressionSource): ProjectionItem[] {
  const p = new Parser(source);
  const items: ProjectionItem[] = [];
  if (p.peek().kind === 'eof') throw expressionError(source, 0, 'is empty: write `\\*` or a list of columns');
  for (;;) {
    const t = p.peek();
    if (t.kind === 'op' && (t.text === '*' || t.text === '\\*')) {
      p.next();
      items.push({ kind: 'star', pos: t.pos });
    } else {
      const expr = p.expr(0);
      items.push({ kind: 'expr', pos: t.pos, expr, alias: p.alias() });
    }
    if (!p.accept(',')) break;
  }
  p.expectEnd();
  return items;
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(readonly source: ExpressionSource) {
    this.tokens = tokenize(source);
  }

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  /** Is the next token this keyword (case-insensitive) or operator? */
  is(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return (t.kind === 'ident' && t.text.toUpperCase() === word) || (t.kind === 'op' && t.text === word);
  }

  accept(word: string): boolean {
    if (!this.is(word)) return false;
    this.next();
    return true;
  }

  expect(word: string, context: string): Token {
    const t = this.peek();
    if (!this.is(word)) throw this.error(t, `expected ${word} ${context}, found ${describe(t)}`);
    return this.next();
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'eof') {
      const hint = t.kind === 'op' && t.text === ')' ? ' (a parenthesis too many?)' : '';
      throw this.error(t, `has ${describe(t)} where the expression should end${hint}`);
    }
  }

  error(t: Token, message: string): Error {
    return expressionError(this.source, t.pos, message);
  }

  /** An alias after a projected expression: `AS name`, or a bare name. */
  alias(): string | undefined {
    if (this.accept('AS')) {
      const t = this.next();
      if (t.kind === 'quoted' || (t.kind === 'ident' && !RESERVED.has(t.text.toUpperCase()))) return t.text;
      throw this.error(t, `expected a column name after AS, found ${describe(t)}`);
    }
    const t = this.peek();
    if (t.kind === 'quoted' || (t.kind === 'ident' && !RESERVED.has(t.text.toUpperCase()))) {
      this.next();
      return t.text;
    }
    return undefined;
  }

  expr(minPrec: number): Expr {
    let left = this.prefix();
    for (;;) {
      const next = this.infix(left, minPrec);
      if (next === undefined) return left;
      left = next;
    }
  }

  private infix(left: Expr, minPrec: number): Expr | undefined {
    const t = this.peek();
    const word = t.kind === 'ident' ? t.text.toUpperCase() : t.kind === 'op' ? t.text : '';
    const bin = BINARY_PREC[word];
    if (bin && bin[1] > minPrec) {
      this.next();
      return { kind: 'binary', pos: t.pos, op: bin[0], left, right: this.expr(bin[1]) };
    }
    if (word === 'IS' && PREC.IS > minPrec) return this.isTest(left);
    const not = word === 'NOT' && ['BETWEEN', 'LIKE', 'IN', 'SIMILAR'].some((w) => this.is(w, 1));
    const op = not ? this.peek(1).text.toUpperCase() : word;
    if (PREC.BETWEEN <= minPrec || !['BETWEEN', 'LIKE', 'IN', 'SIMILAR'].includes(op)) return undefined;
    this.next();
    if (not) this.next();
    if (op === 'BETWEEN') return this.between(left, not, t.pos);
    if (op === 'IN') return this.inList(left, not, t.pos);
    const similar = op === 'SIMILAR';
    if (similar) this.expect('TO', 'after SIMILAR');
    const pattern = this.expr(PREC.BETWEEN);
    const escape = this.accept('ESCAPE') ? this.expr(PREC.BETWEEN) : undefined;
    return { kind: 'like', pos: t.pos, similar, arg: left, pattern, escape, not };
  }

  private isTest(arg: Expr): Expr {
    const pos = this.next().pos;
    const not = this.accept('NOT');
    if (this.accept('DISTINCT')) {
      this.expect('FROM', 'after IS [NOT] DISTINCT');
      return { kind: 'distinct', pos, left: arg, right: this.expr(PREC.IS), not };
    }
    const t = this.next();
    const test = t.kind === 'ident' ? t.text.toUpperCase() : '';
    if (test === 'NULL' || test === 'TRUE' || test === 'FALSE' || test === 'UNKNOWN') {
      return { kind: 'is', pos, arg, test, not };
    }
    throw this.error(
      t,
      `expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS, found ${describe(t)}`,
    );
  }

  private between(arg: Expr, not: boolean, pos: number): Expr {
    this.accept('ASYMMETRIC');
    const low = this.expr(PREC.BETWEEN);
    this.expect('AND', 'in BETWEEN … AND …');
    const high = this.expr(PREC.BETWEEN);
    return { kind: 'between', pos, arg, low, high, not };
  }

  private inList(arg: Expr, not: boolean, pos: number): Expr {
    this.expect('(', 'after IN');
    const list = this.args(')');
    if (list.length === 0) throw this.error(this.peek(), 'IN needs at least one value');
    return { kind: 'in', pos, arg, list, not };
  }

  /** Comma-separated expressions up to the closing token (consumed). */
  args(close: string): Expr[] {
    const list: Expr[] = [];
    if (this.accept(close)) return list;
    do list.push(this.expr(0));
    while (this.accept(','));
    this.expect(close, 'to close the list');
    return list;
  }

  private prefix(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return { kind: 'literal', pos: t.pos, literal: { kind: 'number', text: t.text } };
      case 'string':
        return { kind: 'literal', pos: t.pos, literal: { kind: 'string', value: t.text } };
      case 'quoted':
        if (this.is('(')) return this.call(t, t.text);
        return { kind: 'column', pos: t.pos, name: t.text };
      case 'ident':
        return this.word(t);
      case 'op':
        return this.operatorPrefix(t);
      case 'eof':
        throw this.error(t, 'ends where an operand is expected');
    }
  }

  private operatorPrefix(t: Token): Expr {
    if (t.text === '(') {
      const e = this.expr(0);
      this.expect(')', 'to close the parenthesis');
      return e;
    }
    if (t.text === '-' || t.text === '+') {
      const arg = this.expr(PREC.UNARY);
      return { kind: 'unary', pos: t.pos, op: t.text, arg };
    }
    throw this.error(t, `has ${describe(t)} where an operand is expected`);
  }

  private word(t: Token): Expr {
    const upper = t.text.toUpperCase();
    const pos = t.pos;
    switch (upper) {
      case 'NULL':
        return { kind: 'literal', pos, literal: { kind: 'null' } };
      case 'TRUE':
      case 'FALSE':
        return { kind: 'literal', pos, literal: { kind: 'boolean', value: upper === 'TRUE' } };
      case 'NOT':
        return { kind: 'unary', pos, op: 'NOT', arg: this.expr(PREC.NOT) };
      case 'CASE':
        return this.caseExpr(pos);
      case 'CAST':
      case 'TRY_CAST':
        return this.cast(pos, upper === 'TRY_CAST');
      case 'INTERVAL':
        return this.interval(pos, false);
      case 'DATE':
      case 'TIME':
      case 'TIMESTAMP':
        if (this.peek().kind === 'string') {
          const value = this.next().text;
          const kind = upper === 'DATE' ? 'date' : upper === 'TIME' ? 'time' : 'timestamp';
          return { kind: 'literal', pos, literal: { kind, value } };
        }
    }
    if (this.is('(')) return this.call(t, upper);
    if (NILADIC.has(upper)) return { kind: 'call', pos, name: upper, args: [] };
    if (RESERVED.has(upper)) throw this.error(t, `has the keyword ${upper} where an operand is expected`);
    if (this.is('.'))
      throw this.error(this.peek(), 'qualified names (a.b) are not supported: name the column alone');
    return { kind: 'column', pos, name: t.text };
  }

  private call(t: Token, name: string): Expr {
    this.expect('(', 'after the function name');
    const pos = t.pos;
    switch (name) {
      case 'EXTRACT':
        return this.extract(pos);
      case 'TRIM':
        return this.trim(pos);
      case 'SUBSTRING':
        return this.fromForCall(pos, name, 'FROM', 'FOR');
      case 'OVERLAY':
        return this.overlay(pos);
      case 'POSITION':
        return this.position(pos);
    }
    if (UNIT_FIRST.has(name)) {
      const unit = this.next();
      if (unit.kind !== 'ident')
        throw this.error(unit, `expected a time unit (SECOND … YEAR), found ${describe(unit)}`);
      const args: Expr[] = [{ kind: 'symbol', pos: unit.pos, name: unit.text.toUpperCase() }];
      while (this.accept(',')) args.push(this.expr(0));
      this.expect(')', `to close ${name}(`);
      return { kind: 'call', pos, name, args };
    }
    return { kind: 'call', pos, name, args: this.args(')') };
  }

  private extract(pos: number): Expr {
    const unit = this.next();
    if (unit.kind !== 'ident') throw this.error(unit, `expected a time unit, found ${describe(unit)}`);
    this.expect('FROM', 'in EXTRACT(unit FROM value)');
    const arg = this.expr(0);
    this.expect(')', 'to close EXTRACT(');
    return {
      kind: 'call',
      pos,
      name: 'EXTRACT',
      args: [{ kind: 'symbol', pos: unit.pos, name: unit.text.toUpperCase() }, arg],
    };
  }

  /** TRIM(s), TRIM([BOTH|LEADING|TRAILING] [chars] FROM s), as TRIM(mode, chars, s). */
  private trim(pos: number): Expr {
    const modeToken = this.peek();
    const mode = ['BOTH', 'LEADING', 'TRAILING'].find((m) => this.is(m));
    if (mode) this.next();
    let chars: Expr | undefined;
    let value: Expr;
    if (mode && this.accept('FROM')) {
      value = this.expr(0);
    } else {
      const first = this.expr(0);
      if (this.accept('FROM')) {
        chars = first;
        value = this.expr(0);
      } else if (mode) {
        throw this.error(this.peek(), `expected FROM in TRIM(${mode} … FROM value)`);
      } else {
        value = first;
      }
    }
    this.expect(')', 'to close TRIM(');
    const space: Expr = { kind: 'literal', pos, literal: { kind: 'string', value: ' ' } };
    const modeSymbol: Expr = { kind: 'symbol', pos: modeToken.pos, name: mode ?? 'BOTH' };
    return { kind: 'call', pos, name: 'TRIM', args: [modeSymbol, chars ?? space, value] };
  }

  /** SUBSTRING(s FROM a [FOR b]) or SUBSTRING(s, a [, b]). */
  private fromForCall(pos: number, name: string, from: string, forWord: string): Expr {
    const args = [this.expr(0)];
    if (this.accept(from)) {
      args.push(this.expr(0));
      if (this.accept(forWord)) args.push(this.expr(0));
    } else {
      while (this.accept(',')) args.push(this.expr(0));
    }
    this.expect(')', `to close ${name}(`);
    return { kind: 'call', pos, name, args };
  }

  /** OVERLAY(s PLACING r FROM a [FOR b]). */
  private overlay(pos: number): Expr {
    const args = [this.expr(0)];
    this.expect('PLACING', 'in OVERLAY(value PLACING replacement FROM start)');
    args.push(this.expr(0));
    this.expect('FROM', 'in OVERLAY(value PLACING replacement FROM start)');
    args.push(this.expr(0));
    if (this.accept('FOR')) args.push(this.expr(0));
    this.expect(')', 'to close OVERLAY(');
    return { kind: 'call', pos, name: 'OVERLAY', args };
  }

  /** POSITION(a IN b [FROM n]). */
  private position(pos: number): Expr {
    const args = [this.expr(PREC.BETWEEN)];
    this.expect('IN', 'in POSITION(needle IN value)');
    args.push(this.expr(0));
    if (this.accept('FROM')) args.push(this.expr(0));
    this.expect(')', 'to close POSITION(');
    return { kind: 'call', pos, name: 'POSITION', args };
  }

  private caseExpr(pos: number): Expr {
    const operand = this.is('WHEN') ? undefined : this.expr(0);
    const whens: { when: Expr[]; then: Expr }[] = [];
    while (this.accept('WHEN')) {
      const when = [this.expr(0)];
      while (operand && this.accept(',')) when.push(this.expr(0));
      this.expect('THEN', 'after CASE … WHEN condition');
      whens.push({ when, then: this.expr(0) });
    }
    if (whens.length === 0) throw this.error(this.peek(), 'expected WHEN in CASE');
    const otherwise = this.accept('ELSE') ? this.expr(0) : undefined;
    this.expect('END', 'to close CASE');
    return { kind: 'case', pos, operand, whens, otherwise };
  }

  private cast(pos: number, isTry: boolean): Expr {
    const name = isTry ? 'TRY_CAST' : 'CAST';
    this.expect('(', `after ${name}`);
    const arg = this.expr(0);
    this.expect('AS', `in ${name}(value AS type)`);
    const target: CastTarget = parseCastTarget(this);
    this.expect(')', `to close ${name}(`);
    return { kind: 'cast', pos, arg, target, try: isTry };
  }

  /** INTERVAL '1' DAY, INTERVAL '1-2' YEAR TO MONTH, INTERVAL '-1 02:00' DAY TO MINUTE. */
  private interval(pos: number, negative: boolean): Expr {
    const sign = this.is('-') ? (this.next(), true) : (this.accept('+'), false);
    const t = this.next();
    if (t.kind !== 'string' && t.kind !== 'number')
      throw this.error(t, `expected the interval's value in quotes, found ${describe(t)}`);
    const unitToken = this.peek();
    const words: string[] = [];
    const unitWord = (): boolean => INTERVAL_UNITS.includes(this.peek().text.toUpperCase() as IntervalUnit);
    if (unitWord()) words.push(this.next().text.toUpperCase());
    if (words.length && this.is('TO')) {
      words.push(this.next().text.toUpperCase());
      if (unitWord()) words.push(this.next().text.toUpperCase());
    }
    const written = words.join(' ');
    const unit = INTERVAL_UNITS.find((u) => u === written);
    if (!unit)
      throw this.error(
        unitToken,
        `expected an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, YEAR TO MONTH, DAY TO SECOND …), found ${written || describe(unitToken)}`,
      );
    return {
      kind: 'literal',
      pos,
      literal: { kind: 'interval', value: t.text, unit, negative: negative !== sign },
    };
  }
}

export type { Parser };

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end';
    case 'string':
      return `'${t.text}'`;
    case 'quoted':
      return `\`${t.text}\``;
    default:
      return `"${t.text}"`;
  }
}
