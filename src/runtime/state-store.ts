import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TidemarkError } from '../event/tidemark-error.js';
import { parseCheckpoint, type Checkpoint } from './checkpoint.js';

/**
 * The local state directory: everything tidemark keeps between runs lives here, one folder per
 * pipeline (named after the pipeline), holding `checkpoint.json` and a lock file that keeps two
 * processes from running the same pipeline at once.
 */
export class StateStore {
  private constructor(
    readonly dir: string,
    private readonly lockPath: string,
  ) {}

  static async open(stateDir: string, pipelineName: string): Promise<StateStore> {
    const dir = join(stateDir, 'pipelines', safeName(pipelineName));
    const lockPath = join(dir, 'lock');
    try {
      await mkdir(dir, { recursive: true });
      await acquireLock(lockPath, pipelineName);
    } catch (e) {
      throw e instanceof TidemarkError ? e : stateDirError(stateDir, e);
    }
    return new StateStore(dir, lockPath);
  }

  /** Where the checkpoint of `pipelineName` is kept under `stateDir` (to put a savepoint back). */
  static checkpointPath(stateDir: string, pipelineName: string): string {
    return join(stateDir, 'pipelines', safeName(pipelineName), 'checkpoint.json');
  }

  async load(): Promise<Checkpoint | undefined> {
    const path = join(this.dir, 'checkpoint.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TidemarkError('CHECKPOINT', `cannot read ${path}: ${(e as Error).message}`);
    }
    return parseCheckpoint(text, path);
  }

  /** Atomic replace: write a temporary file, fsync it, rename it over the old one. */
  async save(cp: Checkpoint): Promise<void> {
    const path = join(this.dir, 'checkpoint.json');
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(cp, null, 1));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }

  async release(): Promise<void> {
    await rm(this.lockPath, { force: true });
  }
}

/** The state directory cannot be created or written (permissions, a file in the way, a full disk). */
function stateDirError(stateDir: string, e: unknown): TidemarkError {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOTDIR: 'a file is in the way of a directory',
    ENOSPC: 'no space left on the device',
  };
  const reason = why[err.code ?? ''] ?? err.message;
  return new TidemarkError(
    'STATE_DIR',
    `cannot write the state directory ${stateDir} (--state-dir): ${reason}${err.path ? ` at ${err.path}` : ''}. ` +
      'Choose a directory this user can write with --state-dir <dir>',
    { cause: e, details: { stateDir } },
  );
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) || 'pipeline';
}

async function acquireLock(lockPath: string, pipelineName: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new TidemarkError(
          'STATE_LOCKED',
          `pipeline "${pipelineName}" is already running: process ${pid} holds ${lockPath}. ` +
            `Stop that process (Ctrl-C where it runs, or kill ${pid}) and start this one again; ` +
            'one pipeline is run by one process at a time',
        );
      }
      await rm(lockPath, { force: true }); // stale lock of a killed process
    }
  }
  throw new TidemarkError('STATE_LOCKED', `cannot take the lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
