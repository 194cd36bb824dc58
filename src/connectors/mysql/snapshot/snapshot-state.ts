import type { JsonValue } from '../../../event/json-value.js';
import type { TableId, TableSchema } from '../../../event/table-schema.js';
import { TidemarkError } from '../../../event/tidemark-error.js';
import { comparePositions } from '../binlog-change-reader.js';
import type { Connection } from 'mysql2/promise';
import {
  compareKeys,
  decodeKey,
  encodeKey,
  keyNeedsWeights,
  rangeContains,
  sameBound,
  type ChunkKey,
  type KeyRange,
  type KeyTuple,
} from './chunk-key.js';
import { KeyWeigher } from './key-order.js';

export interface BinlogPos {
  readonly file: string;
  readonly pos: number;
}

export function comparePos(a: BinlogPos, b: BinlogPos): number {
  return comparePositions(a.file, a.pos, b.file, b.pos);
}

export function formatPos(p: BinlogPos): string {
  return `${p.file}:${p.pos}`;
}

export function parsePos(text: string): BinlogPos {
  const i = text.lastIndexOf(':');
  return { file: text.slice(0, i), pos: Number(text.slice(i + 1)) };
}

/** A chunk whose rows were emitted: events of its keys before `hw` are already in them. */
interface FinishedChunk {
  range: KeyRange;
  /** The chunk's high watermark; null once the stream has passed it (then every event counts). */
  hw: BinlogPos | null;
}

/** A chunk being read: `reading` until the high watermark query is issued, then `closing`. */
export interface ActiveChunk {
  readonly seq: number;
  range: KeyRange;
  phase: 'reading' | 'closing';
  /** Whole-table read of a table without a split key: events after this position are emitted. */
  readonly emitAfter?: BinlogPos;
  readonly emitted: Promise<void>;
  markEmitted(): void;
}

/** How the stream treats one row event of a table in snapshot. */
export type Decision = 'emit' | 'drop' | { readonly wait: Promise<void> };

/** The checkpointed form of one table's snapshot progress (compact: ranges, not keys). */
export interface TableSnapshotJson {
  readonly table: string;
  /** Split key columns; null: read whole (no key), at-least-once. */
  readonly key: readonly string[] | null;
  /** Finished ranges: [lo, hi, high watermark "file:pos" or null once the stream passed it]. */
  readonly done: readonly (readonly [JsonValue[] | null, JsonValue[] | null, string | null])[];
}

/**
 * Snapshot progress of one table: which key ranges are finished (and with which high watermark),
 * which are being read. Decides for the binlog stream whether a row event is already contained
 * in a chunk (DBLog/Flink CDC's rule: drop an event of a key whose chunk's high watermark lies
 * after the event; a key whose chunk is not read yet is dropped too, the chunk will read it later).
 */
export class TableSnapshot {
  private finished: FinishedChunk[] = [];
  private readonly active = new Set<ActiveChunk>();
  private seq = 0;
  /** Rows read by this run (a resumed table read its finished ranges before the restart). */
  rowsRead = 0;
  rowsEstimated = 0;
  /** Part of the table was read before a restart: rowsRead counts this run's rows only. */
  resumed = false;
  /** Set when every key range is finished. */
  complete = false;
  /**
   * Reads the collation weights of key values, for a key ordered by a collation: every key
   * compared (range bounds, keys of binlog events) is weighed first. Undefined for other keys.
   */
  readonly weigher: KeyWeigher | undefined;

  constructor(
    readonly table: string,
    readonly id: TableId,
    readonly schema: TableSchema,
    /** null: no usable split key, the table is read in one streamed chunk. */
    readonly key: ChunkKey | null,
  ) {
    this.weigher = key && keyNeedsWeights(key) ? new KeyWeigher(key) : undefined;
  }

  /** The checkpointed progress; the bounds of its ranges are weighed on `conn` (see weigher). */
  static async restore(
    json: TableSnapshotJson,
    id: TableId,
    schema: TableSchema,
    key: ChunkKey | null,
    conn: Connection,
  ): Promise<TableSnapshot> {
    const t = new TableSnapshot(json.table, id, schema, key);
    const sameKey =
      (json.key === null && key === null) ||
      (json.key !== null &&
        key !== null &&
        json.key.length === key.columns.length &&
        json.key.every((c, i) => c.toLowerCase() === key.columns[i]!.toLowerCase()));
    if (!sameKey) {
      throw new TidemarkError(
        'PIPELINE_MISMATCH',
        `table ${json.table}: the checkpoint's snapshot was split by (${json.key?.join(', ') ?? 'no key'}), ` +
          `the table now by (${key?.columns.join(', ') ?? 'no key'}); use a new state directory and sink to snapshot again`,
        { details: { table: json.table } },
      );
    }
    t.resumed = json.done.length > 0;
    t.finished = json.done.map(([lo, hi, hw]) => ({
      range: { lo: lo === null ? null : decodeKey(lo), hi: hi === null ? null : decodeKey(hi) },
      hw: hw === null ? null : parsePos(hw),
    }));
    await t.weigher?.weigh(
      conn,
      t.finished.flatMap((f) => [f.range.lo, f.range.hi]),
    );
    t.sortFinished();
    t.complete = t.gaps().length === 0;
    return t;
  }

