/**
 * Random column layouts: column types of every family (switched by features), NULL / NOT NULL,
 * defaults (literals, binary literals, CURRENT_TIMESTAMP, expressions), primary keys of the kinds
 * issue #9 lists (INT, BIGINT UNSIGNED, VARCHAR in several collations, DECIMAL, DATETIME(6),
 * composite, none, none with a chunk key).
 */
import type { Feature } from './features.js';
import type { ColumnDef, DefaultSpec } from './operations.js';
import type { Prng } from '../support/prng.js';
import { expectedDuckType, type GeometryKind, type TextSize, type TypeSpec } from './type-spec.js';
import { randomLiteral } from './values.js';

const COMMON_CHARSETS: readonly (readonly [string, readonly string[]])[] = [
  [
    'utf8mb4',
    [
      'utf8mb4_unicode_ci',
      'utf8mb4_general_ci',
      'utf8mb4_bin',
      'utf8mb4_unicode_520_ci',
      'utf8mb4_nopad_bin',
      'utf8mb4_uca1400_ai_ci',
      'utf8mb4_german2_ci',
      'utf8mb4_general_nopad_ci',
    ],
  ],
  ['utf8mb3', ['utf8mb3_general_ci', 'utf8mb3_bin', 'utf8mb3_unicode_ci']],
  ['latin1', ['latin1_swedish_ci', 'latin1_bin', 'latin1_german2_ci', 'latin1_general_cs']],
  ['ascii', ['ascii_general_ci', 'ascii_bin']],
  ['ucs2', ['ucs2_general_ci', 'ucs2_bin']],
  ['utf16', ['utf16_general_ci', 'utf16_bin']],
  ['utf16le', ['utf16le_general_ci', 'utf16le_bin']],
  ['utf32', ['utf32_general_ci', 'utf32_bin']],
];

const EXOTIC_CHARSETS: readonly (readonly [string, readonly string[]])[] = [
  ['cp1251', ['cp1251_general_ci', 'cp1251_bin']],
  ['cp1250', ['cp1250_general_ci']],
  ['cp1256', ['cp1256_general_ci']],
  ['cp1257', ['cp1257_general_ci']],
  ['koi8r', ['koi8r_general_ci']],
  ['koi8u', ['koi8u_general_ci']],
  ['cp866', ['cp866_general_ci']],
  ['greek', ['greek_general_ci']],
  ['hebrew', ['hebrew_general_ci']],
  ['latin2', ['latin2_general_ci']],
  ['latin5', ['latin5_turkish_ci']],
  ['latin7', ['latin7_general_ci']],
  ['cp852', ['cp852_general_ci']],
  ['macce', ['macce_general_ci']],
  ['macroman', ['macroman_general_ci']],
  ['cp850', ['cp850_general_ci']],
  ['dec8', ['dec8_swedish_ci']],
  ['hp8', ['hp8_english_ci']],
  ['swe7', ['swe7_swedish_ci']],
  ['keybcs2', ['keybcs2_general_ci']],
  ['armscii8', ['armscii8_general_ci']],
  ['geostd8', ['geostd8_general_ci']],
  ['tis620', ['tis620_thai_ci']],
  ['sjis', ['sjis_japanese_ci', 'sjis_bin']],
  ['cp932', ['cp932_japanese_ci']],
  ['ujis', ['ujis_japanese_ci']],
  ['eucjpms', ['eucjpms_japanese_ci']],
  ['gbk', ['gbk_chinese_ci', 'gbk_bin']],
  ['gb2312', ['gb2312_chinese_ci']],
  ['big5', ['big5_chinese_ci', 'big5_bin']],
  ['euckr', ['euckr_korean_ci']],
];

export function randomCharset(rng: Prng, features: ReadonlySet<Feature>): [string, string] {
  const pool = features.has('exotic-charsets') && rng.chance(0.35) ? EXOTIC_CHARSETS : COMMON_CHARSETS;
  const [cs, colls] = rng.chance(0.4) ? pool[0]! : rng.pick(pool);
  return [cs, rng.pick(colls)];
}

