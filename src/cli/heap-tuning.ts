import { setFlagsFromString } from 'node:v8';
import { TidemarkError } from '../event/tidemark-error.js';

/** V8's old generation may grow by this percentage of the live heap between two full collections. */
export const DEFAULT_HEAP_GROWING_PERCENT = 30;

/**
 * Makes V8 collect the old generation sooner, for a long-running pipeline.
 *
 * A pipeline allocates fast (each row is a few short-lived objects, each in-flight batch survives a
 * young collection or two) and keeps little: ~40-60 MB live during a 10M-row snapshot. V8 sizes the
 * next full collection by a factor of the live heap that reaches 4 when allocation is fast, so the
 * heap held 150-190 MB, mostly garbage; at 30% it stays near 90 MB (peak RSS 534 → ~395 MB in
 * bench/snapshot at 10M rows) at no throughput cost that the benchmark can tell from noise.
 *
 * `TIDEMARK_HEAP_GROWING_PERCENT` overrides the percentage; 0 keeps V8's own heuristics. The flag
 * is read at each full collection, so setting it at start-up (not on the command line, where
 * NODE_OPTIONS cannot carry it) works. Returns the percentage applied (0: none).
 */
export function tuneHeapForStreaming(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TIDEMARK_HEAP_GROWING_PERCENT;
  const percent = raw === undefined || raw.trim() === '' ? DEFAULT_HEAP_GROWING_PERCENT : Number(raw);
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000) {
    throw new TidemarkError(
      'CONFIG_INVALID',
      `TIDEMARK_HEAP_GROWING_PERCENT=${raw}: expected a whole number from 0 (V8's default) to 1000`,
    );
  }
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
