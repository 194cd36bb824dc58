import type { ColumnType } from '../../event/column-type.js';
import type { CastTarget } from './expression-ast.js';
import type { Parser } from './expression-parser.js';

/** The CAST targets Flink CDC transforms accept (its CastingFunctions); others are refused. */
export const CAST_TARGETS =
  'BOOLEAN, TINYINT, SMALLINT, INT/INTEGER, BIGINT, FLOAT, DOUBLE, DECIMAL(p, s), CHAR(n), VARCHAR(n), STRING, TIMESTAMP(p)';

/** Parses the type of CAST(x AS type). */
export function parseCastTarget(p: Parser): CastTarget {
  const t = p.next();
  if (t.kind !== 'ident') throw p.error(t, `expected a type after AS (${CAST_TARGETS})`);
  const name = t.text.toUpperCase();
  const params: number[] = [];
  if (p.accept('(')) {
    do {
      const n = p.next();
      if (n.kind !== 'number' || !/^[0-9]+$/.test(n.text))
        throw p.error(n, `expected a whole number in ${name}(…)`);
      params.push(Number(n.text));
    } while (p.accept(','));
    p.expect(')', `to close ${name}(`);
  }
  if (name === 'DOUBLE') p.accept('PRECISION');
  const text = params.length ? `${name}(${params.join(', ')})` : name;
  const type = castType(name, params);
  if (typeof type === 'string') throw p.error(t, type);
  return { type, text };
}

function castType(name: string, params: number[]): ColumnType | string {
  const none = (type: ColumnType): ColumnType | string =>
    params.length ? `${name} takes no (precision) here` : type;
  switch (name) {
    case 'BOOLEAN':
      return none({ kind: 'boolean' });
    case 'TINYINT':
      return none({ kind: 'integer', bytes: 1, unsigned: false });
    case 'SMALLINT':
      return none({ kind: 'integer', bytes: 2, unsigned: false });
    case 'INT':
    case 'INTEGER':
      return none({ kind: 'integer', bytes: 4, unsigned: false });
    case 'BIGINT':
      return none({ kind: 'integer', bytes: 8, unsigned: false });
    case 'FLOAT':
      return none({ kind: 'float' });
    case 'DOUBLE':
      return none({ kind: 'double' });
    case 'DECIMAL':
    case 'DEC':
    case 'NUMERIC':
      return decimalType(params);
    case 'CHAR':
    case 'VARCHAR':
      return stringType(name, params);
    case 'STRING':
      return none({ kind: 'string' });
    case 'TIMESTAMP': {
      const precision = params[0] ?? 6;
      if (params.length > 1 || precision > 9) return 'TIMESTAMP takes one precision, 0 to 9';
      return { kind: 'timestamp', precision };
    }
    default:
      return `CAST to ${name} is not supported (Flink CDC transforms cast to ${CAST_TARGETS})`;
  }
}

function decimalType(params: number[]): ColumnType | string {
  const [precision = 10, scale = 0] = params;
  if (params.length > 2 || precision < 1 || precision > 38 || scale > precision) {
    return 'DECIMAL(p, s) needs 1 <= p <= 38 and 0 <= s <= p';
  }
  return { kind: 'decimal', precision, scale };
}

function stringType(name: string, params: number[]): ColumnType | string {
  if (params.length > 1 || params[0] === 0) return `${name}(n) takes one length n >= 1`;
  if (name === 'CHAR') return { kind: 'string', length: params[0] ?? 1, fixed: true };
  return params.length ? { kind: 'string', length: params[0]! } : { kind: 'string' };
}
