// Starts `tidemark server` as a child process for tests and talks to its API.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTidemark, waitFor, type CliResult } from './tidemark-cli.js';

export interface TestServer {
  readonly url: string;
  readonly token: string;
  readonly stateDir: string;
  readonly child: ReturnType<typeof startTidemark>;
  /** Everything the server printed so far (stdout then stderr). */
  output(): string;
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    token?: string | null,
  ): Promise<{ status: number; json: T }>;
  stop(): Promise<CliResult>;
}

/** Starts a server on a free port with `stateDir` (`cliBin`: a compiled CLI); resolves once it listens. */
export async function startTestServer(
  stateDir: string,
  extraArgs: readonly string[] = [],
  cliBin?: string,
): Promise<TestServer> {
  const child = startTidemark(['server', '--port', '0', '--state-dir', stateDir, ...extraArgs], {}, cliBin);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  void child.result.then(() => (exited = true));
  await waitFor(
    () => {
      if (exited) throw new Error(`server exited:\n${stdout}\n${stderr}`);
      return /job server on (http:\S+)/.test(stdout);
    },
    60_000,
    'the server to listen',
  );
  const url = /job server on (http:\S+)/.exec(stdout)![1]!;
  const token = readFileSync(join(stateDir, 'token'), 'utf8').trim();
  return {
    url,
    token,
    stateDir,
    child,
    output: () => `${stdout}\n${stderr}`,
    async api<T>(method: string, path: string, body?: unknown, tok: string | null = token) {
      const res = await fetch(url + path, {
        method,
        headers: {
          ...(tok === null ? {} : { authorization: `Bearer ${tok}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {
        // text (metrics)
      }
      return { status: res.status, json: json as T };
    },
    async stop() {
      child.kill('SIGTERM');
      return child.result;
    },
  };
}
