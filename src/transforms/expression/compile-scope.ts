import type { ColumnType, Value } from '../../event/column-type.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import { didYouMean } from '../../pipeline-spec/did-you-mean.js';
import { errorPrefix, expressionError, positionAt, type ExpressionSource } from './expression-source.js';
import { expressionView, type Compiled, type Evaluator } from './expression-types.js';
import type { TimeZone } from './time-zone.js';
import type { UserFunction } from './user-function.js';

/** A name an expression can read: a table column, a metadata column or a projected column. */
export interface ScopeColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** Reads the stored value (the column's own representation). */
  readonly read: Evaluator;
  /** The table column's index, for the check that a row image has it. */
  readonly index: number | undefined;
  /** Table columns read by a projected column's expression. */
  readonly reads?: readonly number[];
}

/** What names, functions and zone an expression is compiled against; reports errors. */
export class CompileScope {
  /** Indexes of the table columns the expression reads. */
  readonly used = new Set<number>();
  /** Whether the expression reads the clock or random numbers (CURRENT_TIMESTAMP, UUID()). */
  volatile = false;

  constructor(
    readonly source: ExpressionSource,
    private readonly columns: readonly ScopeColumn[],
    readonly userFunctions: ReadonlyMap<string, UserFunction>,
    readonly timeZone: TimeZone,
  ) {}

  fail(pos: number, message: string): TidemarkError {
    return expressionError(this.source, pos, message);
  }

  /** An error while evaluating a row (division by zero, a CAST that cannot convert). */
  runtimeError(pos: number, message: string): TidemarkError {
    const { line, column } = positionAt(this.source, pos);
    return new TidemarkError('VALUE_INVALID', `${errorPrefix(this.source, line, column)}${message}`, {
      details: { line, column, expression: this.source.text },
    });
  }

  /** The column of that name (exact, else the one case-insensitive match). */
  lookup(name: string): ScopeColumn | undefined {
    const exact = this.columns.find((c) => c.name === name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    const matches = this.columns.filter((c) => c.name.toLowerCase() === lower);
    return matches.length === 1 ? matches[0] : undefined;
  }

  /** A column reference, in its expression type. */
  column(name: string, pos: number): Compiled {
    const col = this.lookup(name);
    if (!col) {
      const known = this.columns.map((c) => c.name);
      throw this.fail(
        pos,
        `has an unknown column ${name}${didYouMean(name, known)} (columns: ${known.join(', ')})`,
      );
    }
    this.markRead(col);
    const view = expressionView(col.type);
    const convert = view.convert;
    const read = col.read;
    const evaluate: Evaluator = convert ? (row, ctx) => convert(read(row, ctx) ?? null) : read;
    return { type: view.type, nullable: col.nullable, eval: evaluate, constant: false, pos };
  }

  markRead(col: ScopeColumn): void {
    if (col.index !== undefined) this.used.add(col.index);
    for (const i of col.reads ?? []) this.used.add(i);
  }
}

/** A compiled constant. */
export function constant(value: Value, type: Compiled['type'], pos: number): Compiled {
  return { type, nullable: value === null, eval: () => value, constant: true, pos };
}
