import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from './job-store.js';

export interface ServerToken {
  readonly token: string;
  readonly path: string;
  /** True when this start generated it (then, and only then, the server prints it). */
  readonly created: boolean;
}

export function tokenPath(stateDir: string): string {
  return join(stateDir, 'token');
}

/** The API token of the server state directory: read, or generated (mode 0600) on first start. */
export async function loadOrCreateToken(stateDir: string): Promise<ServerToken> {
  const path = tokenPath(stateDir);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing?.trim()) {
    const mode = (await stat(path)).mode & 0o777;
    if (mode & 0o077)
      process.emitWarning(`${path} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
    return { token: existing.trim(), path, created: false };
  }
  const token = randomBytes(32).toString('base64url');
  await writeAtomic(path, `${token}\n`);
  return { token, path, created: true };
}

/** Whether an Authorization header carries the token (constant-time comparison). */
export function authorized(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}
