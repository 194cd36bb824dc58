import type { Connection } from 'mysql2/promise';
import { TidemarkError, errorMessage } from '../../../event/tidemark-error.js';
import {
  VALUE_ORDER,
  lacksWeights,
  setKeyWeights,
  type ChunkKey,
  type CollationOrder,
  type KeyColumnOrder,
  type KeyTuple,
  type ValueWeights,
} from './chunk-key.js';

/** What information_schema.COLUMNS says of a key column. */
export interface KeyColumnInfo {
  readonly dataType: string;
  readonly collation: string | null;
  readonly charset: string | null;
}

const STRING_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
/** Character sets whose `_bin` collations order by code point (utf8 is code point order bytewise). */
const CODE_POINT_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);
/** Levels asked of WEIGHT_STRING; UCA collations have at most four. */
const MAX_LEVELS = 6;
/** A probe with different weights at the primary, secondary and tertiary level ("aÁ"). */
const PROBE = 'aÁ';

/** A utf8mb4 literal of any text, whatever the session's character set. */
function utf8Literal(text: string): string {
  return text === '' ? "_utf8mb4''" : `_utf8mb4 X'${Buffer.from(text, 'utf8').toString('hex')}'`;
}

function collated(text: string, c: { name: string; charset: string }): string {
  return `CONVERT(${utf8Literal(text)} USING ${c.charset}) COLLATE ${c.name}`;
}

function checkName(name: string): string {
  if (!/^[a-z0-9_]+$/i.test(name)) {
    throw new TidemarkError('SOURCE_SCHEMA', `unexpected collation or character set name "${name}"`);
  }
  return name;
}

async function queryRow(conn: Connection, sql: string, what: string): Promise<unknown[]> {
  try {
    const [rows] = await conn.query({ sql, rowsAsArray: true });
    return (rows as unknown[][])[0] ?? [];
  } catch (e) {
    throw new TidemarkError('SOURCE_QUERY', `${what} failed: ${errorMessage(e)}`, {
      cause: e,
      retryable: true,
      details: { sql: sql.slice(0, 300) },
    });
  }
}

/** A weight as returned (a binary string; NULL and the like: empty). */
function asBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : new Uint8Array(0);
}

/** Splits a whole weight into the levels it is made of (MariaDB writes them one after the other). */
function splitLevels(whole: Uint8Array, perLevel: readonly Uint8Array[]): number[] | undefined {
  const levels: number[] = [];
  let rest = Buffer.from(whole);
  for (let n = 1; n <= perLevel.length && rest.length > 0; n++) {
    const w = perLevel[n - 1]!;
    if (w.length === 0 || !rest.subarray(0, w.length).equals(w)) continue;
    levels.push(n);
    rest = rest.subarray(w.length);
  }
  return rest.length === 0 ? levels : undefined;
}

/**
 * Asks the server how a collation compares: PAD SPACE or NO PAD, its weight levels (MariaDB's
 * `WEIGHT_STRING(… LEVEL n)`; a server without LEVEL gives whole weights, compared as one level)
 * and the weight of a space at each level.
 */