  toJson(): TableSnapshotJson {
    return {
      table: this.table,
      key: this.key ? [...this.key.columns] : null,
      done: this.finished.map((f) => [
        f.range.lo === null ? null : encodeKey(f.range.lo),
        f.range.hi === null ? null : encodeKey(f.range.hi),
        f.hw === null ? null : formatPos(f.hw),
      ]),
    };
  }

  private sortFinished(): void {
    const key = this.key;
    if (!key) return;
    this.finished.sort((a, b) =>
      a.range.lo === null ? -1 : b.range.lo === null ? 1 : compareKeys(key, a.range.lo, b.range.lo),
    );
  }

  /** Key ranges not finished yet, in key order (the whole key space for a fresh table). */
  gaps(): KeyRange[] {
    if (!this.key) return this.finished.length ? [] : [{ lo: null, hi: null }];
    const out: KeyRange[] = [];
    let cur: KeyTuple | null = null;
    let first = true;
    for (const f of this.finished) {
      if (first) {
        if (f.range.lo !== null) out.push({ lo: null, hi: f.range.lo });
        first = false;
      } else if (!sameBound(this.key, cur, f.range.lo)) {
        out.push({ lo: cur, hi: f.range.lo });
      }
      cur = f.range.hi;
      if (cur === null) return out;
    }
    out.push({ lo: first ? null : cur, hi: null });
    return out;
  }

  begin(range: KeyRange, emitAfter?: BinlogPos): ActiveChunk {
    let mark: () => void = () => undefined;
    const emitted = new Promise<void>((r) => (mark = r));
    const c: ActiveChunk = {
      seq: ++this.seq,
      range,
      phase: 'reading',
      ...(emitAfter ? { emitAfter } : {}),
      emitted,
      markEmitted: () => mark(),
    };
    this.active.add(c);
    return c;
  }

  /** The chunk's rows were handed to the consumer: from now on its high watermark decides. */
  finish(c: ActiveChunk, hw: BinlogPos): void {
    this.active.delete(c);
    this.finished.push({ range: c.range, hw: c.emitAfter ?? hw });
    this.sortFinished();
    c.markEmitted();
  }

  /** A chunk given up (error): forget it, the range stays unfinished. */
  abandon(c: ActiveChunk): void {
    this.active.delete(c);
    c.markEmitted();
  }

  decide(key: KeyTuple | null, at: BinlogPos): Decision {
    if (!this.key || key === null) {
      // whole-table read: at-least-once, every event after the read's low watermark.
      const f = this.finished[0];
      if (f) return f.hw === null || comparePos(at, f.hw) >= 0 ? 'emit' : 'drop';
      for (const c of this.active) {
        if (c.emitAfter) return comparePos(at, c.emitAfter) >= 0 ? 'emit' : 'drop';
      }
      return 'drop';
    }
    for (const c of this.active) {
      if (!rangeContains(this.key, c.range, key)) continue;
      return c.phase === 'reading' ? 'drop' : { wait: c.emitted };
    }
    const f = this.finishedAt(key);
    if (f) return f.hw === null || comparePos(at, f.hw) >= 0 ? 'emit' : 'drop';
    return 'drop';
  }

  /** The finished range holding `key` (binary search: the ranges are sorted and disjoint). */
  private finishedAt(key: KeyTuple): FinishedChunk | undefined {
    const k = this.key!;
    let lo = 0;
    let hi = this.finished.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const bound = this.finished[mid]!.range.lo;
      if (bound === null || compareKeys(k, bound, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const f = this.finished[lo - 1];
    return f && rangeContains(k, f.range, key) ? f : undefined;
  }

  /**
   * The stream is at `pos`: high watermarks at or before it no longer matter. Merges adjacent
   * such ranges (keeps the state compact). True when the table is complete and fully passed: it is
   * then a plain streaming table.
   */
  passed(pos: BinlogPos): boolean {
    for (const f of this.finished) if (f.hw !== null && comparePos(pos, f.hw) >= 0) f.hw = null;
    const merged: FinishedChunk[] = [];
    for (const f of this.finished) {
      const last = merged[merged.length - 1];
      if (
        last &&
        last.hw === null &&
        f.hw === null &&
        this.key &&
        sameBound(this.key, last.range.hi, f.range.lo)
      ) {
        last.range = { lo: last.range.lo, hi: f.range.hi };
      } else {
        merged.push({ range: f.range, hw: f.hw });
      }
    }
    this.finished = merged;
    this.complete = this.active.size === 0 && this.gaps().length === 0;
    return this.complete && this.finished.every((f) => f.hw === null);
  }

  /** True once a chunk began: decide() compares keys with chunk bounds from then on. */
  get hasRanges(): boolean {
    return this.active.size > 0 || this.finished.length > 0;
  }

  /** Finished key ranges (merged where possible). */
  get finishedCount(): number {
    return this.finished.length;
  }
}
