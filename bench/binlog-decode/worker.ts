/**
 * Child process of the binlog-decode benchmark: reads one binlog range over a replication
 * connection with one decoder, counts events and row images, and prints a WorkerResult as JSON.
 * Runs in its own process so that its peak RSS and its GC are its own.
 *
 *   node --import tsx bench/binlog-decode/worker.ts '<WorkerJob JSON>'
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import ZongJi from '@vlasky/zongji';
import { BinlogClient } from '../../src/connectors/mysql/binlog-client.js';
import { BinlogDecoder } from '../../src/connectors/mysql/binlog/binlog-decoder.js';
import type { RowImage } from '../../src/connectors/mysql/binlog/binlog-event.js';
import { RESULT_MARKER, type WorkerJob, type WorkerResult } from './common.js';

/** CPU time of this process so far (user + system, all threads), ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function countValues(row: RowImage): number {
  let n = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v !== null && v !== undefined) n++;
  }
  return n;
}

async function runTidemark(job: WorkerJob): Promise<Omit<WorkerResult, 'peakRssBytes'>> {
  const { range } = job;
  const t0 = performance.now();
  const c0 = cpuMs();
  const client = new BinlogClient({
    connection: { host: job.host, port: job.port, user: job.user, password: job.password },
    serverId: job.serverId,
    start: { file: range.startFile, pos: range.startPos },
    sendAnnotateRows: true,
  });
  const decoder = job.decoder === 'tidemark' ? new BinlogDecoder() : undefined;
  let file = range.startFile;
  let events = 0;
  let rowImages = 0;
  let values = 0;
  let done = false;
  const at = { file, pos: 0 };
  for await (const batch of client.events()) {
    for (const buf of batch) {
      at.file = file;
      at.pos = buf.readUInt32LE(13) - buf.length;
      events++;
      if (decoder === undefined) {
        // Transport only: follow rotations and the end position from the raw header.
        if (buf[4] === 4 && buf.length > 27) file = buf.toString('utf8', 27, buf.length - 4);
        if (file === range.endFile && buf.readUInt32LE(13) >= range.endPos) {
          done = true;
          break;
        }
        continue;
      }
      const ev = decoder.decode(buf, at);
      if (ev.type === 'rows') {
        for (const r of ev.rows) {
          if (r.before !== undefined) {
            rowImages++;
            values += countValues(r.before);
          }
          if (r.after !== undefined) {
            rowImages++;
            values += countValues(r.after);
          }
        }
      } else if (ev.type === 'rotate') {
        file = ev.nextFile;
      }
      if (file === range.endFile && ev.header.logPos >= range.endPos) {
        done = true;
        break;
      }
    }
    if (done) break;
  }
  const wallMs = performance.now() - t0;
  const cpu = cpuMs() - c0;
  await client.close();
  return { decoder: job.decoder, events, rowImages, values, wallMs, cpuMs: cpu };
}

interface ZongjiRowsEvent {
  getEventName(): string;
  nextPosition: number;
  binlogName?: string;
  rows?: unknown[];
}

function zongjiValues(row: unknown): number {
  let n = 0;
  for (const v of Object.values(row as Record<string, unknown>)) if (v !== null && v !== undefined) n++;
  return n;
}

async function runZongji(job: WorkerJob): Promise<Omit<WorkerResult, 'peakRssBytes'>> {
  const { range } = job;
  const t0 = performance.now();
  const c0 = cpuMs();
  const zongji = new ZongJi({
    host: job.host,
    port: job.port,
    user: job.user,
    password: job.password,
    // The same value forms as tidemark: exact decimal and date strings.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  let file = range.startFile;
  let events = 0;
  let rowImages = 0;
  let values = 0;
  await new Promise<void>((resolve, reject) => {
    zongji.on('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
    let finished = false;
    zongji.on('binlog', (raw: unknown) => {
      if (finished) return; // events already in flight when the range ended
      const ev = raw as ZongjiRowsEvent;
      events++;
      const name = ev.getEventName();
      if (name === 'writerows' || name === 'deleterows') {
        for (const r of ev.rows ?? []) {
          rowImages++;
          values += zongjiValues(r);
        }
      } else if (name === 'updaterows') {
        for (const r of (ev.rows ?? []) as { before: unknown; after: unknown }[]) {
          rowImages += 2;
          values += zongjiValues(r.before) + zongjiValues(r.after);
        }
      } else if (name === 'rotate' && ev.binlogName !== undefined) {
        file = ev.binlogName;
      }
      if (file === range.endFile && ev.nextPosition >= range.endPos) {
        finished = true;
        resolve();
      }
    });
    zongji.start({
      serverId: job.serverId,
      startAtEnd: false,
      filename: range.startFile,
      position: range.startPos,
      requestAnnotateRows: true,
    });
  });
  const wallMs = performance.now() - t0;
  const cpu = cpuMs() - c0;
  zongji.stop();
  return { decoder: 'zongji', events, rowImages, values, wallMs, cpuMs: cpu };
}

async function withCpuProfile<T>(dir: string | undefined, run: () => Promise<T>): Promise<T> {
  if (dir === undefined) return run();
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  try {
    return await run();
  } finally {
    const res = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(join(dir, `tidemark-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    session.disconnect();
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
  const r =
    job.decoder !== 'zongji'
      ? await withCpuProfile(job.cpuProfileDir, () => runTidemark(job))
      : await runZongji(job);
  const result: WorkerResult = { ...r, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
  // zongji keeps sockets open for a moment after stop(); the result is out.
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
