import type { Connection } from 'mysql2/promise';
import type { DataChangeEvent } from '../../../event/change-event.js';
import { eventKeys, lacksWeights, type KeyTuple } from './chunk-key.js';
import type { TableSnapshot } from './snapshot-state.js';

/** The chunk key tuples of one row event of a table in snapshot. */
export interface EventKeys {
  readonly before: KeyTuple | null;
  readonly after: KeyTuple | null;
}

/**
 * Weighs the keys of the binlog stream's row events for tables in snapshot whose key is ordered by
 * a collation (see KeyWeigher), before TableSnapshot.decide compares them with chunk bounds: for a
 * whole batch of events at once (one query per table), on a session of its own opened on first use.
 * Tables without a chunk begun yet are skipped (decide compares nothing there); should a chunk
 * begin meanwhile, {@link pending} weighs the stragglers.
 */
export class StreamKeyWeigher {
  private conn: Promise<Connection> | undefined;

  constructor(private readonly open: () => Promise<Connection>) {}

  /**
   * The key tuples of the events whose table `tableOf` says is in snapshot with a key, weighed
   * where the table compares keys. The filter passes the same tuples to decide (weights go with
   * the tuple).
   */
  async keysOf(
    events: Iterable<DataChangeEvent>,
    tableOf: (ev: DataChangeEvent) => TableSnapshot | undefined,
  ): Promise<Map<DataChangeEvent, EventKeys>> {
    const out = new Map<DataChangeEvent, EventKeys>();
    const toWeigh = new Map<TableSnapshot, (KeyTuple | null)[]>();
    for (const ev of events) {
      const ts = tableOf(ev);
      if (!ts?.key) continue;
      const keys = eventKeys(ts.key, ev.before, ev.after);
      out.set(ev, keys);
      if (!ts.weigher || !ts.hasRanges) continue;
      let list = toWeigh.get(ts);
      if (!list) toWeigh.set(ts, (list = []));
      list.push(keys.before, keys.after);
    }
    for (const [ts, list] of toWeigh) await ts.weigher!.weigh(await this.connection(), list);
    return out;
  }

  /** A promise to wait for when some of `keys` still need weights, else undefined. */
  pending(ts: TableSnapshot, keys: readonly (KeyTuple | null)[]): Promise<void> | undefined {
    const key = ts.key;
    if (!ts.weigher || !key || !ts.hasRanges) return undefined;
    const todo = keys.filter((k): k is KeyTuple => k !== null && lacksWeights(key, k));
    if (todo.length === 0) return undefined;
    return this.connection().then((c) => ts.weigher!.weigh(c, todo));
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    await c?.then((x) => x.end()).catch(() => undefined);
  }

  private connection(): Promise<Connection> {
    if (!this.conn) {
      const c = this.open();
      this.conn = c;
      // a failed open is not kept: the next batch tries again
      c.catch(() => {
        if (this.conn === c) this.conn = undefined;
      });
    }
    return this.conn;
  }
}
