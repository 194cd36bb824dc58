import { z } from 'zod';
import { opt } from './option-types.js';

/**
 * The validated description of a pipeline, whatever produced it (YAML today, SQL CTAS/CDAS later).
 * Component options stay as the validated output of the component's own zod schema; the runtime
 * hands them to the component's factory.
 */
export interface PipelineSpec {
  readonly source: ComponentSpec;
  readonly sink: ComponentSpec;
  readonly routes: readonly RouteRule[];
  readonly transforms: readonly TransformRule[];
  /**
   * Where each transform rule's `projection` and `filter` text starts in the file (parallel to
   * `transforms`), so that an expression error names its line and column.
   */
  readonly transformPositions?: readonly Readonly<Partial<Record<'projection' | 'filter', TextPosition>>>[];
  readonly pipeline: PipelineOptions;
  /** Secret strings that appear in the spec (substituted secrets, passwords): never to be printed. */
  readonly secrets: readonly string[];
  /** Where it came from, for messages ("pipeline.yaml"). */
  readonly origin: string;
}

/** Where a text value starts in the pipeline file (1-based). */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
  /** Column where the value's later lines start (a block scalar's indentation + 1). */
  readonly continuationColumn?: number;
}

export interface ComponentSpec {
  readonly type: string;
  readonly name: string | undefined;
  /** The component schema's parsed output. */
  readonly options: Record<string, unknown>;
}

export const ROUTE_MODES = ['ALL_MATCH', 'FIRST_MATCH'] as const;
export type RouteMode = (typeof ROUTE_MODES)[number];

export const SCHEMA_CHANGE_BEHAVIORS = [
  'ignore',
  'lenient',
  'try_evolve',
  'evolve',
  'exception',
  'ctas',
] as const;
export type SchemaChangeBehavior = (typeof SCHEMA_CHANGE_BEHAVIORS)[number];

export const pipelineOptionsSchema = z
  .object({
    name: opt
      .string()
      .default('Flink CDC Pipeline Job')
      .describe(
        'Name of the pipeline; also the key of its checkpoint. Give every pipeline its own: a checkpoint records its sink and tables, and one of another pipeline of the same name is refused.',
      ),
    parallelism: opt
      .int(1, 256)
      .default(1)
      .describe('Number of parallel readers/writers where a component supports it (snapshot readers).'),
    'schema.change.behavior': opt
      .enum(SCHEMA_CHANGE_BEHAVIORS)
      .default('lenient')
      .describe(
        'How schema changes reach the sink: `lenient` (default: add columns, keep dropped columns and fill NULL, ' +
          'rename = add the new column, ignore drop/truncate table), `evolve` (apply all), `try_evolve` (apply, ' +
          'tolerate failures), `ignore` (apply none), `exception` (fail on any change); tidemark also has `ctas` ' +
          "(the fixed policy of Flink's CREATE TABLE AS: like `lenient` for nullable columns added, dropped or renamed; " +
          'a type, nullability or primary-key change, or a NOT NULL column added, dropped or renamed, stops the ' +
          'pipeline with an error saying the sink table must be recreated).',
      ),
    'route-mode': opt
      .enum(ROUTE_MODES)
      .default('ALL_MATCH')
      .describe(
        'Which `route` rules a table follows: `ALL_MATCH` (every rule whose `source-table` matches it: the table is copied into each sink table) or `FIRST_MATCH` (the first such rule only).',
      ),
    'local-time-zone': opt
      .string()
      .optional()
      .describe(
        'Session time zone (e.g. `Asia/Shanghai`, `+08:00`) used for TIMESTAMP_LTZ rendering; default: the system zone.',
      ),
    'transform.allow.trimming.pk-columns': opt
      .bool()
      .default(false)
      .describe(
        'Lets a transform projection leave out primary-key columns of its source table (the sink key is then ' +
          "the rule's `primary-keys`, or the key columns that remain). Without it, such a projection is an error.",
      ),
    'transform.filter.convert-updates': opt
      .bool()
      .default(false)
      .describe(
        'tidemark: an UPDATE whose row leaves a transform filter reaches the sink as a DELETE, one whose row ' +
          "enters it as an INSERT, so the sink table stays equal to `SELECT … WHERE filter` on the source (Flink CDC's " +
          'master branch does the same). Default (Flink CDC 3.x releases): the new row alone decides, an UPDATE is ' +
          'kept when it passes and dropped otherwise, so a row that leaves the filter keeps its last state in the sink.',
      ),
    'user-defined-function': z
      .array(
        z
          .object({
            name: opt.string().describe('Name to call it by in projections and filters (case-insensitive).'),
            classpath: opt
              .string()
              .describe(
                'The JavaScript or TypeScript module that defines it, relative to the pipeline file (or absolute), ' +
                  'and optionally `#export` (default: the export named like `name`, else the default export). ' +
                  "Flink CDC names a Java class here; tidemark loads a module's export.",
              ),
            'return-type': opt
              .string()
              .optional()
              .describe(
                'Its result type as in CAST (`INT`, `STRING`, `DECIMAL(10, 2)`, `TIMESTAMP(3)`…), for an export that is ' +
                  'a plain function; an object export gives it as `returnType`.',
              ),
          })
          .strict(),
      )
      .default([])
      .meta({ optionType: 'List<UDF>' })
      .describe(
        'User functions for transforms: a list of `{ name, classpath, return-type }`. The export is a function, or an ' +
          "object `{ eval(...args), returnType, open?(), close?() }` like Flink CDC's UserDefinedFunction: open() is " +
          'awaited before the pipeline starts, close() once when it stops (normally or failing); or a class of such ' +
          'objects, one instance per pipeline (an object export is shared by the pipelines of one process).',
      ),
    'checkpoint.interval': opt
      .duration()
      .default(1000)
      .describe(
        'tidemark: how often the runner commits sink data and the source position together (Flink duration).',
      ),
  })
  .strict();

