/**
 * The source conformance suite (test-only, like scripted-components.ts): what every source
 * promises the runner (source.ts), checked against the real source and its real server. A
 * connector's tests call `sourceConformanceSuite` with a harness for one table
 * `(id INT primary key, txn INT, size INT)` into which the suite commits transactions: `size` rows
 * each, all with the transaction's number in `txn`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataChangeEvent } from '../event/change-event.js';
import type { JsonValue } from '../event/json-value.js';
import { tableIdToString } from '../event/table-schema.js';
import { createLogger } from './logger.js';
import type { Source, SourceRecord } from './source.js';

export interface SourceFixture {
  /** A new instance of the source on the scenario's table (not opened). */
  newSource(): Promise<Source>;
  /** Commits one transaction per entry, inserting rows `ids` with `txn` and `size` set. */
  commit(transactions: readonly { readonly txn: number; readonly ids: readonly number[] }[]): Promise<void>;
  dispose(): Promise<void>;
}

export interface SourceHarness {
  readonly name: string;
  /** A fresh scenario: the table exists and is empty. */
  setup(): Promise<SourceFixture>;
}

const READ_TIMEOUT_MS = 60_000;

interface Reading {
  readonly records: SourceRecord[];
}

/**
 * Opens `source`, reads from `state` until `done` holds after a batch, then ends the reading and
 * closes the source. `onCaughtUp` runs (once) when the source reports it caught up.
 */
async function read(
  source: Source,
  state: JsonValue | undefined,
  done: (r: Reading) => boolean,
  onCaughtUp?: () => Promise<void>,
): Promise<SourceRecord[]> {
  const controller = new AbortController();
  const logger = createLogger({ write: () => undefined });
  await source.open({ pipelineName: 'conformance', logger, signal: controller.signal, localTimeZone: 'UTC' });
  const reading: Reading = { records: [] };
  const it = source.read(state)[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no end within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
    });
    let caughtUp = false;
    while (!done(reading)) {
      const step = await Promise.race([it.next(), deadline]);
      if (step.done) break;
      reading.records.push(...step.value);
      if (!caughtUp && step.value.some((r) => r.kind === 'caught-up')) {
        caughtUp = true;
        await onCaughtUp?.();
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
    await it.return?.();
    await source.close();
  }
  return reading.records;
}

const rowsOf = (records: readonly SourceRecord[]): DataChangeEvent[] =>
  records.filter((r): r is DataChangeEvent => r.kind === 'data');
const idOf = (e: DataChangeEvent): number => Number(e.after?.[0] ?? e.before?.[0]);
/** A checkpoint follows every row the test committed. */
const sawAllThenCheckpoint =
  (ids: number) =>
  (r: Reading): boolean => {
    const last = r.records.findLastIndex((x) => x.kind === 'checkpoint');
    return new Set(rowsOf(r.records.slice(0, last)).map(idOf)).size >= ids;
  };

/** Registers the conformance tests of one source. */
export function sourceConformanceSuite(harness: SourceHarness): void {
  const name = (what: string): string => `${harness.name} source conformance: ${what}`;
  // 3 transactions before the start (the snapshot), 4 while streaming: 2, 3, 1 and 5 rows
  const before = [1, 2, 3].map((txn) => ({ txn, ids: [txn * 10, txn * 10 + 1] }));
  const during = [
    { txn: 4, ids: [40, 41] },
    { txn: 5, ids: [50, 51, 52] },
    { txn: 6, ids: [60] },
    { txn: 7, ids: [70, 71, 72, 73, 74] },
  ];
  const total = [...before, ...during].reduce((n, t) => n + t.ids.length, 0);

  test(
    name('create-table before rows, checkpoints only at boundaries, a resume yields exactly the rest'),
    async () => {
      const fixture = await harness.setup();
      try {
        await fixture.commit(before);
        const first = await read(await fixture.newSource(), undefined, sawAllThenCheckpoint(total), () =>
          fixture.commit(during),
        );

        // create-table of a table before any of its rows
        const created = new Set<string>();
        for (const r of first) {
          if (r.kind === 'schema' && r.change.type === 'create-table')
            created.add(tableIdToString(r.tableId));
          if (r.kind === 'data')
            assert.ok(created.has(tableIdToString(r.tableId)), 'a row before its create-table');
        }
        assert.deepEqual(
          new Set(rowsOf(first).map(idOf)),
          new Set([...before, ...during].flatMap((t) => t.ids)),
        );

        // streamed rows: a checkpoint never splits a transaction
        const seen = new Map<number, number>();
        // (a source without a snapshot phase, such as kafka, streams the transactions before the start too)
        const sizes = new Map([...before, ...during].map((t) => [t.txn, t.ids.length]));
        for (const r of first) {
          if (r.kind === 'data' && !r.meta.snapshot) {
            const txn = Number(r.after?.[1]);
            seen.set(txn, (seen.get(txn) ?? 0) + 1);
          }
          if (r.kind === 'checkpoint')
            for (const [txn, n] of seen)
              assert.equal(n, sizes.get(txn), `checkpoint inside transaction ${txn}`);
        }

        // a resume from every checkpoint yields exactly the rows after it
        const checkpoints = first.flatMap((r, i) => (r.kind === 'checkpoint' ? [{ i, state: r.state }] : []));
        assert.ok(checkpoints.length >= 3, `only ${checkpoints.length} checkpoints`);
        const picks = [
          checkpoints[0]!,
          checkpoints[Math.floor(checkpoints.length / 2)]!,
          checkpoints.at(-2)!,
        ];
        for (const cp of picks) {
          const expected = rowsOf(first.slice(cp.i + 1)).map((e) => `${e.op} ${idOf(e)}`);
          const ids = new Set(rowsOf(first.slice(cp.i + 1)).map(idOf));
          const rest = await read(await fixture.newSource(), cp.state, (r) => {
            const got = new Set(rowsOf(r.records).map(idOf));
            return [...ids].every((id) => got.has(id));
          });
          assert.deepEqual(
            rowsOf(rest)
              .map((e) => `${e.op} ${idOf(e)}`)
              .sort(),
            expected.sort(),
            `resumed from the checkpoint after record ${cp.i}: the rows after it, each once`,
          );
        }
      } finally {
        await fixture.dispose();
      }
    },
  );
}
