import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TidemarkError } from '../event/tidemark-error.js';
import { Reconnector, withReconnect, type ReconnectPolicy, type RetryInfo } from './reconnect.js';

/** A clock that only the (instant) sleep moves, and a record of the waits. */
function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; waits: number[] } {
  let t = 1_000_000;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      waits.push(ms);
      t += ms;
      return Promise.resolve();
    },
    waits,
  };
}

function lost(n: number): TidemarkError {
  return new TidemarkError('SOURCE_CONNECT', `connection refused #${n}`, {
    retryable: true,
    details: { host: 'db' },
  });
}

function policy(time: ReturnType<typeof fakeTime>, more: Partial<ReconnectPolicy> = {}): ReconnectPolicy {
  return { what: 'the test connection', maxRetries: 10, now: time.now, sleep: time.sleep, ...more };
}

test('retryable errors are retried with a growing delay, capped', async () => {
  const time = fakeTime();
  const retries: RetryInfo[] = [];
  let calls = 0;
  const result = await withReconnect(
    ({ attempt }) => {
      calls++;
      assert.equal(attempt, calls);
      return calls <= 6 ? Promise.reject(lost(calls)) : Promise.resolve('connected');
    },
    policy(time, { initialDelayMs: 100, maxDelayMs: 1000, onRetry: (r) => retries.push(r) }),
  );
  assert.equal(result, 'connected');
  assert.equal(calls, 7);
  assert.deepEqual(time.waits, [100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual(
    retries.map((r) => [r.attempt, r.delayMs, r.error.message]),
    time.waits.map((ms, i) => [i + 1, ms, `connection refused #${i + 1}`]),
  );
});

test('the default delays: 1 s, doubling, at most 30 s', async () => {
  const time = fakeTime();
  const r = new Reconnector(policy(time));
  for (let i = 1; i <= 8; i++) await r.failed(lost(i));
  assert.deepEqual(time.waits, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
});

test('a non-retryable error is thrown at once, as it is', async () => {
  const time = fakeTime();
  const denied = new TidemarkError('SOURCE_AUTH', 'access denied');
  let calls = 0;
  await assert.rejects(
    withReconnect(() => {
      calls++;
      return Promise.reject(denied);
    }, policy(time)),
    (e) => e === denied,
  );
  assert.equal(calls, 1);
  assert.deepEqual(time.waits, []);
  // an error that is no TidemarkError says nothing about retrying: a bug, not a lost connection
  const bug = new TypeError('x is undefined');
  await assert.rejects(new Reconnector(policy(time)).failed(bug), (e) => e === bug);
  assert.deepEqual(time.waits, []);
});

test('maxRetries 0: the first failure is thrown as it is', async () => {
  const time = fakeTime();
  const e1 = lost(1);
  await assert.rejects(new Reconnector(policy(time, { maxRetries: 0 })).failed(e1), (e) => e === e1);
  assert.deepEqual(time.waits, []);
});

test('used-up retries end with an error naming the last cause', async () => {
  const time = fakeTime();
  let calls = 0;
  await assert.rejects(
    withReconnect(
      () => Promise.reject(lost(++calls)),
      policy(time, { maxRetries: 2, maxRetriesOption: 'connect.max-retries' }),
    ),
    (e) => {
      assert.ok(e instanceof TidemarkError);
      assert.equal(e.code, 'SOURCE_CONNECT');
      assert.equal(e.retryable, false);
      assert.equal(
        e.message,
        'the test connection failed 3 times in a row; gave up after 2 retries (connect.max-retries: 2): connection refused #3',
      );
      assert.ok(e.cause instanceof TidemarkError);
      assert.equal(e.cause.message, 'connection refused #3');
      assert.deepEqual(e.details, { host: 'db', failures: 3 });
      return true;
    },
  );
  assert.equal(calls, 3);
  assert.deepEqual(time.waits, [1000, 2000]);
});

test('a used-up time budget ends with an error naming the last cause, without a wait past it', async () => {
  const time = fakeTime();
  const r = new Reconnector(policy(time, { budgetMs: 2500 }));
  await r.failed(lost(1)); // 0 ms + 1000 ms wait: within the budget
  await assert.rejects(r.failed(lost(2)), (e) => {
    assert.ok(e instanceof TidemarkError);
    assert.equal(e.code, 'SOURCE_CONNECT');
    assert.match(e.message, /failed 2 times in a row; gave up after 1000 ms \(the retry budget is 2500 ms\)/);
    assert.match(e.message, /connection refused #2$/);
    return true;
  });
  assert.deepEqual(time.waits, [1000]); // the 2000 ms wait would have ended past the budget
});

test('a success resets the backoff and the budget', async () => {
  const time = fakeTime();
  const r = new Reconnector(policy(time, { maxRetries: 3, budgetMs: 8000 }));
  for (let i = 1; i <= 3; i++) await r.failed(lost(i));
  r.succeeded();
  for (let i = 4; i <= 6; i++) await r.failed(lost(i));
  assert.deepEqual(time.waits, [1000, 2000, 4000, 1000, 2000, 4000]);
  await assert.rejects(r.failed(lost(7)), /failed 4 times in a row/);

  // the same through withReconnect: an attempt that worked for a while calls progressed()
  const t2 = fakeTime();
  let calls = 0;
  const result = await withReconnect(
    ({ progressed }) => {
      calls++;
      if (calls === 3) progressed(); // connected, read for a while, then lost
      return calls < 5 ? Promise.reject(lost(calls)) : Promise.resolve(calls);
    },
    policy(t2, { maxRetries: 2 }),
  );
  assert.equal(result, 5);
  assert.deepEqual(t2.waits, [1000, 2000, 1000, 2000]);
});

test('an abort ends the wait at once', async () => {
  const controller = new AbortController();
  const started = Date.now();
  let calls = 0;
  const run = withReconnect(
    () => {
      calls++;
      return Promise.reject(lost(calls));
    },
    {
      what: 'the test connection',
      maxRetries: 5,
      initialDelayMs: 60_000, // the real sleep: only the abort ends it in time
      signal: controller.signal,
      onRetry: () => setImmediate(() => controller.abort()),
    },
  );
  await assert.rejects(run, (e: Error) => e.name === 'AbortError');
  assert.ok(Date.now() - started < 5000, 'stopped waiting promptly');
  assert.equal(calls, 1);

  // Reconnector.failed itself resolves: the caller looks at its signal
  const c2 = new AbortController();
  const r = new Reconnector({ what: 'x', maxRetries: 5, initialDelayMs: 60_000, signal: c2.signal });
  const waiting = r.failed(lost(1));
  c2.abort();
  await waiting;
  assert.ok(Date.now() - started < 5000);
});

test('an attempt that fails after the abort: its error is thrown, not retried', async () => {
  const controller = new AbortController();
  const time = fakeTime();
  const failure = lost(1);
  await assert.rejects(
    withReconnect(
      () => {
        controller.abort();
        return Promise.reject(failure);
      },
      policy(time, { signal: controller.signal }),
    ),
    (e) => e === failure,
  );
  assert.deepEqual(time.waits, []);
});
