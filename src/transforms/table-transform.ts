import { sameColumnType } from '../event/column-type.js';
import type { Column, TableId, TableSchema } from '../event/table-schema.js';
import { columnIndex, tableIdToString } from '../event/table-schema.js';
import { TidemarkError } from '../event/tidemark-error.js';
import type { TextPosition, TransformRule } from '../pipeline-spec/pipeline-spec.js';
import {
  compileFilter,
  compileProjection,
  DEFAULT_METADATA_COLUMNS,
  type CompiledFilter,
  type CompiledProjection,
  type MetadataColumn,
  type UserFunction,
} from './expression/index.js';

/** What every table's rules compile with. */
export interface TransformSettings {
  readonly rules: readonly TransformRule[];
  /** Parallel to `rules`: where `projection` and `filter` start in `origin`. */
  readonly positions?: readonly Readonly<Partial<Record<'projection' | 'filter', TextPosition>>>[];
  readonly origin: string;
  readonly timeZone?: string;
  readonly userFunctions?: Readonly<Record<string, UserFunction>>;
  /** Metadata the source offers besides Flink CDC's four (`op_ts`). */
  readonly sourceMetadata: readonly MetadataColumn[];
  /** `transform.allow.trimming.pk-columns`. */
  readonly allowTrimmingPk: boolean;
}

/** One rule compiled for one table schema. */
export interface CompiledRule {
  readonly index: number;
  /** undefined: the table's columns as they are. */
  readonly projection: CompiledProjection | undefined;
  readonly filter: CompiledFilter | undefined;
  /** `converter-after-transform: SOFT_DELETE`: a delete reaches the sink as an insert. */
  readonly softDelete: boolean;
}

/** A table's matching rules compiled for its current schema, and the schema they make. */
export interface TableTransform {
  readonly rules: readonly CompiledRule[];
  readonly source: TableSchema;
  readonly output: TableSchema;
  /** Whether evaluating needs `op_ts` (a metadata column only some sources offer). */
  readonly metadata: readonly MetadataColumn[];
  /** Whether a rule reads the clock (or is volatile otherwise): rows need EvalContext.nowMs. */
  readonly volatile: boolean;
}

const CONVERTERS = ['SOFT_DELETE'] as const;

/** Compiles the rules (indexes into settings.rules) that match table `id` for its schema `source`. */
export function compileTableTransform(
  id: TableId,
  source: TableSchema,
  matching: readonly number[],
  s: TransformSettings,
): TableTransform {
  const metadata = [...DEFAULT_METADATA_COLUMNS, ...s.sourceMetadata];
  const rules = matching.map((i) => compileRule(i, source, metadata, s));
  const outputs = rules.map((r) => outputSchema(id, source, r, s));
  const output = outputs[0]!;
  outputs.forEach((o, k) => {
    if (k > 0) sameOutput(id, output, o, rules[0]!.index, rules[k]!.index);
  });
  const volatile = rules.some((r) => r.projection?.volatile === true || r.filter?.volatile === true);
  return { rules, source, output, metadata, volatile };
}

function compileRule(
  index: number,
  schema: TableSchema,
  metadata: readonly MetadataColumn[],
  s: TransformSettings,
): CompiledRule {
  const rule = s.rules[index]!;
  const at = s.positions?.[index];
  const options = {
    schema,
    metadata,
    ...(s.userFunctions ? { userFunctions: s.userFunctions } : {}),
    ...(s.timeZone ? { timeZone: s.timeZone } : {}),
  };
  const text = rule.projection?.trim();
  const projection =
    text === undefined || text === '' || text === '*' || text === '\\*'
      ? undefined
      : compileProjection(
          {
            text: rule.projection!,
            ...(at?.projection ? { position: at.projection } : {}),
            what: `transform[${index}].projection`,
            file: s.origin,
          },
          options,
        );
  const filterText = rule.filter?.trim();
  const filter =
    filterText === undefined || filterText === ''
      ? undefined
      : compileFilter(
          {
            text: rule.filter!,
            ...(at?.filter ? { position: at.filter } : {}),
            what: `transform[${index}].filter`,
            file: s.origin,
          },
          { ...options, ...(projection ? { projection } : {}) },
        );
  return { index, projection, filter, softDelete: converterOf(rule, index) === 'SOFT_DELETE' };
}

