import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/**
 * Compiles the CLI into a temporary directory laid out like the installed package (`bin/`,
 * `dist/`, `node_modules` linked) and returns its `bin/tidemark.js`: what users run, without the
 * TypeScript loader of a source checkout.
 */
export function compileCli(name: string): string {
  const dir = join(tmpdir(), `tidemark-${name}-cli-${process.pid}`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(
    process.execPath,
    [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')],
    {
      stdio: 'inherit',
    },
  );
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