export async function probeCollation(
  conn: Connection,
  name: string,
  charset: string,
): Promise<CollationOrder> {
  const c = { name: checkName(name), charset: checkName(charset) };
  const pad = `${collated('a', c)} = ${collated('a ', c)}`;
  const what = `reading how collation ${name} orders keys`;
  const levels = Array.from({ length: MAX_LEVELS }, (_, i) => i + 1);
  let row: unknown[] | undefined;
  try {
    row = await queryRow(
      conn,
      `SELECT ${pad}, WEIGHT_STRING(${collated(PROBE, c)}), ${levels
        .map(
          (n) =>
            `WEIGHT_STRING(${collated(PROBE, c)} LEVEL ${n}), WEIGHT_STRING(${collated(' ', c)} LEVEL ${n})`,
        )
        .join(', ')}`,
      what,
    );
  } catch (e) {
    // MySQL 8 has no LEVEL clause; its multi-level weights carry level separators.
    if (!/syntax/i.test(errorMessage(e))) throw e;
  }
  if (row) {
    const perLevel = levels.map((n) => asBytes(row[2 * n]));
    const found = splitLevels(asBytes(row[1]), perLevel);
    if (found?.length) {
      return {
        ...c,
        padSpace: Number(row[0]) === 1,
        levels: found,
        spaceWeights: found.map((n) => asBytes(row[2 * n + 1])),
      };
    }
  }
  const whole = await queryRow(conn, `SELECT ${pad}, WEIGHT_STRING(${collated(' ', c)})`, what);
  return { ...c, padSpace: Number(whole[0]) === 1, levels: [], spaceWeights: [asBytes(whole[1])] };
}

/**
 * How the server orders each key column: the value's own order for numbers, temporal types, ENUM,
 * SET, BIT and binary strings; code points for utf8 `_bin` collations; the collation's weights
 * for every other collation (probed once per collation per `probes` map).
 */
export async function keyColumnOrders(
  conn: Connection,
  columns: readonly KeyColumnInfo[],
  probes: Map<string, Promise<CollationOrder>> = new Map(),
): Promise<KeyColumnOrder[]> {
  const out: KeyColumnOrder[] = [];
  for (const col of columns) {
    const type = col.dataType.toLowerCase();
    if (type === 'uuid' || type === 'inet6' || type === 'inet4')
      out.push({ by: 'fixed-binary', format: type });
    else if (!STRING_TYPES.has(type) || !col.collation || !col.charset) out.push(VALUE_ORDER);
    else {
      const name = col.collation.toLowerCase();
      let probe = probes.get(name);
      if (!probe) probes.set(name, (probe = probeCollation(conn, name, col.charset.toLowerCase())));
      const collation = await probe;
      const codePoints = name.endsWith('_bin') && CODE_POINT_CHARSETS.has(collation.charset);
      out.push(
        codePoints ? { by: 'code-point', padSpace: collation.padSpace } : { by: 'weights', collation },
      );
    }
  }
  return out;
}

/** Values weighed per query (each one WEIGHT_STRING per level). */
const BATCH = 256;

/**
 * Weights of the values weighed lately, per collation, shared by every table (a value weighed by
 * the stream is often weighed again by a chunk's binlog replay). Bounded: the oldest are dropped
 * (first in, first out: touching a Map entry on every hit costs more than reading it again).
 */
class WeightCache {
  private readonly byCollation = new Map<string, Map<string, ValueWeights>>();
  private readonly order: { c: Map<string, ValueWeights>; text: string }[] = [];
  private head = 0;

  constructor(private readonly size: number) {}

  get(c: CollationOrder, text: string): ValueWeights | undefined {
    return this.byCollation.get(c.name)?.get(text);
  }

  set(c: CollationOrder, text: string, w: ValueWeights): void {
    let m = this.byCollation.get(c.name);
    if (!m) this.byCollation.set(c.name, (m = new Map()));
    if (m.has(text)) return;
    m.set(text, w);
    this.order.push({ c: m, text });
    if (this.order.length - this.head > this.size) {
      const old = this.order[this.head++]!;
      old.c.delete(old.text);
      if (this.head >= this.size) {
        this.order.splice(0, this.head);
        this.head = 0;
      }
    }
  }
}

/** About 10 MB of short keys. */
const cache = new WeightCache(65536);

export interface WeigherStats {
  /** Weight queries run, and the values they weighed. */
  queries: number;
  values: number;
  /** Values whose weights were known already. */
  cached: number;
}

/**
 * Reads the server's weights of key values whose column is ordered by a collation, in batches (one
 * query for many values), and attaches them to the key tuples (see compareKeys): a tuple is
 * weighed once, and its weights go with it.
 */
