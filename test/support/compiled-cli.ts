import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/**
 * Builds the CLI into a temporary directory laid out like the installed package (`bin/`,
 * `dist/` as `npm run build` makes it, `node_modules` linked) and returns its `bin/tidemark.js`:
 * what users run, without the TypeScript loader of a source checkout.
 */
export function compileCli(name: string): string {
  const dir = join(tmpdir(), `tidemark-${name}-cli-${process.pid}`);
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--outdir', join(dir, 'dist')], {
    stdio: 'inherit',
  });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync(join(root, 'bin', 'tidemark.js'), join(dir, 'bin', 'tidemark.js'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  try {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  } catch {
    // already linked
  }
  return join(dir, 'bin', 'tidemark.js');
}

/** Removes what compileCli(…) made for `bin`. */
export function removeCompiledCli(bin: string): void {
  rmSync(join(bin, '..', '..'), { recursive: true, force: true });
}
