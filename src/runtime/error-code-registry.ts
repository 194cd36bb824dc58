import type { ErrorCodeSet } from '../event/tidemark-error.js';

export interface RegisteredErrorCode {
  readonly code: string;
  /** `core` or the connector that defines it. */
  readonly owner: string;
  readonly summary: string;
}

/**
 * Every error code of a build, with its owner and meaning: the core's and each connector's
 * (`Connector.errors`). Two owners defining one code is refused, so a code means one thing.
 */
export class ErrorCodeRegistry {
  private readonly codes = new Map<string, RegisteredErrorCode>();

  add(set: ErrorCodeSet): this {
    for (const [code, info] of Object.entries(set.codes)) {
      const had = this.codes.get(code);
      if (had) throw new Error(`error code ${code} is defined by ${had.owner} and by ${set.owner}`);
      this.codes.set(code, { code, owner: set.owner, summary: info.summary });
    }
    return this;
  }

  get(code: string): RegisteredErrorCode | undefined {
    return this.codes.get(code);
  }

  /** Sorted by code. */
  all(): RegisteredErrorCode[] {
    return [...this.codes.values()].sort((a, b) => a.code.localeCompare(b.code));
  }
}
