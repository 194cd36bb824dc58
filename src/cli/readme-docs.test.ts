import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extractGeneratedSection, generatedReadmeSection } from './readme-docs.js';

test('README.md holds the configuration reference that `tidemark docs` generates (run `npm run docs`)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.equal(extractGeneratedSection(readme), generatedReadmeSection().trim());
});

test('the reference names every option with its default', () => {
  const text = generatedReadmeSection();
  for (const name of [
    '`hostname`',
    '`tables.exclude`',
    '`scan.startup.mode`',
    '`jdbc.properties.*`',
    '`path`',
    '`schema.change.behavior`',
    '`sink-table`',
  ]) {
    assert.ok(text.includes(name), name);
  }
  assert.match(text, /`heartbeat.interval` \| no \| `30s` \| Duration/);
});
