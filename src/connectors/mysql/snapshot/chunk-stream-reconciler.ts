import type { Connection } from 'mysql2/promise';
import type { DataChangeEvent, SchemaChangeEvent } from '../../../event/change-event.js';
import { tableIdToString } from '../../../event/table-schema.js';
import type { SourceRecord } from '../../../runtime/source.js';
import { keyOf, keyText } from './chunk-key.js';
import {
  parsePos,
  type BinlogPos,
  type Decision,
  type TableSnapshot,
  type TableSnapshotJson,
} from './snapshot-state.js';
import { StreamKeyWeigher, type EventKeys } from './stream-key-weigher.js';
import { changedDuringSnapshot } from './snapshot-query-error.js';

/** The stream's verdict on one row event: records to emit, or a chunk (or weights of its keys) to wait for. */
export type StreamVerdict = DataChangeEvent[] | { readonly wait: Promise<void> };

export interface ChunkStreamReconcilerOptions {
  /** The tables captured now (the stream adds tables created meanwhile): rows of others are dropped. */
  readonly captured: ReadonlySet<string>;
  /** Where the stream is: the position of a row event without a location of its own. */
  readonly position: () => BinlogPos;
  /** Opens the session on which the keys of row events are weighed (keys ordered by a collation). */
  readonly openConnection: () => Promise<Connection>;
  /** Weighing failed: the run is to end with this error (the verdict's wait resolves all the same). */
  readonly onFailure: (e: unknown) => void;
}

/**
 * The binlog stream's side of the incremental snapshot: which row events of tables in snapshot the
 * stream emits and which are already in a chunk (TableSnapshot.decide: an event of a key whose chunk
 * is finished is emitted when it lies at or after the chunk's high watermark; an event of a key
 * whose chunk is being read, or not read yet, is dropped, as the chunk holds the row's state; for a
 * chunk being closed the stream waits until its rows are emitted). A table leaves once its snapshot
 * is complete and the stream has passed every chunk's high watermark: a plain streaming table then.
 */
export class ChunkStreamReconciler {
  /** Tables whose snapshot is not finished (or whose high watermarks the stream has not passed). */
  private readonly inSnapshot: Map<string, TableSnapshot>;
  private readonly weigher: StreamKeyWeigher;
  private readonly weighKeys: boolean;

  constructor(
    snapshot: readonly TableSnapshot[],
    private readonly opts: ChunkStreamReconcilerOptions,
  ) {
    this.inSnapshot = new Map(snapshot.map((t) => [t.table, t]));
    this.weigher = new StreamKeyWeigher(opts.openConnection);
    this.weighKeys = snapshot.some((ts) => ts.weigher);
  }

  /** The stream's checkpoint is at `at`: tables it completes become plain streaming tables. */
  passed(at: BinlogPos): void {
    for (const [name, ts] of this.inSnapshot) if (ts.passed(at)) this.inSnapshot.delete(name);
  }

  /**
   * A schema change the stream meets: on a table with chunks still to read it is an error (see
   * changedDuringSnapshot); a table whose chunks were all read follows it as the stream does.
   */
  checkSchemaChange(rec: SchemaChangeEvent): void {
    if (rec.change.type === 'create-table') return;
    const name = tableIdToString(rec.tableId);
    const ts = this.inSnapshot.get(name);
    if (ts === undefined || ts.complete) return;
    throw changedDuringSnapshot(
      name,
      `following ${rec.change.type}`,
      `${rec.ddl ?? rec.change.type} at ${rec.meta.location ?? 'the binlog'}`,
    );
  }

  /** The checkpointed form of the tables still in snapshot. */
  toJson(): TableSnapshotJson[] {
    return [...this.inSnapshot.values()].map((t) => t.toJson());
  }

  /** The key tuples of a batch's row events: keys ordered by a collation are weighed for the whole batch at once. */
  async keysOf(raw: readonly SourceRecord[]): Promise<Map<DataChangeEvent, EventKeys> | undefined> {
    return this.weighKeys && this.inSnapshot.size > 0
      ? await this.weigher.keysOf(
          raw.filter((rec) => rec.kind === 'data'),
          (ev) => this.inSnapshot.get(tableIdToString(ev.tableId)),
        )
      : undefined;
  }

  /**
   * The stream's verdict on one row event: records to emit, or a chunk (or weights of its keys)
   * to wait for. `keys`: the event's key tuples, when the batch computed (and weighed) them.
   */
  filter(ev: DataChangeEvent, keys?: EventKeys): StreamVerdict {
    if (this.passes(ev)) return [ev];
    const name = tableIdToString(ev.tableId);
    if (!this.opts.captured.has(name)) return [];
    const ts = this.inSnapshot.get(name)!; // captured, and not passing: in a snapshot
    const at = ev.meta.location ? parsePos(ev.meta.location) : this.opts.position();
    const key = ts.key;
    if (!key) return verdict(ts.decide(null, at), ev);
    const bk = keys ? keys.before : ev.before && keyOf(key, ev.before);
    const ak = keys ? keys.after : ev.after && keyOf(key, ev.after);
    const weighing = this.weigher.pending(ts, [bk, ak]);
    if (weighing) return { wait: weighing.catch((e: unknown) => this.opts.onFailure(e)) };
    if (bk && ak && keyText(bk) !== keyText(ak)) {
      // the key moved: the delete belongs to the old key's chunk, the insert to the new one's
      const db = ts.decide(bk, at);
      const da = ts.decide(ak, at);
      if (typeof db === 'object') return db;
      if (typeof da === 'object') return da;
      if (db === 'emit' && da === 'emit') return [ev];
      if (db === 'emit') return [{ ...ev, op: 'delete', after: null }];
      if (da === 'emit') return [{ ...ev, op: 'insert', before: null }];
      return [];
    }
    return verdict(ts.decide(bk ?? ak, at), ev);
  }

  /** The event is emitted as it is (filter gives [ev]): a captured table with no snapshot running. */
  passes(ev: DataChangeEvent): boolean {
    const name = tableIdToString(ev.tableId);
    return this.opts.captured.has(name) && !this.inSnapshot.has(name);
  }

  async close(): Promise<void> {
    await this.weigher.close();
  }
}

function verdict(d: Decision, ev: DataChangeEvent): StreamVerdict {
  if (d === 'emit') return [ev];
  if (d === 'drop') return [];
  return d;
}