const GEOMETRY_KINDS: readonly GeometryKind[] = [
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
];
const SIZES: readonly TextSize[] = ['tiny', 'text', 'medium', 'long'];

function enumValues(rng: Prng): string[] {
  const pool = ['a', 'b', 'c', 'red', 'green', 'blue', 'x y', 'ü', 'Ж', '値', 'A1', 'none'];
  return rng.shuffle(pool).slice(0, rng.int(1, 6));
}

/** A random non-key column type. */
export function randomType(rng: Prng, features: ReadonlySet<Feature>): TypeSpec {
  type Maker = () => TypeSpec;
  const makers: [number, Maker][] = [
    [6, () => ({ f: 'int', bytes: rng.pick([1, 2, 3, 4, 8] as const), unsigned: rng.chance(0.3) })],
    [
      4,
      () => {
        const p = rng.chance(0.15) ? rng.int(39, 65) : rng.int(1, 38);
        return { f: 'decimal', p, s: rng.int(0, Math.min(p, 30)), unsigned: rng.chance(0.2) };
      },
    ],
    [2, () => ({ f: 'float' })],
    [2, () => ({ f: 'double' })],
    [
      7,
      () => {
        const [charset, collation] = randomCharset(rng, features);
        return { f: 'char', fixed: rng.chance(0.25), len: rng.int(1, 60), charset, collation };
      },
    ],
    [
      3,
      () => {
        const [charset, collation] = randomCharset(rng, features);
        return { f: 'text', size: rng.pick(SIZES), charset, collation };
      },
    ],
    [2, () => ({ f: 'binary', fixed: rng.chance(0.4), len: rng.int(1, 40) })],
    [2, () => ({ f: 'blob', size: rng.pick(SIZES) })],
    [2, () => ({ f: 'date' })],
    [2, () => ({ f: 'time', fsp: rng.int(0, 6) })],
    [3, () => ({ f: 'datetime', fsp: rng.int(0, 6) })],
    [3, () => ({ f: 'timestamp', fsp: rng.int(0, 6) })],
    [1, () => ({ f: 'year' })],
    [2, () => ({ f: 'bit', len: rng.chance(0.3) ? 1 : rng.int(2, 64) })],
    [1, () => ({ f: 'enum', values: enumValues(rng), charset: randomCharset(rng, new Set())[0] })],
    [1, () => ({ f: 'set', values: enumValues(rng), charset: 'utf8mb4' })],
  ];
  if (features.has('json')) makers.push([2, () => ({ f: 'json' })]);
  if (features.has('spatial')) makers.push([2, () => ({ f: 'geometry', kind: rng.pick(GEOMETRY_KINDS) })]);
  if (features.has('uuid-inet')) {
    makers.push([1, () => ({ f: 'uuid' })], [1, () => ({ f: 'inet4' })], [1, () => ({ f: 'inet6' })]);
  }
  return rng.weighted(makers)();
}

/** A primary key column type of the kinds. */
export function randomKeyType(rng: Prng, features: ReadonlySet<Feature>): TypeSpec {
  const kinds: [number, () => TypeSpec][] = [
    [4, () => ({ f: 'int', bytes: 4, unsigned: false })],
    [2, () => ({ f: 'int', bytes: 8, unsigned: true })],
  ];
  if (features.has('string-key')) {
    kinds.push([
      3,
      () => {
        const [charset, collation] = rng.pick([
          ['utf8mb4', 'utf8mb4_unicode_ci'],
          ['utf8mb4', 'utf8mb4_bin'],
          ['utf8mb4', 'utf8mb4_general_ci'],
          ['utf8mb4', 'utf8mb4_nopad_bin'],
          ['utf8mb4', 'utf8mb4_uca1400_ai_ci'],
          ['utf8mb4', 'utf8mb4_german2_ci'],
          ['latin1', 'latin1_swedish_ci'],
          ['latin1', 'latin1_bin'],
          ['latin1', 'latin1_german2_ci'],
          ['utf8mb3', 'utf8mb3_general_ci'],
          ['ascii', 'ascii_bin'],
        ] as const);
        return { f: 'char', fixed: false, len: rng.int(4, 40), charset, collation };
      },
    ]);
  }
  if (features.has('decimal-key'))
    kinds.push([1, () => ({ f: 'decimal', p: 10, s: rng.int(0, 3), unsigned: false })]);
  if (features.has('temporal-key')) kinds.push([1, () => ({ f: 'datetime', fsp: 6 })]);
  return rng.weighted(kinds)();
}

