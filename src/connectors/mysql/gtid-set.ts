/**
 * GTIDs of both server families, as values:
 *
 * - MySQL GTID sets ({@link GtidSet}): the text servers print in `gtid_executed`, `SHOW BINARY LOG
 *   STATUS` and Previous_gtids events — `uuid:1-5:7-9,uuid2:1-3`, with MySQL 8.4 tags
 *   `uuid:1-5:tag_a:1-3` — and the binary form of COM_BINLOG_DUMP_GTID / Previous_gtids events.
 *   Sets are normalised: UUIDs lower case, intervals sorted and merged, printed sorted by UUID then
 *   tag (untagged first), as the servers do.
 * - MariaDB GTID positions ({@link MariadbGtidPosition}): `domain-server-seq` per replication
 *   domain, comma-separated (`0-1-5,1-2-9`), as in `gtid_binlog_pos` / `gtid_slave_pos`.
 *
 * Transaction numbers are bigints (MySQL allows 1..2^63-1, MariaDB sequence numbers are 64-bit).
 */
import { TidemarkError } from '../../event/tidemark-error.js';

/** MySQL's largest transaction number (GNO_END - 1). */
export const GNO_MAX = (1n << 63n) - 1n;

/** One closed interval of transaction numbers, `start <= end`. */
export interface GtidInterval {
  readonly start: bigint;
  readonly end: bigint;
}

