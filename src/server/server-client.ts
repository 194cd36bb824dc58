import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TidemarkError, errorMessage, type ErrorCode } from '../event/tidemark-error.js';
import type { ServerInfoFile } from './job-server.js';
import { tokenPath } from './server-token.js';

export const DEFAULT_PORT = 8081;

/** The server's state directory when none is given: $TIDEMARK_SERVER_DIR, else ~/.tidemark/server. */
export function defaultServerStateDir(): string {
  return process.env.TIDEMARK_SERVER_DIR ?? join(homedir(), '.tidemark', 'server');
}

export interface ClientOptions {
  /** The server's URL; default $TIDEMARK_SERVER, else the one the state directory's server wrote. */
  readonly server?: string;
  /** Where the token (and server.json) are; default defaultServerStateDir(). */
  readonly stateDir?: string;
}

/** A client of the job server's REST API (token from $TIDEMARK_TOKEN or the state directory). */
export class ServerClient {
  private constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  static async connect(opts: ClientOptions = {}): Promise<ServerClient> {
    const stateDir = opts.stateDir ?? defaultServerStateDir();
    const url = opts.server ?? process.env.TIDEMARK_SERVER ?? (await serverUrlOf(stateDir));
    const token =
      process.env.TIDEMARK_TOKEN ?? (await readFile(tokenPath(stateDir), 'utf8').catch(() => '')).trim();
    if (!token) {
      throw new TidemarkError(
        'SERVER_AUTH',
        `no API token: set TIDEMARK_TOKEN, or pass the server's --state-dir (no token in ${tokenPath(stateDir)})`,
      );
    }
    return new ServerClient(url.replace(/\/+$/, ''), token);
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      throw new TidemarkError(
        'SERVER_UNREACHABLE',
        `cannot reach the job server at ${this.url}: ${errorMessage((e as Error).cause ?? e)} (start it with \`tidemark server\`, or pass --server URL)`,
        { retryable: true },
      );
    }
    const json = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (!res.ok) {
      const code = (json.error?.code ?? 'INTERNAL') as ErrorCode;
      throw new TidemarkError(code, json.error?.message ?? `${method} ${path}: HTTP ${res.status}`);
    }
    return json as T;
  }
}

async function serverUrlOf(stateDir: string): Promise<string> {
  const text = await readFile(join(stateDir, 'server.json'), 'utf8').catch(() => undefined);
  if (text) {
    try {
      return (JSON.parse(text) as ServerInfoFile).url;
    } catch {
      // a torn file: the default
    }
  }
  return `http://127.0.0.1:${DEFAULT_PORT}`;
}