function converterOf(rule: TransformRule, index: number): (typeof CONVERTERS)[number] | undefined {
  const c = rule['converter-after-transform']?.trim();
  if (c === undefined || c === '') return undefined;
  const known = CONVERTERS.find((k) => k === c.toUpperCase());
  if (!known) {
    throw new TidemarkError(
      'CONFIG_INVALID',
      `transform[${index}].converter-after-transform: unknown converter "${c}"; known: ${CONVERTERS.join(', ')}`,
    );
  }
  return known;
}

/** The sink-side schema one rule makes of the table: its columns, key and partition keys. */
function outputSchema(id: TableId, source: TableSchema, r: CompiledRule, s: TransformSettings): TableSchema {
  const rule = s.rules[r.index]!;
  const columns: Column[] = r.projection
    ? r.projection.columns.map((c) => {
        const from = c.sourceIndex === undefined ? undefined : source.columns[c.sourceIndex];
        return {
          name: c.name,
          type: c.type,
          nullable: c.nullable,
          ...(from?.comment !== undefined ? { comment: from.comment } : {}),
        };
      })
    : [...source.columns];
  const where = `transform[${r.index}] (${rule['source-table']}) for table ${tableIdToString(id)}`;
  const named = (what: string, list: string | undefined): string[] | undefined => {
    const names = list
      ?.split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    for (const k of names ?? []) {
      if (columnIndex({ columns, primaryKeys: [] }, k) < 0) {
        throw new TidemarkError(
          'CONFIG_INVALID',
          `${where}: ${what} column ${k} is not a column of the transformed table (columns: ${columns.map((c) => c.name).join(', ')})`,
        );
      }
    }
    return names?.length ? names : undefined;
  };
  const primaryKeys = named('primary-keys', rule['primary-keys']) ?? keptKey(where, source, columns, s);
  named('partition-keys', rule['partition-keys']);
  // key columns are NOT NULL in the sink table, as in Flink CDC
  const keyed = columns.map((c) =>
    c.nullable && primaryKeys.some((k) => k.toLowerCase() === c.name.toLowerCase())
      ? { ...c, nullable: false }
      : c,
  );
  return {
    ...source,
    columns: keyed,
    primaryKeys: primaryKeys.map((k) => keyed[columnIndex({ columns: keyed, primaryKeys: [] }, k)]!.name),
  };
}

/** The source key when the projection keeps it; trimmed only with transform.allow.trimming.pk-columns. */
function keptKey(
  where: string,
  source: TableSchema,
  columns: readonly Column[],
  s: TransformSettings,
): string[] {
  const kept = source.primaryKeys.filter((k) => columnIndex({ columns, primaryKeys: [] }, k) >= 0);
  if (kept.length === source.primaryKeys.length || s.allowTrimmingPk) {
    return kept.length === source.primaryKeys.length ? [...source.primaryKeys] : [];
  }
  const missing = source.primaryKeys.filter((k) => !kept.includes(k));
  throw new TidemarkError(
    'CONFIG_INVALID',
    `${where}: the projection leaves out primary key column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
      'project it, give the rule primary-keys, or set pipeline.transform.allow.trimming.pk-columns: true',
  );
}

function sameOutput(id: TableId, a: TableSchema, b: TableSchema, ia: number, ib: number): void {
  const same =
    a.columns.length === b.columns.length &&
    a.columns.every(
      (c, i) =>
        c.name.toLowerCase() === b.columns[i]!.name.toLowerCase() &&
        sameColumnType(c.type, b.columns[i]!.type),
    );
  if (!same) {
    throw new TidemarkError(
      'CONFIG_INVALID',
      `transform[${ia}] and transform[${ib}] both match table ${tableIdToString(id)} but project different columns ` +
        `(${a.columns.map((c) => c.name).join(', ')} / ${b.columns.map((c) => c.name).join(', ')}): the first rule whose ` +
        'filter a row passes transforms it, so their projections must give the same columns and types',
    );
  }
}
