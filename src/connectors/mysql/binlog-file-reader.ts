/**
 * Reads binlog files as the server writes them on disk (`\xfebin` magic, then events back to back)
 * and yields the raw events, each Buffer starting at the 19-byte common header, exactly as
 * BinlogClient hands them over. Streaming: memory stays at about one read chunk (default 1 MiB)
 * plus the largest event, whatever the file size (files above 4 GiB included: positions are
 * counted by the reader, not taken from the 32-bit log_pos field).
 */
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TidemarkError, errorMessage } from '../../event/tidemark-error.js';

/** The 4 bytes every binlog and relay log file starts with. */
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
const HEADER = 19;
const FORMAT_DESCRIPTION = 15;

export interface RawBinlogEvent {
  /** The file's base name (what Rotate events and checkpoints name). */
  readonly file: string;
  /** Offset of the event in the file. */
  readonly pos: number;
  /** The whole event, header to checksum. */
  readonly buf: Buffer;
}

export interface BinlogFileReadOptions {
  /**
   * Offset of the first event to yield (default 4). The Format_description at offset 4 is yielded
   * first anyway when `start > 4`, so that a decoder knows the checksum setting.
   */
  readonly start?: number;
  /** Bytes per read (default 1 MiB). */
  readonly chunkSize?: number;
  /** At most this many events per batch (default 1000). */
  readonly maxBatchEvents?: number;
  /** Refuse events larger than this (default 1 GiB + 1 MiB: max_allowed_packet's ceiling). */
  readonly maxEventSize?: number;
  /**
   * An incomplete last event (a file still being written) ends the file quietly with `true`;
   * with false (default) it is an error naming the position.
   */
  readonly allowTruncatedTail?: boolean;
  readonly signal?: AbortSignal;
}

