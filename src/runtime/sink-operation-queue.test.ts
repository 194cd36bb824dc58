import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TidemarkError } from '../event/tidemark-error.js';
import { SinkOperationQueue } from './sink-operation-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

test('operations run one after another, in the order they were queued', async () => {
  const q = new SinkOperationQueue('test sink');
  const order: string[] = [];
  q.runDetached(async () => {
    await tick();
    order.push('write 1');
  });
  const flush = q.run(async () => {
    order.push('flush');
    await Promise.resolve();
  });
  q.runDetached(async () => {
    order.push('write 2');
    await Promise.resolve();
  });
  await flush;
  assert.deepEqual(order, ['write 1', 'flush']);
  await q.idle();
  assert.deepEqual(order, ['write 1', 'flush', 'write 2']);
});

test('a failed detached write surfaces at the next call, then the sink stays unusable', async () => {
  const q = new SinkOperationQueue('test sink');
  const failure = new TidemarkError('SINK_WRITE', 'disk full');
  let ranAfter = false;
  q.runDetached(() => {
    q.latch(failure);
    return Promise.reject(failure);
  });
  const later = q.run(() => {
    ranAfter = true;
    return Promise.resolve();
  });
  await assert.rejects(later, (e) => e === failure, 'the next operation reports the error itself');
  assert.equal(ranAfter, false, 'nothing queued after a failure runs');
  await q.idle();
  assert.throws(
    () => q.checkUsable(),
    /test sink is unusable after an earlier error \(disk full\); reopen it/,
  );
  assert.equal(q.failed, failure);
});

test('an awaited operation rejects with its own error', async () => {
  const q = new SinkOperationQueue('test sink');
  await assert.rejects(
    q.run(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  // not latched: the sink decides what is fatal
  await q.run(() => Promise.resolve());
});

test('atMost(n) resolves once no more than n operations are unsettled, failed ones included', async () => {
  const q = new SinkOperationQueue('test sink');
  const gates = [0, 1, 2].map(() => {
    let open = (): void => undefined;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  });
  q.runDetached(() => gates[0]!.opened);
  q.runDetached(() => gates[1]!.opened.then(() => Promise.reject(new Error('boom'))));
  q.runDetached(() => gates[2]!.opened);
  let done = false;
  const waiting = q.atMost(1).then(() => (done = true));
  gates[0]!.open();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, 'two still unsettled');
  gates[1]!.open();
  await waiting;
  assert.equal(done, true);
  gates[2]!.open();
  await q.atMost(0);
  await q.idle();
});
