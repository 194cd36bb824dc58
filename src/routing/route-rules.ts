import type { TableId } from '../event/table-schema.js';
import { parseTableId, tableIdToString } from '../event/table-schema.js';
import type { PipelineSpec, RouteRule } from '../pipeline-spec/pipeline-spec.js';
import type { TableRouter } from '../runtime/schema-operator.js';
import { compileTableSelector, type TableSelector } from './table-selector.js';

interface CompiledRoute {
  readonly selector: TableSelector;
  readonly sinkTable: string;
  readonly replaceSymbol: string | undefined;
}

/**
 * Flink CDC's `route` block: the first rule whose `source-table` selector matches a table gives its
 * sink table (`replace-symbol` in `sink-table` becomes the source table name); other tables keep
 * their own id. Several source tables routed to one sink table merge (sharded tables).
 */
export class RouteRules implements TableRouter {
  private readonly routes: CompiledRoute[];
  private readonly cache = new Map<string, TableId>();

  constructor(rules: readonly RouteRule[]) {
    this.routes = rules.map((r) => ({
      selector: compileTableSelector(r['source-table']),
      sinkTable: r['sink-table'],
      replaceSymbol: r['replace-symbol'],
    }));
  }

  route(source: TableId): TableId {
    const key = tableIdToString(source);
    let out = this.cache.get(key);
    if (out) return out;
    out = source;
    for (const r of this.routes) {
      if (r.selector.matches(source.schemaName ?? '', source.tableName)) {
        const name = r.replaceSymbol
          ? r.sinkTable.split(r.replaceSymbol).join(source.tableName)
          : r.sinkTable;
        out = parseTableId(name);
        break;
      }
    }
    this.cache.set(key, out);
    return out;
  }
}

export function routerFromSpec(spec: PipelineSpec): TableRouter {
  return new RouteRules(spec.routes);
}