function fileError(path: string, pos: number, why: string, cause?: unknown): TidemarkError {
  return new TidemarkError('SOURCE_BINLOG_READ', `binlog file ${path}:${pos}: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { file: path, pos },
  });
}

/**
 * Streams the events of one binlog file in batches. Throws a TidemarkError SOURCE_BINLOG_READ
 * naming `file:pos` for a missing magic, an impossible event size or a truncated event.
 */
export async function* readBinlogFile(
  path: string,
  opts: BinlogFileReadOptions = {},
): AsyncGenerator<RawBinlogEvent[], void, undefined> {
  const chunkSize = Math.max(1024, opts.chunkSize ?? 1024 * 1024);
  const maxBatch = Math.max(1, opts.maxBatchEvents ?? 1000);
  const maxEventSize = opts.maxEventSize ?? 1024 * 1024 * 1024 + 1024 * 1024;
  const start = opts.start ?? 4;
  const name = basename(path);
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw fileError(path, 0, `cannot open: ${errorMessage(e)}`, e);
  }
  try {
    const size = (await fh.stat()).size;
    const magic = Buffer.alloc(4);
    const { bytesRead } = await fh.read(magic, 0, 4, 0);
    if (bytesRead < 4 || !magic.equals(BINLOG_MAGIC)) {
      throw fileError(
        path,
        0,
        `not a binlog file (expected the magic fe 62 69 6e, found ${magic.subarray(0, bytesRead).toString('hex') || 'nothing'})`,
      );
    }
    if (start < 4 || start > size) {
      throw fileError(path, start, `start position ${start} is outside the file (4..${size})`);
    }

    /** Reads exactly `n` bytes at `pos` into a new buffer (short at the end of the file). */
    const readAt = async (pos: number, n: number): Promise<Buffer> => {
      const b = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const r = await fh.read(b, got, n - got, pos + got);
        if (r.bytesRead === 0) break;
        got += r.bytesRead;
      }
      return got === n ? b : b.subarray(0, got);
    };

    let batch: RawBinlogEvent[] = [];
    if (start > 4) {
      const head = await readAt(4, HEADER);
      if (head.length === HEADER && head[4] === FORMAT_DESCRIPTION) {
        const fdeSize = head.readUInt32LE(9);
        if (fdeSize >= HEADER && fdeSize <= chunkSize) {
          batch.push({ file: name, pos: 4, buf: await readAt(4, fdeSize) });
        }
      }
    }

    let chunk: Buffer = Buffer.alloc(0);
    let chunkPos = start; // file offset of chunk[0]
    let off = 0; // next event within chunk
    let pos = start;
    for (;;) {
      opts.signal?.throwIfAborted();
      // make sure a whole header, then a whole event, is in `chunk`
      if (chunk.length - off < HEADER) {
        if (pos >= size) break;
        const rest = chunk.subarray(off);
        const more = await readAt(chunkPos + chunk.length, chunkSize);
        chunk = rest.length ? Buffer.concat([rest, more]) : more;
        chunkPos = pos;
        off = 0;
        if (chunk.length < HEADER) {
          if (opts.allowTruncatedTail) break;
          throw fileError(path, pos, `truncated event: ${chunk.length} bytes left, shorter than a header`);
        }
      }
      const eventSize = chunk.readUInt32LE(off + 9);
      if (eventSize < HEADER || eventSize > maxEventSize) {
        throw fileError(
          path,
          pos,
          `event (type ${chunk[off + 4]}) has an impossible size ${eventSize}: the file is corrupt or this is not an event boundary`,
        );
      }
      let buf: Buffer;
      if (chunk.length - off >= eventSize) {
        buf = chunk.subarray(off, off + eventSize);
        off += eventSize;
      } else {
        // the event continues past the chunk: read it whole into its own buffer
        const have = chunk.subarray(off);
        const tail = await readAt(pos + have.length, eventSize - have.length);
        if (have.length + tail.length < eventSize) {
          if (opts.allowTruncatedTail) {
            if (batch.length) yield batch;
            return;
          }
          throw fileError(
            path,
            pos,
            `truncated event (type ${chunk[off + 4]}): says ${eventSize} bytes, the file ends after ${have.length + tail.length}`,
          );
        }
        buf = Buffer.concat([have, tail], eventSize);
        chunk = Buffer.alloc(0);
        chunkPos = pos + eventSize;
        off = 0;
      }
      batch.push({ file: name, pos, buf });
      pos += eventSize;
      if (batch.length >= maxBatch) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  } finally {
    await fh.close();
  }
}

/** The numeric suffix of a binlog file name (`mysql-bin.000042` → 42), or undefined. */
export function binlogFileNumber(file: string): number | undefined {
  const m = /\.(\d+)$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The binlog files named by `pathOrGlob`, in log order (numeric suffix): a directory (every
 * `name.NNNNNN` file in it; `.index` files and others are skipped), a single file, or a glob whose
 * wildcards (`*`, `?`) are in the last path segment (`/var/lib/mysql/mysql-bin.0*`).
 */
export async function listBinlogFiles(pathOrGlob: string): Promise<string[]> {
  const full = resolve(pathOrGlob);
  let dir: string;
  let match: (name: string) => boolean;
  if (/[*?]/.test(basename(full))) {
    dir = dirname(full);
    const re = globToRegExp(basename(full));
    match = (n) => re.test(n);
  } else {
    let st;
    try {
      st = await stat(full);
    } catch (e) {
      throw new TidemarkError(
        'CONFIG_INVALID',
        `binlog path ${pathOrGlob} does not exist: ${errorMessage(e)}`,
      );
    }
    if (st.isFile()) return [full];
    dir = full;
    match = (n) => binlogFileNumber(n) !== undefined;
  }
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new TidemarkError('CONFIG_INVALID', `cannot list binlog directory ${dir}: ${errorMessage(e)}`);
  }
  const files = names.filter((n) => match(n) && !n.endsWith('.index'));
  const out: string[] = [];
  for (const n of files) {
    const p = join(dir, n);
    if ((await stat(p)).isFile()) out.push(p);
  }
  return out.sort((a, b) => {
    const ba = basename(a).replace(/\.\d+$/, '');
    const bb = basename(b).replace(/\.\d+$/, '');
    if (ba !== bb) return ba < bb ? -1 : 1;
    const na = binlogFileNumber(a);
    const nb = binlogFileNumber(b);
    if (na !== undefined && nb !== undefined && na !== nb) return na - nb;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}
