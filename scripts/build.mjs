#!/usr/bin/env node
// Builds the CLI that `bin/tidemark.js` runs when it exists: src/cli/main.ts bundled by esbuild
// into dist/cli/ (ES modules, split at every dynamic import, so that a command loads only what it
// uses). Bundling is what makes the start fast: resolving and loading a few hundred small modules
// (zod alone has ~95) costs more than running them. Packages with native code (DuckDB, librdkafka) or that load
// parts of themselves at run time (mysql2) stay external and load from node_modules when a command
// needs them.
//
//   node scripts/build.mjs [--outdir DIR]   (default: dist)
import { cpSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const i = process.argv.indexOf('--outdir');
const outdir = resolve(i >= 0 ? process.argv[i + 1] : join(root, 'dist'));

/**
 * zod's classic API re-exports the messages of every language (64 modules, half of zod's size);
 * tidemark's messages are English and never switch locale: only `en` is bundled (4 MB less RSS
 * for `tidemark validate`).
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (a) =>
      a.importer.includes('/node_modules/zod/') ? { path: 'zod-locales', namespace: 'zod-en' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: root,
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outdir: join(outdir, 'cli'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['@duckdb/*', '@confluentinc/kafka-javascript', 'mysql2', 'mysql2/*', 'tsx', 'tsx/*'],
  plugins: [zodEnglishOnly],
  // CommonJS packages bundled into ES modules (commander) `require` Node's built-ins
  banner: {
    js: "import { createRequire as __tmCreateRequire } from 'node:module'; const require = __tmCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// the job server's dashboard: plain ES modules served from beside the server code
cpSync(join(root, 'src', 'server', 'dashboard'), join(outdir, 'cli', 'dashboard'), { recursive: true });
