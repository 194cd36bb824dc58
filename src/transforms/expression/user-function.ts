import type { ColumnType, Value } from '../../event/column-type.js';

/**
 * A function of `pipeline.user-defined-function`, callable in projections and filters. It gets
 * its arguments' values in the representation of column-type.ts (NULL as null) and returns one
 * in the representation of its return type.
 */
export interface UserFunction {
  readonly fn: (...args: Value[]) => Value;
  /** The return type, fixed or computed from the argument types at compile time. */
  readonly returnType: ColumnType | ((argTypes: readonly ColumnType[]) => ColumnType);
  /** Whether the result can be NULL (default true). */
  readonly nullable?: boolean;
}
