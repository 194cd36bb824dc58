import { CONDITIONAL_FUNCTIONS } from './conditional-functions.js';
import type { BuiltinFunction, FunctionInfo } from './function-kit.js';
import { NUMERIC_FUNCTIONS } from './numeric-functions.js';
import { STRING_FUNCTIONS } from './string-functions.js';
import { TEMPORAL_FUNCTIONS } from './temporal-functions.js';
import { CAST_TARGETS } from './cast-target.js';

const op = (
  name: string,
  category: FunctionInfo['category'],
  signature: string,
  description: string,
): BuiltinFunction => ({
  name,
  category,
  signature,
  description,
});

const OPERATORS: readonly BuiltinFunction[] = [
  op(
    '=',
    'comparison',
    'value1 = value2',
    'Whether value1 equals value2; FALSE if either is NULL (as Flink CDC). Numbers compare by value across types.',
  ),
  op(
    '<>',
    'comparison',
    'value1 <> value2, value1 != value2',
    'Whether value1 differs from value2; FALSE if either is NULL (as Flink CDC).',
  ),
  op('>', 'comparison', 'value1 > value2', 'Whether value1 is greater than value2; FALSE if either is NULL.'),
  op(
    '>=',
    'comparison',
    'value1 >= value2',
    'Whether value1 is greater than or equal to value2; FALSE if either is NULL.',
  ),
  op('<', 'comparison', 'value1 < value2', 'Whether value1 is less than value2; FALSE if either is NULL.'),
  op(
    '<=',
    'comparison',
    'value1 <= value2',
    'Whether value1 is less than or equal to value2; FALSE if either is NULL.',
  ),
  op('IS NULL', 'comparison', 'value IS [NOT] NULL', 'Whether value is (not) NULL.'),
  op(
    'IS DISTINCT FROM',
    'comparison',
    'value1 IS [NOT] DISTINCT FROM value2',
    'Whether the values differ, NULL counting as a value (never NULL).',
  ),
  op(
    'BETWEEN',
    'comparison',
    'value1 [NOT] BETWEEN [ASYMMETRIC] value2 AND value3',
    'Whether value2 <= value1 <= value3.',
  ),
  op(
    'IN',
    'comparison',
    'value1 [NOT] IN (value2 [, value3]*)',
    'Whether value1 is one of the listed values; FALSE if value1 is NULL, and a NULL in the list matches nothing.',
  ),
  op(
    'AND',
    'logical',
    'boolean1 AND boolean2',
    'TRUE if both are TRUE, FALSE if either is FALSE, else NULL.',
  ),
  op('OR', 'logical', 'boolean1 OR boolean2', 'TRUE if either is TRUE, FALSE if both are FALSE, else NULL.'),
  op('NOT', 'logical', 'NOT boolean', 'TRUE for FALSE, FALSE for TRUE, NULL for NULL.'),
  op('IS TRUE', 'logical', 'boolean IS [NOT] TRUE', 'Whether boolean is (not) TRUE; never NULL.'),
  op('IS FALSE', 'logical', 'boolean IS [NOT] FALSE', 'Whether boolean is (not) FALSE; never NULL.'),
  op('IS UNKNOWN', 'logical', 'boolean IS [NOT] UNKNOWN', 'Whether boolean is (not) NULL.'),
  op(
    'CAST',
    'casting',
    'CAST(value AS type)',
    `value converted to type (${CAST_TARGETS}); fails the row when it cannot be.`,
  ),
  op(
    'TRY_CAST',
    'casting',
    'TRY_CAST(value AS type)',
    'Like CAST, but NULL when the value cannot be converted.',
  ),
];

/** Every built-in operator and function, as the reference documents them. */
export const BUILTIN_FUNCTIONS: readonly BuiltinFunction[] = [
  ...OPERATORS,
  ...NUMERIC_FUNCTIONS,
  ...STRING_FUNCTIONS,
  ...TEMPORAL_FUNCTIONS,
  ...CONDITIONAL_FUNCTIONS,
];

/**
 * What Flink CDC lists but this version refuses, with why: each is a compile error saying so,
 * never a wrong result. ARRAY, MAP, ROW and VARIANT have no column type here yet.
 */
export const UNSUPPORTED_FUNCTIONS: Readonly<Record<string, string>> = {
  REGEXP_EXTRACT_ALL: 'returns an ARRAY',
  ARRAY: 'builds an ARRAY',
  MAP: 'builds a MAP',
  ROW: 'builds a ROW',
  CARDINALITY: 'reads an ARRAY or MAP',
  ARRAY_CONTAINS: 'reads an ARRAY',
  ARRAY_POSITION: 'reads an ARRAY',
  ELEMENT: 'reads an ARRAY',
  PARSE_JSON: 'returns a VARIANT',
  TRY_PARSE_JSON: 'returns a VARIANT',
  AI_CHAT_PREDICT: 'calls an AI model',
  GET_EMBEDDING: 'calls an AI model',
  AI_LANGCHAIN_PREDICT: 'calls an AI model',
};

/** The reference rows (name, category, signature, description) for docs. */
export function functionReference(): FunctionInfo[] {
  return BUILTIN_FUNCTIONS.map(({ name, category, signature, description }) => ({
    name,
    category,
    signature,
    description,
  }));
}

const BY_NAME = new Map(BUILTIN_FUNCTIONS.filter((f) => f.compile).map((f) => [f.name, f] as const));

export function builtinFunction(name: string): BuiltinFunction | undefined {
  return BY_NAME.get(name.toUpperCase());
}

export function builtinFunctionNames(): string[] {
  return [...BY_NAME.keys()];
}