export type PipelineOptions = z.output<typeof pipelineOptionsSchema>;

export const routeRuleSchema = z
  .object({
    'source-table': opt
      .string()
      .describe(
        'Source table pattern (Flink CDC selector syntax: `db.table` regexes). Every captured table it matches goes to `sink-table`; a rule that matches no captured table is logged as a warning at start.',
      ),
    'sink-table': opt
      .string()
      .describe(
        'Sink table id; may contain `replace-symbol` (replaced by the source table name) or, without it, `$1`, `$2`… (groups of the `source-table` regex over `db.table`). Several tables routed to one sink table merge into it: its columns are the union of theirs, types widened (see "Sharded merges"); rows of equal primary keys from different tables overwrite each other (last write wins) unless `shard-columns` is set.',
      ),
    'replace-symbol': opt
      .string()
      .optional()
      .describe('Placeholder in `sink-table` replaced by the source table name.'),
    'shard-columns': opt
      .bool()
      .default(false)
      .describe(
        'tidemark: add the columns `_db_name` and `_table_name` (the source database and table of each row) first in the sink table and put them first in its primary key, so that equal keys from different shards are kept apart instead of overwriting each other. Applies to every sink table of this rule.',
      ),
    description: opt.string().optional().describe('Free text, named in warnings about the rule.'),
  })
  .strict();

export type RouteRule = z.output<typeof routeRuleSchema>;

export const transformRuleSchema = z
  .object({
    'source-table': opt.string().describe('Source table pattern the rule applies to.'),
    projection: opt.string().optional().describe('Projection expression list (`\\*` keeps all columns).'),
    filter: opt.string().optional().describe('Row filter expression.'),
    'primary-keys': opt
      .string()
      .optional()
      .describe('Comma-separated primary key columns for the sink table.'),
    'partition-keys': opt.string().optional().describe('Comma-separated partition key columns.'),
    'table-options': opt.string().optional().describe('Sink table options, `key1=value1,key2=value2`.'),
    'converter-after-transform': opt.string().optional().describe('Converter applied after the transform.'),
    description: opt.string().optional().describe('Free text.'),
  })
  .strict();

export type TransformRule = z.output<typeof transformRuleSchema>;

/**
 * A component's options schema, as the spec loader needs it (the runtime registry implements this).
 * The schema says everything else: option names, secrets and prefixed maps (see option-types.ts).
 */
export interface ComponentDescriptor {
  readonly type: string;
  /** Validates options (all keys but `type` and `name`); a strict object schema. */
  readonly optionsSchema: z.ZodObject;
}

export interface ComponentCatalog {
  source(type: string): ComponentDescriptor | undefined;
  sink(type: string): ComponentDescriptor | undefined;
  sourceTypes(): readonly string[];
  sinkTypes(): readonly string[];
}
