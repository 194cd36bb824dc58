import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Signal } from './signal.js';

test('notify wakes every waiter of the moment, and only them', async () => {
  const s = new Signal();
  const woken: string[] = [];
  const a = s.wait().then(() => woken.push('a'));
  const b = s.wait().then(() => woken.push('b'));
  s.notify();
  await Promise.all([a, b]);
  assert.deepEqual(woken.sort(), ['a', 'b']);

  s.notify(); // no one waits: not remembered
  let late = false;
  const c = s.wait().then(() => (late = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(late, false);
  s.notify();
  await c;
  assert.equal(late, true);
});
