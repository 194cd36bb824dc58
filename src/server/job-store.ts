import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { TidemarkError } from '../event/tidemark-error.js';

/** What the user last asked of a job (or `failed`: it failed for good): restored when the server starts. */
export type JobDesiredState = 'running' | 'stopped' | 'canceled' | 'failed';

export interface SavepointRecord {
  readonly path: string;
  readonly seq: number;
  readonly at: number;
}

/** A submitted job as kept on disk; `pipelineYaml` may hold secrets and is never returned. */
export interface JobRecord {
  readonly id: string;
  readonly name: string;
  readonly submittedAt: number;
  readonly pipelineYaml: string;
  /**
   * The file it was submitted from (absolute): where its problems are located, and what a user
   * function's relative `classpath` is relative to, as with `tidemark run`.
   */
  readonly file?: string;
  readonly desired: JobDesiredState;
  readonly savepoints: readonly SavepointRecord[];
}

/** Flink's job id form: 32 lower-case hex digits. */
export function newJobId(): string {
  return randomBytes(16).toString('hex');
}

const JOB_ID = /^[0-9a-f]{32}$/;

/**
 * The server's jobs: one folder per job under `<stateDir>/jobs/<id>/` holding `job.json` (mode
 * 0600: the pipeline text may hold passwords), the pipeline's state directory (`state/`) and its
 * savepoints. Every write is atomic (temporary file, fsync, rename): a server killed at any moment
 * finds each job as it was last saved.
 */
export class JobStore {
  constructor(readonly stateDir: string) {}

  jobDir(id: string): string {
    if (!JOB_ID.test(id)) throw new TidemarkError('JOB_NOT_FOUND', `no job ${id}: a job id is 32 hex digits`);
    return join(this.stateDir, 'jobs', id);
  }

  /** The pipeline's state directory (checkpoints) of a job. */
  pipelineStateDir(id: string): string {
    return join(this.jobDir(id), 'state');
  }

  savepointDir(id: string): string {
    return join(this.jobDir(id), 'savepoints');
  }

  async save(job: JobRecord): Promise<void> {
    const dir = this.jobDir(job.id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeAtomic(join(dir, 'job.json'), JSON.stringify(job, null, 1));
  }

  async loadAll(): Promise<JobRecord[]> {
    const root = join(this.stateDir, 'jobs');
    let ids: string[];
    try {
      ids = (await readdir(root)).filter((d) => JOB_ID.test(d));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const jobs: JobRecord[] = [];
    for (const id of ids) {
      const text = await readFile(join(root, id, 'job.json'), 'utf8').catch(() => undefined);
      if (text !== undefined) jobs.push(JSON.parse(text) as JobRecord);
    }
    return jobs.sort((a, b) => a.submittedAt - b.submittedAt);
  }
}

/** Writes `text` to `path` atomically with mode 0600. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}
