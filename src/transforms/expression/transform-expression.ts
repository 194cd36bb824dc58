import type { Row } from '../../event/change-event.js';
import type { ColumnType, Value } from '../../event/column-type.js';
import type { TableSchema } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import { CompileScope, type ScopeColumn } from './compile-scope.js';
import { compileExpr } from './expression-compiler.js';
import { parseExpression, parseProjection } from './expression-parser.js';
import { expressionError, type ExpressionSource } from './expression-source.js';
import { typeName, type Compiled, type EvalContext, type Evaluator } from './expression-types.js';
import { resolveTimeZone } from './time-zone.js';
import type { UserFunction } from './user-function.js';

/** A metadata column the source provides (read from EvalContext.metadata by name). */
export interface MetadataColumn {
  readonly name: string;
  readonly type: ColumnType;
  /** Default true. */
  readonly nullable?: boolean;
}

/** Flink CDC's metadata columns, which every pipeline has. */
export const DEFAULT_METADATA_COLUMNS: readonly MetadataColumn[] = [
  { name: '__namespace_name__', type: { kind: 'string' } },
  { name: '__schema_name__', type: { kind: 'string' } },
  { name: '__table_name__', type: { kind: 'string' }, nullable: false },
  { name: '__data_event_type__', type: { kind: 'string' }, nullable: false },
];

export interface ExpressionOptions {
  readonly schema: TableSchema;
  /** Metadata columns the expression may read (default: DEFAULT_METADATA_COLUMNS). */
  readonly metadata?: readonly MetadataColumn[];
  readonly userFunctions?: Readonly<Record<string, UserFunction>>;
  /** The pipeline's `local-time-zone` (an id like Asia/Shanghai or an offset like +08:00); default UTC. */
  readonly timeZone?: string;
}

export interface ProjectedColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  /** The table column it copies, when it is one (`*` or a bare column name). */
  readonly sourceIndex: number | undefined;
}

export interface CompiledProjection {
  readonly columns: readonly ProjectedColumn[];
  /** The projected row. A computed column that reads a column absent from the row image is absent too. */
  evaluate(row: Row, ctx: EvalContext): Row;
  /** Internal: what a filter sees of each projected column. */
  readonly scopeColumns: readonly ScopeColumn[];
  /** Reads the clock (EvalContext.nowMs), random numbers or a user-defined function. */
  readonly volatile: boolean;
}

export interface CompiledFilter {
  /** Whether the row passes: the condition is TRUE (FALSE and NULL drop it). */
  evaluate(row: Row, ctx: EvalContext): boolean;
  /** As CompiledProjection.volatile. */
  readonly volatile: boolean;
}

const asSource = (s: ExpressionSource | string): ExpressionSource =>
  typeof s === 'string' ? { text: s } : s;

function baseColumns(options: ExpressionOptions): ScopeColumn[] {
  const table: ScopeColumn[] = options.schema.columns.map((c, i) => ({
    name: c.name,
    type: c.type,
    nullable: c.nullable,
    read: (row: Row): Value => row[i] ?? null,
    index: i,
  }));
  const metadata: ScopeColumn[] = (options.metadata ?? DEFAULT_METADATA_COLUMNS).map((m) => ({
    name: m.name,
    type: m.type,
    nullable: m.nullable ?? true,
    read: (_row: Row, ctx: EvalContext): Value => ctx.metadata[m.name] ?? null,
    index: undefined,
  }));
  return [...table, ...metadata];
}

function makeScope(
  source: ExpressionSource,
  columns: ScopeColumn[],
  options: ExpressionOptions,
): CompileScope {
  const zoneId = options.timeZone ?? 'UTC';
  const zone = resolveTimeZone(zoneId);
  if (!zone) {
    throw new TidemarkError(
      'CONFIG_INVALID',
      `local-time-zone '${zoneId}' is not a time zone: use an id like Asia/Shanghai or an offset like +08:00`,
    );
  }
  return new CompileScope(source, columns, new Map(Object.entries(options.userFunctions ?? {})), zone);
}

