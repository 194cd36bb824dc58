#!/usr/bin/env node
// Runs the bundled CLI when `npm run build` produced dist/, else the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+: V8's code cache of the modules in the system temp directory (a second start skips
// compiling them); Node 20 has no such API and starts without it.
module.enableCompileCache?.();

const dist = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(dist)) {
  ({ main } = await import(dist.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(new URL('../src/cli/main.ts', import.meta.url).href));
}
process.exitCode = await main(process.argv.slice(2));
