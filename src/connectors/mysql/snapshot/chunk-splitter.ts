import type { Connection } from 'mysql2/promise';
import type { TableId } from '../../../event/table-schema.js';
import { tableIdToString } from '../../../event/table-schema.js';
import { quoteIdentifier, valueTypeCast } from '../snapshot-reader.js';
import { snapshotQueryError } from './snapshot-query-error.js';
import {
  VALUE_ORDER,
  afterCondition,
  compareKeys,
  isNumericKey,
  orderBy,
  rangeCondition,
  sameBound,
  type ChunkKey,
  type KeyRange,
  type KeyTuple,
} from './chunk-key.js';
import type { KeyWeigher } from './key-order.js';

export interface SplitOptions {
  readonly chunkSize: number;
  /** Flink CDC's `chunk-key.even-distribution.factor.upper-bound` / `.lower-bound`. */
  readonly evenUpper: number;
  readonly evenLower: number;
  /** Hand out the chunks unbounded above/below first (even splits). */
  readonly unboundedFirst: boolean;
}

export function fromClause(id: TableId): string {
  return id.schemaName === undefined
    ? quoteIdentifier(id.tableName)
    : `${quoteIdentifier(id.schemaName)}.${quoteIdentifier(id.tableName)}`;
}

/** The key columns as a SELECT list: FLOAT read exactly, like snapshot rows (see snapshotSelectSql). */
function keyColumnsSql(key: ChunkKey): string {
  return key.columns
    .map((c, i) => (key.types[i]!.kind === 'float' ? `${quoteIdentifier(c)} + 0e0` : quoteIdentifier(c)))
    .join(', ');
}

/** Runs a query whose columns are the key columns; rows converted like snapshot rows. */
export async function queryKeys(
  conn: Connection,
  table: TableId,
  key: ChunkKey,
  sql: string,
): Promise<KeyTuple[]> {
  try {
    const [rows] = await conn.query({ sql, rowsAsArray: true, typeCast: valueTypeCast(key.types) as never });
    return rows as KeyTuple[];
  } catch (e) {
    throw snapshotQueryError(e, tableIdToString(table), 'splitting the table into chunks');
  }
}

const where = (...conds: (string | undefined)[]): string => {
  const c = conds.filter((x): x is string => !!x);
  return c.length ? ` WHERE ${c.join(' AND ')}` : '';
};

/**
 * Splits the unfinished key ranges of one table into chunks of about `chunkSize` rows, lazily
 * (one split query per chunk at most), the way Flink CDC's MySqlChunkSplitter does:
 * - a single integer key whose values are spread evenly enough (distribution factor
 *   (max - min + 1) / rows within [lower, upper]) is cut in equal key steps, without reading;
 * - otherwise the splitter walks the key index: the next boundary is the key `chunkSize` rows on.
 * The first chunk is unbounded below, the last unbounded above, so rows inserted outside the
 * current min/max are read too. Chunks that came out larger than planned are cut by the reader
 * (LIMIT) and their rest handed back with {@link pushFront}.
 */
export class ChunkSplitter {
  private readonly gaps: KeyRange[];
  private readonly front: KeyRange[] = [];
  private even: KeyRange[] | undefined;
  private walkFrom: KeyTuple | null | undefined;
  private walkGap: KeyRange | undefined;
  private busy: Promise<unknown> = Promise.resolve();
  private initialized = false;

  constructor(
    private readonly id: TableId,
    private readonly key: ChunkKey,
    gaps: readonly KeyRange[],
    private readonly opts: SplitOptions,
    private readonly estimatedRows: number,
    /** Weighs the boundaries of a key ordered by a collation (see TableSnapshot.weigher). */
    private readonly weigher?: KeyWeigher,
  ) {
    this.gaps = [...gaps];
  }

  /** True when no chunk is left to hand out (nothing planned, nothing returned). */
  get exhausted(): boolean {
    return (
      this.initialized &&
      this.front.length === 0 &&
      (this.even?.length ?? 0) === 0 &&
      this.walkGap === undefined &&
      this.gaps.length === 0
    );
  }

  pushFront(r: KeyRange): void {
    this.front.push(r);
  }