const ODD_NAMES = ['select', 'na me', 'Ünï', 'a`b', 'x.y', 'Key', 'order', 'ÆØÅ', 'col-1', '日付'];

/** Column and table names, unique (case-insensitively) within a scenario. */
export class Names {
  private n = 0;
  private readonly used = new Set<string>();
  constructor(
    private readonly rng: Prng,
    private readonly odd: boolean,
  ) {}

  column(): string {
    if (this.odd && this.rng.chance(0.08)) {
      const cand = this.rng.pick(ODD_NAMES) + (this.n++ > 0 ? String(this.n) : '');
      if (!this.used.has(cand.toLowerCase())) return this.take(cand);
    }
    const base = this.rng.chance(0.1) ? 'C' : 'c';
    return this.take(`${base}${this.n++}`);
  }

  table(): string {
    return this.take(`t${this.n++}`);
  }

  private take(name: string): string {
    this.used.add(name.toLowerCase());
    return name;
  }
}

function binaryLiteral(rng: Prng, t: TypeSpec): string | undefined {
  const asciiHex = (n: number): string =>
    Array.from({ length: n }, () => rng.int(0x41, 0x5a).toString(16).toUpperCase()).join('');
  switch (t.f) {
    case 'char':
      return rng.chance(0.5) ? `0x${asciiHex(Math.min(t.len, 4))}` : `X'${asciiHex(Math.min(t.len, 3))}'`;
    case 'text':
      return `X'${asciiHex(3)}'`;
    case 'binary':
      return `X'${asciiHex(Math.min(t.len, 4))}'`;
    case 'blob':
      return `0x${asciiHex(5)}`;
    case 'bit':
      return `b'${'1'.repeat(Math.min(t.len, 3))}'`;
    case 'int':
      return '0x1F';
    default:
      return undefined;
  }
}

function exprDefault(rng: Prng, t: TypeSpec): string | undefined {
  switch (t.f) {
    case 'int':
      return rng.pick(['(1 + 2)', '(FLOOR(RAND() * 100))']);
    case 'double':
      return '(RAND())';
    case 'char':
      if (t.len >= 36 && !t.fixed) return '(UUID())';
      return t.len >= 2 ? "(CONCAT('a', 'b'))" : undefined;
    case 'uuid':
      return '(UUID())';
    case 'date':
      return '(CURDATE())';
    case 'datetime':
      return '(NOW() + INTERVAL 1 DAY)';
    default:
      return undefined;
  }
}

/** A random DEFAULT for a column of type t (or none). */
export function randomDefault(
  rng: Prng,
  t: TypeSpec,
  notNull: boolean,
  features: ReadonlySet<Feature>,
): DefaultSpec | undefined {
  if (t.f === 'geometry' || rng.chance(0.45)) return undefined;
  const options: [number, () => DefaultSpec | undefined][] = [
    [5, () => ({ k: 'literal', sql: randomLiteral(rng, t, { large: false, foreign: false }) })],
  ];
  if (!notNull) options.push([2, () => ({ k: 'null' })]);
  if (features.has('binary-defaults')) {
    options.push([
      2,
      () => {
        const sql = binaryLiteral(rng, t);
        return sql ? { k: 'literal', sql } : undefined;
      },
    ]);
  }
  if (features.has('expr-defaults')) {
    options.push([
      2,
      () => {
        const sql = exprDefault(rng, t);
        return sql ? { k: 'expr', sql } : undefined;
      },
    ]);
  }
  if (features.has('now-defaults') && (t.f === 'datetime' || t.f === 'timestamp')) {
    options.push([
      4,
      () => ({
        k: 'now',
        sql: rng.chance(0.5) ? 'CURRENT_TIMESTAMP' : `CURRENT_TIMESTAMP(${rng.int(0, t.fsp)})`,
      }),
    ]);
  }
  return rng.weighted(options)();
}

