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
    assert.match(e.message, /already running: process \d+ holds .*Stop that process/);
    assert.doesNotMatch(e.message, /another --state-dir/); // that only meets the sink's own lock
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

test('a state directory that cannot be created: STATE_DIR naming --state-dir, no stack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-state-'));
  writeFileSync(join(dir, 'a-file'), '');
  await assert.rejects(StateStore.open(join(dir, 'a-file', 'state'), 'p'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'STATE_DIR');
    assert.match(
      e.message,
      /cannot write the state directory .*a-file\/state \(--state-dir\): a file is in the way/,
    );
    return true;
  });
});
