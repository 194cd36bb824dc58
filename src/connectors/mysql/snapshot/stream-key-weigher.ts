import type { Connection } from 'mysql2/promise';
import type { DataChangeEvent } from '../../../event/change-event.js';
import { keyOf, lacksWeights, type KeyTuple } from './chunk-key.js';
import type { TableSnapshot } from './snapshot-state.js';

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

  /** Weighs the keys of `events` whose table `tableOf` says is in snapshot and comparing keys. */
  async weighBatch(
    events: Iterable<DataChangeEvent>,
    tableOf: (ev: DataChangeEvent) => TableSnapshot | undefined,
  ): Promise<void> {
    const keys = new Map<TableSnapshot, (KeyTuple | null)[]>();
    for (const ev of events) {
      const ts = tableOf(ev);
      if (!ts?.weigher || !ts.key || !ts.hasRanges) continue;
      let list = keys.get(ts);
      if (!list) keys.set(ts, (list = []));
      list.push(ev.before && keyOf(ts.key, ev.before), ev.after && keyOf(ts.key, ev.after));
    }
    for (const [ts, list] of keys) await ts.weigher!.weigh(await this.connection(), list);
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