/** A random non-key column. */
export function randomColumn(rng: Prng, name: string, features: ReadonlySet<Feature>): ColumnDef {
  const type = randomType(rng, features);
  const notNull = rng.chance(0.3);
  const dflt = randomDefault(rng, type, notNull, features);
  const onUpdateNow =
    features.has('now-defaults') && (type.f === 'datetime' || type.f === 'timestamp') && rng.chance(0.2);
  return { name, type, notNull, ...(dflt ? { default: dflt } : {}), ...(onUpdateNow ? { onUpdateNow } : {}) };
}

export type KeyKind = 'single' | 'composite' | 'none';

export interface TableLayout {
  readonly columns: ColumnDef[];
  readonly key: string[];
}

/** A random table: key columns first (or none), then 1-6 other columns. */
export function randomLayout(rng: Prng, names: Names, features: ReadonlySet<Feature>): TableLayout {
  const kinds: [number, KeyKind][] = [[6, 'single']];
  if (features.has('composite-key')) kinds.push([2, 'composite']);
  if (features.has('keyless')) kinds.push([2, 'none']);
  const kind = rng.weighted(kinds);
  const columns: ColumnDef[] = [];
  const key: string[] = [];
  const keyCount = kind === 'single' ? 1 : kind === 'composite' ? rng.int(2, 3) : 0;
  for (let i = 0; i < keyCount; i++) {
    const name = names.column();
    columns.push({ name, type: randomKeyType(rng, features), notNull: true });
    key.push(name);
  }
  if (kind === 'none') {
    // a column a chunk key can use
    columns.push({
      name: names.column(),
      type: { f: 'int', bytes: 4, unsigned: false },
      notNull: rng.chance(0.5),
    });
  }
  for (let i = rng.int(1, 6); i > 0; i--) columns.push(randomColumn(rng, names.column(), features));
  return { columns, key };
}

/** A type that the column can be MODIFY'd to; `sameDuck` keeps the DuckDB type (for `ignore`). */
export function modifiedType(rng: Prng, t: TypeSpec, lossy: boolean, sameDuck: boolean): TypeSpec {
  const widen = ((): TypeSpec => {
    switch (t.f) {
      case 'int': {
        const bigger = ([1, 2, 3, 4, 8] as const).filter((b) => b >= t.bytes);
        return { ...t, bytes: rng.pick(bigger) };
      }
      case 'char':
        return { ...t, fixed: false, len: t.len + rng.int(0, 40) };
      case 'text':
        return { ...t, size: rng.pick(SIZES.slice(SIZES.indexOf(t.size))) };
      case 'binary':
        return { ...t, fixed: false, len: t.len + rng.int(0, 20) };
      case 'decimal':
        return { ...t, p: Math.min(65, t.p + rng.int(0, 5)) };
      case 'datetime':
      case 'timestamp':
      case 'time':
        return { ...t, fsp: rng.int(t.fsp, 6) };
      case 'enum':
      case 'set':
        return { ...t, values: [...t.values, `v${rng.int(0, 99)}`] };
      default:
        return t;
    }
  })();
  if (sameDuck) return expectedDuckType(widen) === expectedDuckType(t) ? widen : t;
  if (!lossy || rng.chance(0.4)) return widen;
  return rng.pick<TypeSpec>([
    { f: 'char', fixed: false, len: rng.int(1, 30), charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci' },
    { f: 'char', fixed: false, len: 20, charset: 'latin1', collation: 'latin1_swedish_ci' },
    { f: 'int', bytes: rng.pick([1, 2, 4, 8] as const), unsigned: rng.chance(0.3) },
    { f: 'decimal', p: rng.int(4, 40), s: rng.int(0, 3), unsigned: false },
    { f: 'date' },
    { f: 'datetime', fsp: rng.int(0, 6) },
    { f: 'text', size: 'text', charset: 'utf8mb4', collation: 'utf8mb4_bin' },
    { f: 'double' },
    { f: 'blob', size: 'text' },
  ]);
}