/** One MySQL GTID: `uuid:gno` or `uuid:tag:gno`. */
export interface Gtid {
  readonly uuid: string;
  readonly tag?: string;
  readonly gno: bigint;
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const TAG_RE = /^[a-z_][a-z0-9_]{0,31}$/i;
const NUMBER_RE = /^\d+$/;

function gtidError(text: string, why: string): TidemarkError {
  return new TidemarkError('CONFIG_INVALID', `invalid GTID set "${text}": ${why}`, {
    details: { gtidSet: text },
  });
}

/** Canonical UUID text (lower case, with dashes); throws on anything else. */
export function normalizeUuid(uuid: string, context = uuid): string {
  const u = uuid.trim();
  if (!UUID_RE.test(u)) throw gtidError(context, `"${u}" is not a UUID`);
  const h = u.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function parseGno(s: string, context: string): bigint {
  const t = s.trim();
  if (!NUMBER_RE.test(t)) throw gtidError(context, `"${t}" is not a transaction number`);
  const v = BigInt(t);
  if (v < 1n || v > GNO_MAX) throw gtidError(context, `transaction number ${t} is outside 1..${GNO_MAX}`);
  return v;
}

/** Sorts and merges (also adjacent) intervals. */
function normalizeIntervals(list: readonly GtidInterval[]): GtidInterval[] {
  const sorted = [...list].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: { start: bigint; end: bigint }[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv.start <= last.end + 1n) {
      if (iv.end > last.end) last.end = iv.end;
    } else out.push({ start: iv.start, end: iv.end });
  }
  return out;
}

function intersectIntervals(a: readonly GtidInterval[], b: readonly GtidInterval[]): GtidInterval[] {
  const out: GtidInterval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = x.start > y.start ? x.start : y.start;
    const end = x.end < y.end ? x.end : y.end;
    if (start <= end) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

function subtractIntervals(a: readonly GtidInterval[], b: readonly GtidInterval[]): GtidInterval[] {
  const out: GtidInterval[] = [];
  let j = 0;
  for (const x of a) {
    let start = x.start;
    while (j < b.length && b[j]!.end < start) j++;
    let k = j;
    while (start <= x.end) {
      const y = b[k];
      if (!y || y.start > x.end) {
        out.push({ start, end: x.end });
        break;
      }
      if (y.start > start) out.push({ start, end: y.start - 1n });
      if (y.end >= x.end) break;
      start = y.end + 1n;
      k++;
    }
  }
  return out;
}

/** Key of a (uuid, tag) pair: "uuid" or "uuid:tag". */
function tsidKey(uuid: string, tag: string | undefined): string {
  return tag ? `${uuid}:${tag}` : uuid;
}

function splitKey(key: string): { uuid: string; tag?: string } {
  const i = key.indexOf(':');
  return i < 0 ? { uuid: key } : { uuid: key.slice(0, i), tag: key.slice(i + 1) };
}

function compareKeys(a: string, b: string): number {
  const x = splitKey(a);
  const y = splitKey(b);
  if (x.uuid !== y.uuid) return x.uuid < y.uuid ? -1 : 1;
  const tx = x.tag ?? '';
  const ty = y.tag ?? '';
  return tx === ty ? 0 : tx < ty ? -1 : 1;
}

/** An immutable MySQL GTID set. */
export class GtidSet {
  /** (uuid[:tag]) → normalised intervals; never holds empty lists. Keys sorted. */
  private readonly map: ReadonlyMap<string, readonly GtidInterval[]>;

  private constructor(entries: Map<string, readonly GtidInterval[]>) {
    const sorted = [...entries.entries()]
      .filter(([, v]) => v.length > 0)
      .sort(([a], [b]) => compareKeys(a, b));
    this.map = new Map(sorted);
  }

  static readonly EMPTY = new GtidSet(new Map());

  /**
   * Parses the text servers print: `uuid:1-5:7,uuid2:3`, tags as `uuid:tag:1-5` (MySQL 8.4+),
   * whitespace and newlines anywhere between items (gtid_executed prints `,\n`), empty = the empty
   * set. A bare `uuid:tag` without intervals is refused (MySQL accepts it only in SET gtid_next).
   */
  static parse(text: string): GtidSet {
    const entries = new Map<string, GtidInterval[]>();
    const src = text.trim();
    if (src === '') return GtidSet.EMPTY;
    for (const rawItem of src.split(',')) {
      const item = rawItem.replace(/\s+/g, '');
      if (item === '') throw gtidError(text, 'empty item between commas');
      const parts = item.split(':');
      const uuid = normalizeUuid(parts[0]!, text);
      if (parts.length < 2) throw gtidError(text, `"${item}" has no transaction numbers`);
      let tag: string | undefined;
      let intervalsSeen = true;
      for (const p of parts.slice(1)) {
        if (p === '') throw gtidError(text, `empty interval in "${item}"`);
        if (TAG_RE.test(p) && !NUMBER_RE.test(p)) {
          if (!intervalsSeen) throw gtidError(text, `tag "${tag}" in "${item}" has no transaction numbers`);
          tag = p.toLowerCase();
          intervalsSeen = false;
          continue;
        }
        const m = /^(\d+)(?:-(\d+))?$/.exec(p);
        if (!m) throw gtidError(text, `"${p}" is neither an interval nor a tag`);
        const start = parseGno(m[1]!, text);
        const end = m[2] === undefined ? start : parseGno(m[2], text);
        if (end < start) throw gtidError(text, `interval ${p} ends before it starts`);
        const key = tsidKey(uuid, tag);
        let list = entries.get(key);
        if (!list) entries.set(key, (list = []));
        list.push({ start, end });
        intervalsSeen = true;
      }
      if (!intervalsSeen) throw gtidError(text, `tag "${tag}" in "${item}" has no transaction numbers`);
    }
    const out = new Map<string, readonly GtidInterval[]>();
    for (const [k, v] of entries) out.set(k, normalizeIntervals(v));
    return new GtidSet(out);
  }

  /** A set of single GTIDs / intervals. */
  static of(items: readonly (Gtid | { uuid: string; tag?: string; start: bigint; end: bigint })[]): GtidSet {
    const entries = new Map<string, GtidInterval[]>();
    for (const it of items) {
      const uuid = normalizeUuid(it.uuid);
      const tag = it.tag?.toLowerCase();
      if (tag !== undefined && !TAG_RE.test(tag)) throw gtidError(`${uuid}:${tag}`, `bad tag "${tag}"`);
      const start = 'gno' in it ? it.gno : it.start;
      const end = 'gno' in it ? it.gno : it.end;
      if (start < 1n || end > GNO_MAX || end < start)
        throw gtidError(`${uuid}:${start}-${end}`, 'interval outside 1..2^63-1 or reversed');
      const key = tsidKey(uuid, tag);
      let list = entries.get(key);
      if (!list) entries.set(key, (list = []));
      list.push({ start, end });
    }
    const out = new Map<string, readonly GtidInterval[]>();
    for (const [k, v] of entries) out.set(k, normalizeIntervals(v));
    return new GtidSet(out);
  }

  /** Canonical text: `uuid:1-5:7,uuid:tag:1-3,uuid2:1` (MySQL prints tags grouped under the UUID). */
  toString(): string {
    const items: string[] = [];
    let currentUuid: string | undefined;
    for (const [key, intervals] of this.map) {
      const { uuid, tag } = splitKey(key);
      const ivs = intervals.map((iv) => (iv.start === iv.end ? `${iv.start}` : `${iv.start}-${iv.end}`));
      const body = (tag ? [tag, ...ivs] : ivs).join(':');
      if (uuid === currentUuid) items[items.length - 1] += `:${body}`;
      else {
        items.push(`${uuid}:${body}`);
        currentUuid = uuid;
      }
    }
    return items.join(',');
  }

  get isEmpty(): boolean {
    return this.map.size === 0;
  }

  /** The (uuid, tag, intervals) entries in canonical order. */
  entries(): { uuid: string; tag?: string; intervals: readonly GtidInterval[] }[] {
    return [...this.map].map(([k, intervals]) => ({ ...splitKey(k), intervals }));
  }

  /** Number of transactions in the set. */
  count(): bigint {
    let n = 0n;
    for (const ivs of this.map.values()) for (const iv of ivs) n += iv.end - iv.start + 1n;
    return n;
  }

  contains(gtid: Gtid | string): boolean {
    const g = typeof gtid === 'string' ? parseGtid(gtid) : gtid;
    const list = this.map.get(tsidKey(normalizeUuid(g.uuid), g.tag?.toLowerCase()));
    if (!list) return false;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const iv = list[mid]!;
      if (g.gno < iv.start) hi = mid - 1;
      else if (g.gno > iv.end) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** This set plus one GTID (what a replica does when a transaction commits). */
  add(gtid: Gtid | string): GtidSet {
    const g = typeof gtid === 'string' ? parseGtid(gtid) : gtid;
    return this.union(GtidSet.of([g]));
  }

  union(other: GtidSet): GtidSet {
    const out = new Map<string, readonly GtidInterval[]>(this.map);
    for (const [k, v] of other.map) {
      const mine = out.get(k);
      out.set(k, mine ? normalizeIntervals([...mine, ...v]) : v);
    }
    return new GtidSet(out);
  }

  intersection(other: GtidSet): GtidSet {
    const out = new Map<string, readonly GtidInterval[]>();
    for (const [k, v] of this.map) {
      const theirs = other.map.get(k);
      if (theirs) out.set(k, intersectIntervals(v, theirs));
    }
    return new GtidSet(out);
  }

  /** This set minus `other` (MySQL's GTID_SUBTRACT). */
  subtract(other: GtidSet): GtidSet {
    const out = new Map<string, readonly GtidInterval[]>();
    for (const [k, v] of this.map) {
      const theirs = other.map.get(k);
      out.set(k, theirs ? subtractIntervals(v, theirs) : v);
    }
    return new GtidSet(out);
  }

  /** MySQL's GTID_SUBSET(this, other). */
  isSubsetOf(other: GtidSet): boolean {
    return this.subtract(other).isEmpty;
  }

  equals(other: GtidSet): boolean {
    return this.toString() === other.toString();
  }

  /** Whether any tag occurs (then only the tagged binary format can carry the set). */
  get hasTags(): boolean {
    return [...this.map.keys()].some((k) => k.includes(':'));
  }

  /**
   * The binary form of COM_BINLOG_DUMP_GTID and Previous_gtids events (MySQL `Gtid_set::encode`):
   * untagged when no tag occurs (u64 n_sids; per sid: 16-byte UUID, u64 n_intervals, per interval
   * i64 start and i64 end-exclusive), otherwise the 8.3+ tagged format (format byte 1 in the first
   * and the last byte of the count; each sid followed by its tag, length-prefixed).
   */
  encode(): Buffer {
    const tagged = this.hasTags;
    const chunks: Buffer[] = [];
    const head = Buffer.alloc(8);
    const n = BigInt(this.map.size);
    head.writeBigUInt64LE(tagged ? (1n << 56n) | (n << 8n) | 1n : n);
    chunks.push(head);
    for (const [k, ivs] of this.map) {
      const { uuid, tag } = splitKey(k);
      chunks.push(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
      if (tagged) {
        const t = Buffer.from(tag ?? '', 'ascii');
        // mysql::serialization varlen unsigned: one byte (len << 1) for lengths below 128.
        chunks.push(Buffer.from([t.length << 1]), t);
      }
      const b = Buffer.alloc(8 + 16 * ivs.length);
      b.writeBigUInt64LE(BigInt(ivs.length), 0);
      ivs.forEach((iv, i) => {
        b.writeBigInt64LE(iv.start, 8 + 16 * i);
        b.writeBigInt64LE(iv.end + 1n, 16 + 16 * i);
      });
      chunks.push(b);
    }
    return Buffer.concat(chunks);
  }

  /** Reads the binary form written by {@link encode} (and by servers), tagged or not. */
  static decode(buf: Uint8Array): GtidSet {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    let p = 0;
    const need = (n: number): void => {
      if (p + n > b.length)
        throw new TidemarkError(
          'SOURCE_BINLOG_DECODE',
          `encoded GTID set truncated: need ${n} bytes at offset ${p} of ${b.length}`,
        );
    };
    need(8);
    const head = b.readBigUInt64LE(0);
    p = 8;
    const format = Number(head >> 56n);
    const tagged = format === 1;
    if (format > 1)
      throw new TidemarkError('SOURCE_BINLOG_DECODE', `encoded GTID set has unknown format ${format}`);
    const n = tagged ? (head >> 8n) & ((1n << 48n) - 1n) : head;
    const items: { uuid: string; tag?: string; start: bigint; end: bigint }[] = [];
    const keys: string[] = [];
    for (let i = 0n; i < n; i++) {
      need(16);
      const uuid = normalizeUuid(b.toString('hex', p, p + 16));
      p += 16;
      let tag: string | undefined;
      if (tagged) {
        need(1);
        const first = b[p]!;
        if ((first & 1) !== 0)
          throw new TidemarkError('SOURCE_BINLOG_DECODE', `GTID tag length at offset ${p} is too large`);
        const len = first >> 1;
        p += 1;
        need(len);
        tag = b.toString('ascii', p, p + len) || undefined;
        p += len;
      }
      need(8);
      const ni = b.readBigUInt64LE(p);
      p += 8;
      keys.push(tsidKey(uuid, tag));
      for (let j = 0n; j < ni; j++) {
        need(16);
        const start = b.readBigInt64LE(p);
        const endExcl = b.readBigInt64LE(p + 8);
        p += 16;
        items.push({ uuid, ...(tag ? { tag } : {}), start, end: endExcl - 1n });
      }
    }
    return GtidSet.of(items);
  }
}

/** Parses one GTID: `uuid:gno` or `uuid:tag:gno`. */
export function parseGtid(text: string): Gtid {
  const parts = text.trim().split(':');
  if (parts.length === 2) return { uuid: normalizeUuid(parts[0]!, text), gno: parseGno(parts[1]!, text) };
  if (parts.length === 3 && TAG_RE.test(parts[1]!)) {
    return {
      uuid: normalizeUuid(parts[0]!, text),
      tag: parts[1]!.toLowerCase(),
      gno: parseGno(parts[2]!, text),
    };
  }
  throw gtidError(text, 'expected uuid:number or uuid:tag:number');
}

export function formatGtid(g: Gtid): string {
  return g.tag ? `${normalizeUuid(g.uuid)}:${g.tag}:${g.gno}` : `${normalizeUuid(g.uuid)}:${g.gno}`;
}

// ---------------------------------------------------------------------------------------------
// MariaDB

/** One MariaDB GTID: domain-server-sequence. */
export interface MariadbGtid {
  readonly domainId: number;
  readonly serverId: number;
  readonly seqNo: bigint;
}

const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

export function parseMariadbGtid(text: string): MariadbGtid {
  const m = /^\s*(\d+)-(\d+)-(\d+)\s*$/.exec(text);
  const bad = (why: string): TidemarkError =>
    new TidemarkError('CONFIG_INVALID', `invalid MariaDB GTID "${text}": ${why}`, {
      details: { gtid: text },
    });
  if (!m) throw bad('expected domain-server-sequence, e.g. 0-1-42');
  const domainId = Number(m[1]);
  const serverId = Number(m[2]);
  const seqNo = BigInt(m[3]!);
  if (domainId > U32_MAX) throw bad(`domain id ${m[1]} is above ${U32_MAX}`);
  if (serverId > U32_MAX) throw bad(`server id ${m[2]} is above ${U32_MAX}`);
  if (seqNo > U64_MAX) throw bad(`sequence number ${m[3]} is above 2^64-1`);
  return { domainId, serverId, seqNo };
}

export function formatMariadbGtid(g: MariadbGtid): string {
  return `${g.domainId}-${g.serverId}-${g.seqNo}`;
}

/**
 * A MariaDB GTID position: the last GTID per replication domain (`gtid_binlog_pos`,
 * `gtid_slave_pos`, `@slave_connect_state`). Immutable.
 */
export class MariadbGtidPosition {
  private readonly domains: ReadonlyMap<number, MariadbGtid>;

  private constructor(domains: Map<number, MariadbGtid>) {
    this.domains = new Map([...domains].sort(([a], [b]) => a - b));
  }

  static readonly EMPTY = new MariadbGtidPosition(new Map());

  /** `0-1-5,1-2-9` (whitespace allowed, empty = no position). Two GTIDs of one domain are refused. */
  static parse(text: string): MariadbGtidPosition {
    const m = new Map<number, MariadbGtid>();
    if (text.trim() === '') return MariadbGtidPosition.EMPTY;
    for (const item of text.split(',')) {
      const g = parseMariadbGtid(item);
      if (m.has(g.domainId)) {
        throw new TidemarkError(
          'CONFIG_INVALID',
          `invalid MariaDB GTID position "${text}": domain ${g.domainId} occurs twice`,
          { details: { gtid: text } },
        );
      }
      m.set(g.domainId, g);
    }
    return new MariadbGtidPosition(m);
  }

  static of(gtids: readonly MariadbGtid[]): MariadbGtidPosition {
    return gtids.reduce((p, g) => p.advance(g), MariadbGtidPosition.EMPTY);
  }

  /** Sorted by domain: `0-1-5,1-2-9`. */
  toString(): string {
    return [...this.domains.values()].map(formatMariadbGtid).join(',');
  }

  get isEmpty(): boolean {
    return this.domains.size === 0;
  }

  gtids(): MariadbGtid[] {
    return [...this.domains.values()];
  }

  domain(domainId: number): MariadbGtid | undefined {
    return this.domains.get(domainId);
  }

  /** The position after `gtid` committed: its domain now ends at it (whatever came before). */
  advance(gtid: MariadbGtid | string): MariadbGtidPosition {
    const g = typeof gtid === 'string' ? parseMariadbGtid(gtid) : gtid;
    const m = new Map(this.domains);
    m.set(g.domainId, g);
    return new MariadbGtidPosition(m);
  }

  /**
   * Whether `gtid` is at or before this position in its domain (a replica at this position has
   * applied it). Sequence numbers are ordered within a domain, whatever the server id.
   */
  includes(gtid: MariadbGtid | string): boolean {
    const g = typeof gtid === 'string' ? parseMariadbGtid(gtid) : gtid;
    const mine = this.domains.get(g.domainId);
    return mine !== undefined && g.seqNo <= mine.seqNo;
  }

  /**
   * Orders two positions domain by domain: -1 when this one is behind or equal in every domain and
   * behind in one (a missing domain counts as behind), 1 the other way, 0 when equal, undefined
   * when each is ahead in some domain.
   */
  compare(other: MariadbGtidPosition): -1 | 0 | 1 | undefined {
    let behind = false;
    let ahead = false;
    const domains = new Set([...this.domains.keys(), ...other.domains.keys()]);
    for (const d of domains) {
      const a = this.domains.get(d)?.seqNo ?? -1n;
      const b = other.domains.get(d)?.seqNo ?? -1n;
      if (a < b) behind = true;
      else if (a > b) ahead = true;
    }
    if (behind && ahead) return undefined;
    return behind ? -1 : ahead ? 1 : 0;
  }

  equals(other: MariadbGtidPosition): boolean {
    return this.toString() === other.toString();
  }
}
