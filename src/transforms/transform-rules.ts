import type { TableId, TableSchema } from '../event/table-schema.js';
import { columnIndex, tableIdToString } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import type { TransformRule } from '../pipeline-spec/pipeline-spec.js';
import { compileTableSelector, type TableSelector } from '../routing/table-selector.js';
import type { SchemaTransform } from '../runtime/schema-operator.js';

/**
 * The `transform` block, as far as this version goes: `primary-keys` (the sink table's key, e.g.
 * for sources whose tables have none) and the pass-through projection `\*`. Projection
 * expressions, filters and the other keys are refused with a clear error rather than ignored.
 */
export function schemaTransformFromRules(rules: readonly TransformRule[]): SchemaTransform | undefined {
  const compiled: { selector: TableSelector; primaryKeys: string[] | undefined; source: string }[] = [];
  rules.forEach((r, i) => {
    const unsupported = (
      ['filter', 'partition-keys', 'table-options', 'converter-after-transform'] as const
    ).filter((k) => r[k] !== undefined && r[k].trim() !== '');
    const projection = r.projection?.trim();
    if (projection !== undefined && projection !== '\\*' && projection !== '*')
      unsupported.unshift('projection' as never);
    if (unsupported.length) {
      throw new TidemarkError(
        'CONFIG_INVALID',
        `transform[${i}] (${r['source-table']}): ${unsupported.join(', ')} ${unsupported.length === 1 ? 'is' : 'are'} not supported yet; ` +
          'this version applies `primary-keys` and the projection `\\*` only',
      );
    }
    compiled.push({
      selector: compileTableSelector(r['source-table']),
      primaryKeys: r['primary-keys']
        ?.split(',')
        .map((k) => k.trim())
        .filter(Boolean),
      source: r['source-table'],
    });
  });
  if (compiled.length === 0) return undefined;
  return (id: TableId, schema: TableSchema): TableSchema => {
    const rule = compiled.find((c) => c.selector.matches(id.schemaName ?? '', id.tableName));
    if (!rule?.primaryKeys?.length) return schema;
    for (const k of rule.primaryKeys) {
      if (columnIndex(schema, k) < 0) {
        throw new TidemarkError(
          'CONFIG_INVALID',
          `transform for ${rule.source}: primary key column ${k} is not a column of ${tableIdToString(id)} ` +
            `(columns: ${schema.columns.map((c) => c.name).join(', ')})`,
        );
      }
    }
    return { ...schema, primaryKeys: rule.primaryKeys };
  };
}
