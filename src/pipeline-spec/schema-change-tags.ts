import { z } from 'zod';
import type { SchemaChangeType } from '../event/change-event.js';
import { didYouMean } from './did-you-mean.js';
import { opt } from './option-types.js';

/**
 * The tags of Flink CDC's `include.schema.changes` / `exclude.schema.changes` sink options, one per
 * schema change type. The last three are tidemark's: Flink CDC has no such change types.
 */
export const SCHEMA_CHANGE_TAGS = {
  'create-table': 'create.table',
  'add-column': 'add.column',
  'drop-column': 'drop.column',
  'rename-column': 'rename.column',
  'alter-column-type': 'alter.column.type',
  'drop-table': 'drop.table',
  'truncate-table': 'truncate.table',
  'reorder-columns': 'alter.column.position',
  'alter-primary-key': 'alter.primary.key',
  'rename-table': 'rename.table',
} as const satisfies Record<SchemaChangeType, string>;

const TYPES = Object.keys(SCHEMA_CHANGE_TAGS) as SchemaChangeType[];
const FULL_TAGS: readonly string[] = Object.values(SCHEMA_CHANGE_TAGS);
/** A tag names one change type, or a family: every type with that word (`column`, `drop`, `table`). */
const KNOWN_TAGS: readonly string[] = [
  'all',
  ...new Set([...FULL_TAGS, ...FULL_TAGS.flatMap((t) => t.split('.'))]),
];

/** The change types a tag stands for (Flink CDC's tag families: `drop` = drop.column and drop.table). */
export function typesOfTag(tag: string): SchemaChangeType[] {
  const t = tag.trim().toLowerCase();
  if (t === 'all') return [...TYPES];
  return TYPES.filter((type) => {
    const full = SCHEMA_CHANGE_TAGS[type];
    return full === t || full.split('.').includes(t);
  });
}

/** The option type of a tag list: a YAML sequence or a comma-separated string of known tags. */
function tagList(exclude: boolean) {
  return opt.list().superRefine((tags, ctx) => {
    for (const tag of tags) {
      if (typesOfTag(tag).length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown schema change tag "${tag}"${didYouMean(tag, KNOWN_TAGS)}; known: ${KNOWN_TAGS.join(', ')}`,
        });
      } else if (exclude && tag.trim().toLowerCase() === 'create.table') {
        ctx.addIssue({
          code: 'custom',
          message: 'create.table cannot be excluded (rows need their sink table); remove it',
        });
      }
    }
  });
}

/** Options every sink has: which schema changes reach it. */
export const schemaChangeSinkOptions = {
  'include.schema.changes': tagList(false)
    .optional()
    .describe(
      'Schema change types applied to the sink (default: all): tags such as `add.column`, `alter.column.type`, ' +
        '`create.table`, `drop.column`, `drop.table`, `rename.column`, `truncate.table` (tidemark also has ' +
        '`alter.column.position`, `alter.primary.key`, `rename.table`), or a family: `column`, `table`, `add`, ' +
        '`alter`, `drop`, `rename`, `all`. `create.table` is always applied (rows need their table).',
    ),
  'exclude.schema.changes': tagList(true)
    .optional()
    .describe(
      'Schema change types never applied to the sink (tags as in `include.schema.changes`), whatever ' +
        '`schema.change.behavior` says; the sink table keeps its shape, and rows are mapped onto it by column name ' +
        '(a table renamed while `rename.table` is excluded keeps writing to the sink table of its old name).',
    ),
};

/**
 * The schema change types a sink's options let through. `create.table` is always among them (as
 * in Flink CDC since 3.4): a family such as `table` in `exclude.schema.changes` leaves it in.
 */
export function acceptedSchemaChanges(options: {
  readonly 'include.schema.changes'?: readonly string[] | undefined;
  readonly 'exclude.schema.changes'?: readonly string[] | undefined;
}): ReadonlySet<SchemaChangeType> {
  const include = options['include.schema.changes'];
  const accepted = new Set<SchemaChangeType>(include ? include.flatMap(typesOfTag) : TYPES);
  for (const tag of options['exclude.schema.changes'] ?? []) {
    for (const type of typesOfTag(tag)) accepted.delete(type);
  }
  accepted.add('create-table');
  return accepted;
}

export type SchemaChangeSinkOptions = z.output<z.ZodObject<typeof schemaChangeSinkOptions>>;
