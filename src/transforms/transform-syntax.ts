import { TidemarkError } from '../event/tidemark-error.js';
import type { CheckProblem, ParsedBlocks } from '../pipeline-spec/yaml-pipeline-loader.js';
import { tableSelectorProblem } from '../routing/table-selector.js';
import { parseExpression, parseProjection, type ExpressionSource } from './expression/index.js';

/**
 * Parses every transform rule's `source-table`, `projection` and `filter` without a table schema:
 * what can be checked offline. Every syntax error is returned, each at its line and column; types
 * and column names are checked when the table's schema is known, at the start of `run`.
 */
export function transformSyntaxProblems(blocks: ParsedBlocks): CheckProblem[] {
  const problems: CheckProblem[] = [];
  (blocks.transforms ?? []).forEach((rule, i) => {
    const tables = tableSelectorProblem(rule['source-table']);
    if (tables)
      problems.push({
        path: ['transform', i, 'source-table'],
        message: `transform[${i}].source-table: ${tables}`,
      });
    const at = blocks.transformPositions?.[i];
    const check = (
      key: 'projection' | 'filter',
      text: string,
      parse: (s: ExpressionSource) => unknown,
    ): void => {
      try {
        parse({ text, ...(at?.[key] ? { position: at[key] } : {}), what: `transform[${i}].${key}` });
      } catch (e) {
        if (!(e instanceof TidemarkError)) throw e;
        const { line, column } = (e.details ?? {}) as { line?: number; column?: number };
        // the message starts with `line:column: `; the loader adds the file and position
        const message = e.message.replace(/^\d+:\d+: /, '');
        problems.push({ path: ['transform', i, key], message, ...(line ? { line, column } : {}) });
      }
    };
    const projection = rule.projection?.trim();
    if (projection && projection !== '*' && projection !== '\\*')
      check('projection', rule.projection!, parseProjection);
    if (rule.filter?.trim()) check('filter', rule.filter, parseExpression);
  });
  return problems;
}