export class KeyWeigher {
  readonly stats: WeigherStats = { queries: 0, values: 0, cached: 0 };
  private readonly columns: { index: number; collation: CollationOrder }[];

  constructor(private readonly key: ChunkKey) {
    this.columns = key.orders.flatMap((o, index) =>
      o.by === 'weights' ? [{ index, collation: o.collation }] : [],
    );
  }

  /** Weighs every tuple that lacks weights (nulls and tuples weighed before are skipped). */
  async weigh(conn: Connection, tuples: Iterable<KeyTuple | null>): Promise<void> {
    const todo = new Set<KeyTuple>();
    for (const k of tuples) if (k !== null && lacksWeights(this.key, k)) todo.add(k);
    if (todo.size === 0) return;
    const byColumn = new Map<number, Map<string, ValueWeights | undefined>>();
    for (const col of this.columns) {
      const known = new Map<string, ValueWeights | undefined>();
      const missing: string[] = [];
      for (const k of todo) {
        const text = this.text(col.collation, k[col.index]);
        if (text === undefined || known.has(text)) continue;
        const w = cache.get(col.collation, text);
        if (w) this.stats.cached++;
        else missing.push(text);
        known.set(text, w);
      }
      for (const [text, w] of await this.read(conn, col.collation, missing)) {
        known.set(text, w);
        cache.set(col.collation, text, w);
      }
      byColumn.set(col.index, known);
    }
    for (const k of todo) {
      const w: (ValueWeights | undefined)[] = [];
      for (const col of this.columns) {
        const text = this.text(col.collation, k[col.index]);
        if (text !== undefined) w[col.index] = byColumn.get(col.index)!.get(text);
      }
      setKeyWeights(k, w);
    }
  }

  /** The text whose weights stand for a value: PAD SPACE drops trailing blanks (they weigh nothing). */
  private text(c: CollationOrder, v: unknown): string | undefined {
    if (v === null || v === undefined) return undefined;
    if (typeof v !== 'string') {
      throw new TidemarkError('INTERNAL', `a ${c.name} chunk key value is not a string: ${typeof v}`);
    }
    return c.padSpace && v.endsWith(' ') ? v.replace(/ +$/, '') : v;
  }

  private async read(
    conn: Connection,
    c: CollationOrder,
    texts: string[],
  ): Promise<Map<string, ValueWeights>> {
    const out = new Map<string, ValueWeights>();
    const levels = c.levels.length ? c.levels.map((n) => ` LEVEL ${n}`) : [''];
    for (let i = 0; i < texts.length; i += BATCH) {
      const part = texts.slice(i, i + BATCH);
      // named w0, w1…: the client reuses its row parser for every query of that many columns
      const exprs = part.flatMap((t, j) =>
        levels.map((l, n) => `WEIGHT_STRING(${collated(t, c)}${l}) AS w${j * levels.length + n}`),
      );
      const row = await queryRow(
        conn,
        `SELECT ${exprs.join(', ')}`,
        `reading ${c.name} weights of chunk key values`,
      );
      this.stats.queries++;
      this.stats.values += part.length;
      part.forEach((t, j) => {
        // copied: the client's buffers are views of the whole result packet
        const w = levels.map((_, l) => trimSpace(new Uint8Array(asBytes(row[j * levels.length + l])), c, l));
        out.set(t, w);
      });
    }
    return out;
  }
}

/** PAD SPACE: trailing space weights compare like the padding; cut them (canonical weights). */
function trimSpace(w: Uint8Array, c: CollationOrder, level: number): Uint8Array {
  const sp = c.spaceWeights[level]!;
  if (!c.padSpace || sp.length === 0) return w;
  let end = w.length;
  while (end >= sp.length && Buffer.from(w.subarray(end - sp.length, end)).equals(sp)) end -= sp.length;
  return end === w.length ? w : w.subarray(0, end);
}
