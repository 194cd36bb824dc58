import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Expr } from './expression-ast.js';
import { parseExpression, parseProjection } from './expression-parser.js';
import { positionAt } from './expression-source.js';

/** A compact rendering of a tree, to compare shapes. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.literal.kind === 'number'
        ? e.literal.text
        : e.literal.kind === 'string'
          ? `'${e.literal.value}'`
          : e.literal.kind.toUpperCase();
    case 'column':
      return e.name;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'unary':
      return `(${e.op} ${show(e.arg)})`;
    case 'call':
      return `${e.name}(${e.args.map(show).join(', ')})`;
    case 'symbol':
      return `:${e.name}`;
    case 'is':
      return `(${show(e.arg)} IS ${e.not ? 'NOT ' : ''}${e.test})`;
    case 'between':
      return `(${show(e.arg)} ${e.not ? 'NOT ' : ''}BETWEEN ${show(e.low)} AND ${show(e.high)})`;
    case 'in':
      return `(${show(e.arg)} ${e.not ? 'NOT ' : ''}IN ${e.list.map(show).join(' ')})`;
    case 'like':
      return `(${show(e.arg)} ${e.not ? 'NOT ' : ''}LIKE ${show(e.pattern)})`;
    default:
      return e.kind;
  }
}

const p = (text: string): string => show(parseExpression({ text }));

describe('expression parser', () => {
  it('ranks operators as Calcite does', () => {
    assert.equal(p('a + b * c'), '(a + (b * c))');
    assert.equal(p('a OR b AND c'), '(a OR (b AND c))');
    assert.equal(p('NOT a = 1'), '(NOT (a = 1))');
    assert.equal(p("a || 'x' = 'yx'"), "((a || 'x') = 'yx')");
    assert.equal(p('-a + 1'), '((- a) + 1)');
    assert.equal(p('a - b - c'), '((a - b) - c)');
    assert.equal(p('x BETWEEN 1 AND 2 + 1 AND y'), '((x BETWEEN 1 AND (2 + 1)) AND y)');
    assert.equal(p('x NOT IN (1, 2)'), '(x NOT IN 1 2)');
    assert.equal(p("x NOT LIKE 'a%'"), "(x NOT LIKE 'a%')");
    assert.equal(p('x IS NOT NULL AND y IS TRUE'), '((x IS NOT NULL) AND (y IS TRUE))');
    assert.equal(p('a != b'), '(a <> b)');
  });
  it('reads special call syntax', () => {
    assert.equal(p('TIMESTAMPADD(day, 1, ts)'), 'TIMESTAMPADD(:DAY, 1, ts)');
    assert.equal(p('EXTRACT(YEAR FROM ts)'), 'EXTRACT(:YEAR, ts)');
    assert.equal(p('SUBSTRING(s FROM 2 FOR 3)'), 'SUBSTRING(s, 2, 3)');
    assert.equal(p("TRIM(LEADING 'x' FROM s)"), "TRIM(:LEADING, 'x', s)");
    assert.equal(p('POSITION(a IN b)'), 'POSITION(a, b)');
    assert.equal(p('localtimestamp'), 'LOCALTIMESTAMP()');
    assert.equal(p('`select` + 1'), '(select + 1)');
    assert.equal(p("'it''s'"), "'it's'");
  });
  it('reads projection lists', () => {
    const items = parseProjection({ text: "\\*, UPPER(a) AS b, c d, `e f`, 'x' AS `g`" });
    assert.deepEqual(
      items.map((i) => (i.kind === 'star' ? '*' : `${show(i.expr)}${i.alias ? ` AS ${i.alias}` : ''}`)),
      ['*', 'UPPER(a) AS b', 'c AS d', 'e f', "'x' AS g"],
    );
    assert.equal(parseProjection({ text: '*' })[0]!.kind, 'star');
  });
  it('ignores comments', () => {
    assert.equal(p('a -- the rest\n + /* b */ 1'), '(a + 1)');
  });
  it('names the position of syntax errors', () => {
    const at = (text: string): string => {
      try {
        parseExpression({ text, position: { line: 4, column: 11 } });
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    assert.match(at('a = = 1'), /^4:15: has "=" where an operand is expected/);
    assert.match(at('a = (1'), /^4:17: expected \) to close the parenthesis, found the end/);
    assert.match(at('a b'), /^4:13: has "b" where the expression should end/);
    assert.match(at('"a"'), /^4:11: uses a double quote/);
    assert.match(at('CASE WHEN a THEN 1'), /expected END to close CASE/);
    assert.match(at('CAST(a AS)'), /expected a type after AS/);
    assert.match(at("INTERVAL '1' WEEK"), /expected an interval unit/);
    assert.match(at('a IS MAYBE'), /expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS/);
  });
  it('maps offsets of block scalars to later lines', () => {
    const source = { text: 'a,\n  b +\n  c', position: { line: 20, column: 17, continuationColumn: 7 } };
    assert.deepEqual(positionAt(source, 0), { line: 20, column: 17 });
    assert.deepEqual(positionAt(source, 5), { line: 21, column: 9 });
    assert.deepEqual(positionAt(source, 11), { line: 22, column: 9 });
  });
});