  /** The next chunk, or undefined when the table is fully handed out. Serialised per table. */
  next(conn: Connection): Promise<KeyRange | undefined> {
    const run = this.busy.then(() => this.nextInner(conn));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async nextInner(conn: Connection): Promise<KeyRange | undefined> {
    this.initialized = true;
    const f = this.front.shift();
    if (f) return f;
    for (;;) {
      if (this.even?.length) return this.even.shift();
      if (this.walkGap) {
        const r = await this.walk(conn);
        if (r) return r;
        continue;
      }
      const gap = this.gaps.shift();
      if (!gap) return undefined;
      const even = await this.evenSplit(conn, gap);
      if (even) {
        this.even = even;
        continue;
      }
      this.walkGap = gap;
      this.walkFrom = gap.lo;
    }
  }

  private async evenSplit(conn: Connection, gap: KeyRange): Promise<KeyRange[] | undefined> {
    if (!isNumericKey(this.key) || this.estimatedRows <= 0) return undefined;
    const col = quoteIdentifier(this.key.columns[0]!);
    const [mm] = await queryKeys(
      conn,
      this.id,
      {
        ...this.key,
        columns: [this.key.columns[0]!, this.key.columns[0]!],
        types: [this.key.types[0]!, this.key.types[0]!],
        orders: [VALUE_ORDER, VALUE_ORDER],
      },
      `SELECT MIN(${col}), MAX(${col}) FROM ${fromClause(this.id)}${where(rangeCondition(this.key, gap))}`,
    );
    const min = mm?.[0];
    const max = mm?.[1];
    if (min === null || min === undefined || max === null || max === undefined) return [gap];
    const lo = BigInt(min as number | bigint);
    const hi = BigInt(max as number | bigint);
    const factor = Number(hi - lo + 1n) / this.estimatedRows;
    if (!(factor >= this.opts.evenLower && factor <= this.opts.evenUpper)) return undefined;
    const step = BigInt(Math.max(1, Math.floor(this.opts.chunkSize * factor)));
    const asValue = (v: bigint): number | bigint =>
      this.key.types[0]!.kind === 'integer' && (this.key.types[0] as { bytes: number }).bytes === 8
        ? v
        : Number(v);
    const out: KeyRange[] = [];
    let prev: KeyTuple | null = gap.lo;
    for (let b = lo + step; b <= hi; b += step) {
      const bound: KeyTuple = [asValue(b)];
      if (prev !== null && compareKeys(this.key, bound, prev) <= 0) continue;
      if (gap.hi !== null && compareKeys(this.key, bound, gap.hi) >= 0) break;
      out.push({ lo: prev, hi: bound });
      prev = bound;
    }
    out.push({ lo: prev, hi: gap.hi });
    if (this.opts.unboundedFirst && out.length > 2) {
      const last = out.pop()!;
      out.unshift(last);
    }
    return out;
  }

  /** Key walking: the boundary `chunkSize` rows after the current start. */
  private async walk(conn: Connection): Promise<KeyRange | undefined> {
    const gap = this.walkGap!;
    const start = this.walkFrom ?? null;
    const upper: KeyRange = { lo: null, hi: gap.hi };
    const conds = [
      start === null ? undefined : rangeCondition(this.key, { lo: start, hi: null }),
      rangeCondition(this.key, upper),
    ];
    const cols = keyColumnsSql(this.key);
    const [next] = await queryKeys(
      conn,
      this.id,
      this.key,
      `SELECT ${cols} FROM ${fromClause(this.id)}${where(...conds)} ORDER BY ${orderBy(this.key)} LIMIT 1 OFFSET ${this.opts.chunkSize}`,
    );
    await this.weigher?.weigh(conn, [next ?? null]);
    let bound: KeyTuple | undefined = next;
    if (bound && (bound.some((v) => v === null) || (start !== null && sameBound(this.key, bound, start)))) {
      // duplicates of a non-unique key (or NULLs) fill the whole step: move past them.
      const from = bound.some((v) => v === null) ? undefined : afterCondition(this.key, bound);
      const [after] = await queryKeys(
        conn,
        this.id,
        this.key,
        `SELECT ${cols} FROM ${fromClause(this.id)}${where(
          from ??
            this.key.columns
              .map(quoteIdentifier)
              .map((c) => `${c} IS NOT NULL`)
              .join(' AND '),
          rangeCondition(this.key, upper),
        )} ORDER BY ${orderBy(this.key)} LIMIT 1`,
      );
      await this.weigher?.weigh(conn, [after ?? null]);
      bound = after;
    }
    if (!bound) {
      this.walkGap = undefined;
      this.walkFrom = undefined;
      return { lo: start, hi: gap.hi };
    }
    this.walkFrom = bound;
    return { lo: start, hi: bound };
  }

  /**
   * The smallest key of `range` without a NULL, or undefined when every key there has one. NULLs
   * sort first and bound no range: the rows whose chunk key is NULL are read as one chunk.
   */
  async firstKeyAfterNulls(conn: Connection, range: KeyRange): Promise<KeyTuple | undefined> {
    const notNull = this.key.columns.map((c) => `${quoteIdentifier(c)} IS NOT NULL`).join(' AND ');
    const [first] = await queryKeys(
      conn,
      this.id,
      this.key,
      `SELECT ${keyColumnsSql(this.key)} FROM ${fromClause(this.id)}${where(notNull, rangeCondition(this.key, range))} ` +
        `ORDER BY ${orderBy(this.key)} LIMIT 1`,
    );
    await this.weigher?.weigh(conn, [first ?? null]);
    return first;
  }

  describe(): string {
    return tableIdToString(this.id);
  }
}
