import type { PipelineSpec } from '../pipeline-spec/pipeline-spec.js';
import { parseExpression, parseProjection } from './expression/index.js';

/**
 * Parses every transform rule's `projection` and `filter` without a table schema: what `validate`
 * can check offline. Throws the first syntax error (CONFIG_INVALID, `file:line:column`); types and
 * column names are checked when the table's schema is known, at the start of `run`.
 */
export function checkTransformSyntax(spec: PipelineSpec): void {
  spec.transforms.forEach((rule, i) => {
    const at = spec.transformPositions?.[i];
    const source = (key: 'projection' | 'filter', text: string) => ({
      text,
      ...(at?.[key] ? { position: at[key] } : {}),
      what: `transform[${i}].${key}`,
      file: spec.origin,
    });
    const projection = rule.projection?.trim();
    if (projection && projection !== '*' && projection !== '\\*')
      parseProjection(source('projection', rule.projection!));
    if (rule.filter?.trim()) parseExpression(source('filter', rule.filter));
  });
}
