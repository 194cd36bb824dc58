/** Shared types of the binlog-decode benchmark (parent run.ts and child worker.ts). */

/** A binlog range [start, end): end is the position right after the last event of the range. */
export interface BinlogRange {
  readonly startFile: string;
  readonly startPos: number;
  readonly endFile: string;
  readonly endPos: number;
}

/** `transport`: tidemark's BinlogClient alone, events received but not decoded (the floor). */
export type WorkerDecoder = 'tidemark' | 'zongji' | 'transport';

export interface WorkerJob {
  readonly decoder: WorkerDecoder;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly range: BinlogRange;
  readonly serverId: number;
  /** tidemark only: write a CPU profile into this directory. */
  readonly cpuProfileDir?: string;
}

export interface WorkerResult {
  readonly decoder: WorkerDecoder;
  /** Events in the range (including the artificial Rotate/Format_description at dump start). */
  readonly events: number;
  /** Row images: 1 per written/deleted row, 2 per updated row (before + after). */
  readonly rowImages: number;
  /** Non-null column values materialised (a checksum that keeps the work observable). */
  readonly values: number;
  readonly wallMs: number;
  /** CPU time (user + system, all threads) of the worker process over the same interval. */
  readonly cpuMs: number;
  /** Peak resident set size of the worker process, bytes. */
  readonly peakRssBytes: number;
}

/** Marker line the worker prints its JSON result after. */
export const RESULT_MARKER = 'BENCH-RESULT ';
