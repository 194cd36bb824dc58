import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** The dashboard's files (plain ES modules, no build step), served as they are. */
const FILES: Readonly<Record<string, readonly [file: string, type: string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/dashboard/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/dashboard/charts.js': ['charts.js', 'text/javascript; charset=utf-8'],
  '/dashboard/style.css': ['style.css', 'text/css; charset=utf-8'],
};

/** Next to this module: src/server/dashboard/, or dist/cli/dashboard/ in the bundled CLI. */
const DIR = new URL('./dashboard/', import.meta.url);

/** Serves a dashboard file when `path` is one (true); they hold no data, so need no token. */
export async function serveDashboardFile(path: string, res: ServerResponse): Promise<boolean> {
  const entry = FILES[path];
  if (!entry) return false;
  const body = await readFile(new URL(entry[0], DIR));
  res.writeHead(200, {
    'content-type': entry[1],
    'cache-control': 'no-cache',
    'content-security-policy': "default-src 'self'; style-src 'self'; img-src 'self' data:",
  });
  res.end(body);
  return true;
}
