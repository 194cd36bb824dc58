import type { TableId } from '../event/table-schema.js';
import { parseTableId, tableIdToString } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import type { PipelineSpec, RouteMode, RouteRule } from '../pipeline-spec/pipeline-spec.js';
import type { RouteTarget, TableRouter } from '../runtime/schema-operator.js';
import { compileTableSelector, type TableSelector } from './table-selector.js';

interface CompiledRoute {
  readonly rule: RouteRule;
  readonly selector: TableSelector;
  /** The sink table for a source table. */
  readonly sinkOf: (source: TableId) => TableId;
  readonly shardColumns: boolean;
}

/**
 * Flink CDC's `route` block (TableIdRouter). A table goes to the sink table of **every** rule whose
 * `source-table` matches it (`pipeline.route-mode: ALL_MATCH`, the default: one table may be
 * copied into several sink tables), or of the first such rule only (`FIRST_MATCH`); a table no
 * rule matches keeps its own id. In `sink-table`, `replace-symbol` stands for the source table's
 * name; without `replace-symbol`, `$1`, `$2`… are the groups of the `source-table` regex, matched
 * against `db.table`. Several source tables routed to one sink table merge (sharded tables).
 *
 * The targets of a table are computed once and cached: routing a row costs one map lookup.
 */
export class RouteRules implements TableRouter {
  private readonly routes: CompiledRoute[];
  private readonly cache = new Map<string, readonly RouteTarget[]>();

  constructor(
    rules: readonly RouteRule[],
    private readonly mode: RouteMode = 'ALL_MATCH',
  ) {
    this.routes = rules.map((rule, i) => compileRoute(rule, i));
  }

  route(source: TableId): readonly RouteTarget[] {
    const key = tableIdToString(source);
    let out = this.cache.get(key);
    if (out) return out;
    out = this.targetsOf(source);
    this.cache.set(key, out);
    return out;
  }

  private targetsOf(source: TableId): readonly RouteTarget[] {
    const out = new Map<string, RouteTarget>();
    for (const r of this.routes) {
      if (!r.selector.matches(source.schemaName ?? '', source.tableName)) continue;
      const sink = r.sinkOf(source);
      const key = tableIdToString(sink);
      // two rules giving one table the same sink table: one target, with shard columns if either asks
      out.set(key, { sink, shardColumns: r.shardColumns || (out.get(key)?.shardColumns ?? false) });
      if (this.mode === 'FIRST_MATCH') break;
    }
    return out.size > 0 ? [...out.values()] : [{ sink: source, shardColumns: false }];
  }

  /**
   * One warning per rule that matches none of the captured tables (a mistyped pattern routes
   * nothing, and the tables it meant keep their own names).
   */
  unmatchedRules(captured: readonly TableId[]): string[] {
    return this.routes
      .filter((r) => !captured.some((t) => r.selector.matches(t.schemaName ?? '', t.tableName)))
      .map((r) => `${describeRule(r.rule, this.routes.indexOf(r))} matches none of the captured tables`);
  }
}

/**
 * Why route rule `index` does not compile (a regex, a sink table id) and the option at fault, or
 * undefined: for offline checks.
 */
export function routeRuleProblem(
  rule: RouteRule,
  index: number,
): { readonly key: 'source-table' | 'sink-table'; readonly message: string } | undefined {
  try {
    compileRoute(rule, index);
    return undefined;
  } catch (e) {
    const key = e instanceof TidemarkError && e.details?.key === 'sink-table' ? 'sink-table' : 'source-table';
    return { key, message: e instanceof Error ? e.message : String(e) };
  }
}

function describeRule(rule: RouteRule, index: number): string {
  const what = `route rule ${index + 1} (source-table: ${rule['source-table']} → sink-table: ${rule['sink-table']})`;
  return rule.description ? `${what} "${rule.description}"` : what;
}

function compileRoute(rule: RouteRule, index: number): CompiledRoute {
  const sinkTable = rule['sink-table'];
  const symbol = rule['replace-symbol'];
  const idOf = (text: string): TableId => sinkTableId(text, rule, index);
  let sinkOf: (source: TableId) => TableId;
  if (symbol) {
    idOf(sinkTable.split(symbol).join('t')); // its shape, whatever the table's name
    sinkOf = (source) => idOf(sinkTable.split(symbol).join(source.tableName));
  } else if (/\$\d/.test(sinkTable)) {
    idOf(sinkTable.replace(/\$\d+/g, 't'));
    const regex = wholeIdRegex(rule['source-table'], rule, index);
    sinkOf = (source) => idOf(tableIdToString(source).replace(regex, sinkTable));
  } else {
    const fixed = idOf(sinkTable);
    sinkOf = () => fixed;
  }
  return {
    rule,
    selector: compileTableSelector(rule['source-table']),
    sinkOf,
    shardColumns: rule['shard-columns'],
  };
}

/**
 * A `sink-table` as a table id: `table`, `db.table` or `namespace.db.table` (Flink CDC's
 * TableId.parse), no part empty; anything else would reach the sink as a name it cannot create.
 */
function sinkTableId(text: string, rule: RouteRule, index: number): TableId {
  const parts = text.split('.');
  if (parts.length <= 3 && parts.every((p) => p.trim() !== '')) return parseTableId(text);
  throw new TidemarkError(
    'CONFIG_INVALID',
    `${describeRule(rule, index)}: sink table "${text}" is not a table id: write db.table (or table, or namespace.db.table), no part empty`,
    { details: { rule: index + 1, key: 'sink-table' } },
  );
}

/**
 * `source-table` as one regex over `db.table`, as Flink CDC builds it for capture groups: commas
 * are alternatives, an unescaped dot is the literal separator, `\.` is the regex dot.
 */
function wholeIdRegex(pattern: string, rule: RouteRule, index: number): RegExp {
  const source = pattern
    .split(',')
    .map((p) => p.trim())
    .join('|')
    .split('\\.')
    .map((part) => part.split('.').join('\\.'))
    .join('.');
  try {
    return new RegExp(`^(?:${source})$`, 'i');
  } catch (e) {
    throw new TidemarkError(
      'CONFIG_INVALID',
      `${describeRule(rule, index)}: "${pattern}" is not a valid regular expression; write a dot that separates database and table as ".", and "\\." for the regex dot`,
      { cause: e },
    );
  }
}

export function routerFromSpec(spec: PipelineSpec): RouteRules {
  return new RouteRules(spec.routes, spec.pipeline['route-mode']);
}
