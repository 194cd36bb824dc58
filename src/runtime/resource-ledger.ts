import { TidemarkError } from '../event/tidemark-error.js';

/** Something a component holds exclusively while it runs. */
export interface ResourceClaim {
  /** e.g. `duckdb-file`, `mysql-server-id`. */
  readonly kind: string;
  /** Equal keys of one kind are the same resource (a resolved path, `host:port/id`). */
  readonly key: string;
  /** For the error message, e.g. `the DuckDB file /data/app.duckdb`. Never a secret. */
  readonly description: string;
}

/** Whether a pipeline of the process holds the resource of this kind and key. */
export type HeldCheck = (kind: string, key: string) => boolean;

/**
 * The resources the pipelines of one process hold. Two pipelines claiming one resource (a DuckDB
 * file both would write, a replica server id both would use on one server) would corrupt or
 * disconnect each other: the second is refused before it starts.
 */
export class ResourceLedger {
  private readonly held = new Map<string, { owner: string; claim: ResourceClaim }>();

  readonly isHeld: HeldCheck = (kind, key) => this.held.has(`${kind}\u0000${key}`);

  /** Claims all or nothing; returns the release function. */
  claim(owner: string, claims: readonly ResourceClaim[]): () => void {
    const keys = claims.map((c) => `${c.kind}\u0000${c.key}`);
    claims.forEach((c, i) => {
      const holder = this.held.get(keys[i]!);
      if (holder !== undefined)
        throw new TidemarkError(
          'RESOURCE_IN_USE',
          `pipeline ${owner} cannot use ${c.description}: pipeline ${holder.owner} in this process uses it. ` +
            'Give each pipeline its own.',
        );
    });
    keys.forEach((k, i) => this.held.set(k, { owner, claim: claims[i]! }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const k of keys) this.held.delete(k);
    };
  }
}
