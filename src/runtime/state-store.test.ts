import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from './state-store.js';

test('a pipeline locked by a live process is refused; a stale lock is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-state-'));
  const pipelineDir = join(dir, 'pipelines', 'my_pipeline');
  mkdirSync(pipelineDir, { recursive: true });
  writeFileSync(join(pipelineDir, 'lock'), String(process.ppid)); // a live process that is not us
  await assert.rejects(StateStore.open(dir, 'my pipeline'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'STATE_LOCKED');
    assert.match(e.message, /already running \(process \d+/);
    return true;
  });
  writeFileSync(join(pipelineDir, 'lock'), '999999999'); // no such process
  const store = await StateStore.open(dir, 'my pipeline');
  assert.equal(readFileSync(join(pipelineDir, 'lock'), 'utf8'), String(process.pid));
  await store.save({
    seq: 3,
    pipeline: 'my pipeline',
    source: { file: 'f', pos: 4 },
    runtime: null,
    createdAt: 1,
  });
  assert.equal((await store.load())?.seq, 3);
  await store.release();
});
