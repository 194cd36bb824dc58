// What the benchmarks read about a tidemark process they run: its peak RSS (while it is alive)
// and the times of its log lines.
import { readFileSync } from 'node:fs';

/** Peak resident memory of a live process in bytes (VmHWM of /proc/<pid>/status); 0 once gone. */
export function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The time (epoch ms) of the first structured log line with this `msg`. */
export function logTime(stderr: string, msg: string): number | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.includes(`"msg":"${msg}"`)) continue;
    const m = /"ts":"([^"]+)"/.exec(line);
    if (m) return Date.parse(m[1]!);
  }
  return undefined;
}