/** Compiles a `projection` once for a table schema. */
export function compileProjection(
  text: ExpressionSource | string,
  options: ExpressionOptions,
): CompiledProjection {
  const source = asSource(text);
  const items = parseProjection(source);
  const base = baseColumns(options);
  const out: { col: ProjectedColumn; scope: ScopeColumn; eval: Evaluator; reads: number[] }[] = [];
  let volatile = false;
  const place = (
    col: ProjectedColumn,
    scope: ScopeColumn,
    evaluate: Evaluator,
    reads: number[],
    pos: number,
    replaceable: boolean,
  ): void => {
    const at = out.findIndex((o) => o.col.name.toLowerCase() === col.name.toLowerCase());
    const entry = { col, scope, eval: evaluate, reads };
    if (at < 0) out.push(entry);
    else if (replaceable && out[at]!.scope.reads !== undefined)
      return; // `a AS x, *`: the named one stays
    else if (out[at]!.scope.reads === undefined && !replaceable) out[at] = entry;
    else throw expressionError(source, pos, `projects ${col.name} twice: rename one with AS`);
  };
  for (const item of items) {
    if (item.kind === 'star') {
      options.schema.columns.forEach((c, i) => {
        const sc = base[i]!;
        place(
          { name: c.name, type: c.type, nullable: c.nullable, sourceIndex: i },
          { ...sc, reads: undefined },
          sc.read,
          [i],
          item.pos,
          true,
        );
      });
      continue;
    }
    const scope = makeScope(source, base, options);
    const direct = item.expr.kind === 'column' ? scope.lookup(item.expr.name) : undefined;
    if (direct) {
      const name = item.alias ?? direct.name;
      const reads = direct.index === undefined ? [] : [direct.index];
      place(
        { name, type: direct.type, nullable: direct.nullable, sourceIndex: direct.index },
        { ...direct, name, reads },
        direct.read,
        reads,
        item.pos,
        false,
      );
      continue;
    }
    const compiled = compileExpr(item.expr, scope);
    volatile ||= scope.volatile;
    const name = item.alias ?? (item.expr.kind === 'column' ? item.expr.name : undefined);
    if (!name) throw scope.fail(item.pos, 'computes a column without a name: add AS name');
    const type = outputType(compiled, scope);
    const reads = [...scope.used];
    const sc: ScopeColumn = {
      name,
      type,
      nullable: compiled.nullable,
      read: compiled.eval,
      index: undefined,
      reads,
    };
    place(
      { name, type, nullable: compiled.nullable, sourceIndex: undefined },
      sc,
      compiled.eval,
      reads,
      item.pos,
      false,
    );
  }
  return projectionOf(out, volatile);
}

function outputType(c: Compiled, scope: CompileScope): ColumnType {
  const t = c.type;
  if (t.kind === 'null')
    throw scope.fail(c.pos, 'projects a bare NULL: give it a type, e.g. CAST(NULL AS STRING)');
  if (t.kind === 'interval' || t.kind === 'symbol') throw scope.fail(c.pos, `cannot project ${typeName(t)}`);
  return t;
}

function projectionOf(
  out: { col: ProjectedColumn; scope: ScopeColumn; eval: Evaluator; reads: number[] }[],
  volatile: boolean,
): CompiledProjection {
  const n = out.length;
  const evals = out.map((o) => o.eval);
  // per column: the table column it copies (-1: computed), and the columns a computed one needs
  const copies = Int32Array.from(out, (o) => o.col.sourceIndex ?? -1);
  const guards = out.map((o) => (o.col.sourceIndex === undefined && o.reads.length ? o.reads : undefined));
  return {
    columns: out.map((o) => o.col),
    scopeColumns: out.map((o) => o.scope),
    volatile,
    evaluate(row: Row, ctx: EvalContext): Row {
      const result: (Value | undefined)[] = new Array<Value | undefined>(n);
      for (let i = 0; i < n; i++) {
        const j = copies[i]!;
        if (j >= 0) result[i] = row[j];
        else result[i] = lacksAny(row, guards[i]) ? undefined : evals[i]!(row, ctx);
      }
      return result;
    },
  };
}

/** Whether the row image lacks one of these columns (a partial row image). */
function lacksAny(row: Row, columns: readonly number[] | undefined): boolean {
  if (columns === undefined) return false;
  for (let k = 0; k < columns.length; k++) if (row[columns[k]!] === undefined) return true;
  return false;
}

/**
 * Compiles a `filter` once for a table schema. With `projection`, names resolve first to the
 * projected columns (so a filter can test a computed column, as Flink CDC allows), then to the
 * table's and the metadata columns.
 */
export function compileFilter(
  text: ExpressionSource | string,
  options: ExpressionOptions & { readonly projection?: CompiledProjection },
): CompiledFilter {
  const source = asSource(text);
  const expr = parseExpression(source);
  const projected = (options.projection?.scopeColumns ?? []).filter(
    (c) => c.index === undefined || c.name !== options.schema.columns[c.index]?.name,
  );
  const scope = makeScope(source, [...projected, ...baseColumns(options)], options);
  const compiled = compileExpr(expr, scope);
  if (compiled.type.kind !== 'boolean' && compiled.type.kind !== 'null') {
    throw scope.fail(compiled.pos, `must be a condition (BOOLEAN), not ${typeName(compiled.type)}`);
  }
  const reads = [...scope.used];
  const e = compiled.eval;
  return {
    volatile: scope.volatile,
    evaluate(row: Row, ctx: EvalContext): boolean {
      for (let k = 0; k < reads.length; k++) {
        const i = reads[k]!;
        if (row[i] === undefined) {
          throw scope.runtimeError(
            0,
            `reads column ${options.schema.columns[i]?.name}, which this row image lacks (set binlog_row_image=FULL)`,
          );
        }
      }
      return e(row, ctx) === true;
    },
  };
}
