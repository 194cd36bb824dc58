/**
 * Shard columns of different kinds (feature `merge-mixed-kinds`): one column name, a type of one
 * group per shard, so that the merged sink column takes a wider type of another kind (README
 * "Sharded merges: type widening"): INT with INT UNSIGNED or BIGINT UNSIGNED (BIGINT,
 * DECIMAL(20,0)), numbers with VARCHAR (LONGTEXT), DATE with DATETIME(n) or TIMESTAMP(n),
 * DECIMAL with DOUBLE (LONGTEXT), dates and times with each other and VARCHAR (LONGTEXT), CHAR with
 * VARCHAR and TEXT. Every pair of one group merges; the
 * pairs no type holds (conflictingType) are drawn on purpose, for the SCHEMA_MERGE stop.
 */
import type { Prng } from '../support/prng.js';
import type { TypeSpec } from './type-spec.js';

export type MixedKindGroup =
  'integers' | 'numbers-text' | 'numbers-double' | 'decimal-double' | 'temporal' | 'temporal-text' | 'text';

export const MIXED_KIND_GROUPS: readonly MixedKindGroup[] = [
  'integers',
  'numbers-text',
  'numbers-double',
  'decimal-double',
  'temporal',
  'text',
  'temporal-text',
];

const int = (bytes: 1 | 2 | 3 | 4 | 8, unsigned = false): TypeSpec => ({ f: 'int', bytes, unsigned });
const UTF8 = { charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' } as const;

function decimal(r: Prng): TypeSpec {
  const s = r.int(0, 4);
  return { f: 'decimal', p: s + r.int(1, 14), s, unsigned: false };
}

/** A type of the group (each shard draws its own). */
export function mixedKindType(r: Prng, group: MixedKindGroup): TypeSpec {
  switch (group) {
    case 'integers':
      return r.pick<() => TypeSpec>([
        () => int(4),
        () => int(4, true),
        () => int(8),
        () => int(8, true),
        () => int(2, true),
        () => int(1),
        () => int(3, true),
        () => ({ f: 'year' }),
      ])();
    case 'numbers-text':
      return r.weighted<() => TypeSpec>([
        [2, () => int(r.pick([1, 4, 8] as const), r.chance(0.3))],
        [2, () => decimal(r)],
        [3, () => ({ f: 'char', fixed: false, len: r.int(8, 40), ...UTF8 })],
      ])();
    case 'numbers-double':
      return r.weighted<() => TypeSpec>([
        [3, () => int(r.pick([1, 2, 3, 4] as const), r.chance(0.3))],
        [2, () => ({ f: 'double' })],
      ])();
    case 'decimal-double':
      return r.chance(0.5) ? decimal(r) : { f: 'double' };
    case 'temporal':
      return r.weighted<() => TypeSpec>([
        [3, () => ({ f: 'date' })],
        [3, () => ({ f: 'datetime', fsp: r.pick([0, 3, 6]) })],
        [1, () => ({ f: 'timestamp', fsp: r.pick([0, 6]) })],
      ])();
    case 'temporal-text':
      return r.weighted<() => TypeSpec>([
        [2, () => ({ f: 'date' })],
        [2, () => ({ f: 'datetime', fsp: r.pick([0, 2, 6]) })],
        [1, () => ({ f: 'timestamp', fsp: r.pick([0, 3]) })],
        [2, () => ({ f: 'time', fsp: r.pick([0, 1, 6]) })],
        [2, () => ({ f: 'char', fixed: false, len: r.int(8, 40), ...UTF8 })],
      ])();
    case 'text':
      return r.weighted<() => TypeSpec>([
        [2, () => ({ f: 'char', fixed: true, len: r.int(4, 20), ...UTF8 })],
        [3, () => ({ f: 'char', fixed: false, len: r.int(4, 60), ...UTF8 })],
        [2, () => ({ f: 'text', size: r.pick(['tiny', 'text', 'medium'] as const), ...UTF8 })],
      ])();
  }
}

/**
 * A type no type holds together with the merged column's type `sink` exactly (README: a BLOB and
 * a VARCHAR, BIGINT and DOUBLE): a shard with it stops the pipeline with SCHEMA_MERGE.
 */
export function conflictingType(sink: TypeSpec): TypeSpec {
  if (sink.f === 'int' && sink.bytes === 8) return { f: 'double' };
  if (sink.f === 'double') return int(8);
  return { f: 'blob', size: 'text' };
}
