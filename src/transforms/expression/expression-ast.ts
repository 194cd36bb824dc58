import type { ColumnType } from '../../event/column-type.js';

/** Offsets are UTF-16 indexes into the expression text (see expressionError). */
interface Node {
  readonly pos: number;
}

export type BinaryOperator =
  '+' | '-' | '*' | '/' | '%' | '||' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'AND' | 'OR';

/** A literal as written: numbers keep their text so that DECIMAL literals stay exact. */
export type Literal =
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'date' | 'time' | 'timestamp'; readonly value: string }
  | {
      readonly kind: 'interval';
      readonly value: string;
      readonly unit: IntervalUnit;
      readonly negative: boolean;
    };

export type IntervalUnit =
  | 'YEAR'
  | 'MONTH'
  | 'YEAR TO MONTH'
  | 'DAY'
  | 'HOUR'
  | 'MINUTE'
  | 'SECOND'
  | 'DAY TO HOUR'
  | 'DAY TO MINUTE'
  | 'DAY TO SECOND'
  | 'HOUR TO MINUTE'
  | 'HOUR TO SECOND'
  | 'MINUTE TO SECOND';

/** The target of CAST / TRY_CAST, already mapped to a column type. */
export interface CastTarget {
  readonly type: ColumnType;
  /** The type as written, for messages. */
  readonly text: string;
}

export type Expr =
  | (Node & { readonly kind: 'literal'; readonly literal: Literal })
  | (Node & { readonly kind: 'column'; readonly name: string })
  /** A keyword argument of a special function: TIMESTAMPADD(DAY, ...), EXTRACT(YEAR FROM ...). */
  | (Node & { readonly kind: 'symbol'; readonly name: string })
  | (Node & { readonly kind: 'unary'; readonly op: '-' | '+' | 'NOT'; readonly arg: Expr })
  | (Node & {
      readonly kind: 'binary';
      readonly op: BinaryOperator;
      readonly left: Expr;
      readonly right: Expr;
    })
  | (Node & {
      readonly kind: 'is';
      readonly arg: Expr;
      readonly test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN';
      readonly not: boolean;
    })
  | (Node & { readonly kind: 'distinct'; readonly left: Expr; readonly right: Expr; readonly not: boolean })
  | (Node & {
      readonly kind: 'between';
      readonly arg: Expr;
      readonly low: Expr;
      readonly high: Expr;
      readonly not: boolean;
    })
  | (Node & {
      readonly kind: 'like';
      readonly similar: boolean;
      readonly arg: Expr;
      readonly pattern: Expr;
      readonly escape: Expr | undefined;
      readonly not: boolean;
    })
  | (Node & {
      readonly kind: 'in';
      readonly arg: Expr;
      readonly list: readonly Expr[];
      readonly not: boolean;
    })
  | (Node & {
      readonly kind: 'case';
      readonly operand: Expr | undefined;
      /** Searched CASE: one condition per WHEN; simple CASE: the values a WHEN lists. */
      readonly whens: readonly { readonly when: readonly Expr[]; readonly then: Expr }[];
      readonly otherwise: Expr | undefined;
    })
  | (Node & { readonly kind: 'cast'; readonly arg: Expr; readonly target: CastTarget; readonly try: boolean })
  | (Node & { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[] });

/** One item of a projection list. */
export type ProjectionItem =
  | { readonly kind: 'star'; readonly pos: number }
  | { readonly kind: 'expr'; readonly pos: number; readonly expr: Expr; readonly alias: string | undefined };
