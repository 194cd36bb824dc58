import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { isTidemarkError } from '../event/tidemark-error.js';
import { DEFAULT_HEAP_GROWING_PERCENT, tuneHeapForStreaming } from './heap-tuning.js';

test('tuneHeapForStreaming: default, 0 keeps V8 heuristics, bad values name the variable', () => {
  assert.equal(tuneHeapForStreaming({}), DEFAULT_HEAP_GROWING_PERCENT);
  assert.equal(tuneHeapForStreaming({ TIDEMARK_HEAP_GROWING_PERCENT: '0' }), 0);
  assert.equal(tuneHeapForStreaming({ TIDEMARK_HEAP_GROWING_PERCENT: '50' }), 50);
  for (const bad of ['-1', 'lots', '2.5', '5000']) {
    assert.throws(
      () => tuneHeapForStreaming({ TIDEMARK_HEAP_GROWING_PERCENT: bad }),
      (e: unknown) => isTidemarkError(e) && e.code === 'CONFIG_INVALID' && e.message.includes(bad),
    );
  }
});

// A pipeline-like heap: a little long-lived data, then rows in batches of 30k that stay alive
// while the next four are made (they survive young collections and reach the old generation).
const workload = `
  const live = Array.from({ length: 100 }, () => Array.from({ length: 10_000 }, (_, i) => i * 1.5));
  let batch = [];
  const inFlight = [];
  let peak = 0;
  for (let i = 0; i < 4_000_000; i++) {
    batch.push({ id: i, name: 'row ' + i, values: [i, i * 2, String(i)] });
    if (batch.length === 30_000) {
      inFlight.push(batch);
      batch = [];
      if (inFlight.length > 4) inFlight.shift();
    }
    if (i % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
  }
  console.log(JSON.stringify({ peak, live: live.length }));
`;

function peakHeap(percent: number): number {
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `${percent > 0 ? `(await import('node:v8')).setFlagsFromString('--heap-growing-percent=${percent}');` : ''}${workload}`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { peak: number }).peak;
}

test('the heap-growing flag set at run time keeps the heap of a garbage-heavy workload smaller', () => {
  const tuned = peakHeap(DEFAULT_HEAP_GROWING_PERCENT);
  const untuned = peakHeap(0);
  assert.ok(tuned < untuned * 0.8, `peak heap tuned ${tuned >> 20} MB, V8 default ${untuned >> 20} MB`);
});
