/**
 * Test support: mysqlbinlog's `-v`/`-vv` row output (`### INSERT INTO ...`, `###   @1=...`) parsed
 * into row images, and our decoded values rendered the way mysqlbinlog prints them, so that decoded
 * rows can be compared value by value with the origin server's own tool.
 *
 * Strings are compared as "binary strings" (one JS char per byte, i.e. latin1), because
 * mysqlbinlog prints column bytes raw, whatever their charset.
 */
import type { Value } from '../../../event/column-type.js';
import { encodeLatin1, normalizeCharset, charsetOfCollation } from './charset.js';
import { MysqlType, resolveStringMeta, type TableMapColumn } from './column-value.js';

export interface MysqlbinlogImage {
  /** INSERT / UPDATE / DELETE. */
  readonly statement: string;
  /** `db`.`table` as printed. */
  readonly table: string;
  /** WHERE (before image) or SET (after image). */
  readonly part: 'WHERE' | 'SET';
  /** Column number (1-based) → printed value text (comment stripped). */
  readonly values: Map<number, string>;
}

/** Parses `###` lines (read as latin1 so every byte is one char). */
export function parseMysqlbinlogRows(text: string): MysqlbinlogImage[] {
  const images: MysqlbinlogImage[] = [];
  let statement = '';
  let table = '';
  let current: MysqlbinlogImage | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('###')) continue;
    const body = line.slice(3).trim();
    let m: RegExpExecArray | null;
    if ((m = /^(INSERT INTO|UPDATE|DELETE FROM) (.*)$/.exec(body))) {
      statement = m[1]!.split(' ')[0]!;
      table = m[2]!.trim();
      current = undefined;
    } else if (body === 'SET' || body === 'WHERE') {
      current = { statement, table, part: body, values: new Map() };
      images.push(current);
    } else if ((m = /^@(\d+)=(.*)$/.exec(body)) && current) {
      let v = m[2]!;
      const c = /\s*\/\* [A-Z][^]*? meta=\d+ nullable=\d is_null=\d \*\/$/.exec(v);
      if (c) v = v.slice(0, c.index);
      current.values.set(Number(m[1]), v.trimEnd());
    }
  }
  return images;
}

/** C's printf("%.<p>g"). */
export function formatG(x: number, p: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const e = x.toExponential(p - 1);
  const [mant, expText] = e.split('e') as [string, string];
  const exp = Number(expText);
  const strip = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= p) {
    const a = Math.abs(exp);
    return `${strip(mant)}e${exp < 0 ? '-' : '+'}${a < 10 ? `0${a}` : a}`;
  }
  return strip(x.toFixed(p - 1 - exp));
}

function bytesText(bytes: Uint8Array): string {
  let s = "'";
  for (const b of bytes) s += b < 0x20 ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b);
  return `${s}'`;
}

function bitsText(bytes: Uint8Array, nbits: number): string {
  let s = '';
  for (const b of bytes) s += b.toString(2).padStart(8, '0');
  return `b'${s.slice(s.length - nbits)}'`;
}

function intText(v: number | bigint, bits: number): string {
  const big = BigInt(v);
  const mod = 1n << BigInt(bits);
  const unsigned = ((big % mod) + mod) % mod;
  const signed = unsigned >= mod >> 1n ? unsigned - mod : unsigned;
  return signed < 0n ? `${signed} (${unsigned})` : `${signed}`;
}

function encodeText(s: string, col: TableMapColumn): Uint8Array {
  const cs = col.collationId !== undefined ? charsetOfCollation(col.collationId) : undefined;
  if (cs !== undefined && normalizeCharset(cs) === 'latin1') return encodeLatin1(s);
  return Buffer.from(s, 'utf8');
}

/** Renders one of our values as mysqlbinlog prints it for a column of this Table_map. */
export function renderMysqlbinlogValue(v: Value | undefined, col: TableMapColumn): string {
  if (v === null || v === undefined) return 'NULL';
  switch (col.realType) {
    case MysqlType.TINY:
      return intText(v as number, 8);
    case MysqlType.SHORT:
      return intText(v as number, 16);
    case MysqlType.INT24:
      return intText(v as number, 24);
    case MysqlType.LONG:
      return intText(v as number, 32);
    case MysqlType.LONGLONG:
      return intText(v as bigint, 64);
    case MysqlType.FLOAT:
      return formatG(v as number, 6);
    case MysqlType.DOUBLE:
      return formatG(v as number, 20);
    case MysqlType.NEWDECIMAL:
    case MysqlType.YEAR:
      return String(v);
    case MysqlType.DATE:
    case MysqlType.NEWDATE:
      return `'${(v as string).replaceAll('-', ':')}'`;
    case MysqlType.TIMESTAMP:
    case MysqlType.TIMESTAMP2: {
      const s = v as string;
      if (s.startsWith('0000-00-00')) return s.length > 19 ? `0${s.slice(19)}` : '0';
      const ms = Date.UTC(
        Number(s.slice(0, 4)),
        Number(s.slice(5, 7)) - 1,
        Number(s.slice(8, 10)),
        Number(s.slice(11, 13)),
        Number(s.slice(14, 16)),
        Number(s.slice(17, 19)),
      );
      return `${ms / 1000}${s.slice(19)}`;
    }
    case MysqlType.BIT: {
      const nbits = ((col.meta >> 8) & 0xff) * 8 + (col.meta & 0xff);
      if (typeof v === 'boolean') return `b'${v ? 1 : 0}'`;
      return bitsText(v as Uint8Array, nbits);
    }
    case MysqlType.ENUM: {
      if (typeof v === 'string') return String(v === '' ? 0 : (col.enumValues?.indexOf(v) ?? -2) + 1);
      return String(v);
    }
    case MysqlType.SET: {
      const bytes = resolveStringMeta(col.meta).length;
      let mask: bigint;
      if (typeof v === 'string') {
        mask = 0n;
        if (v !== '') for (const m of v.split(',')) mask |= 1n << BigInt(col.setValues?.indexOf(m) ?? 0);
      } else mask = BigInt(v as number | bigint);
      return `b'${mask.toString(2).padStart(bytes * 8, '0')}'`;
    }
    default:
      if (typeof v === 'string') return bytesText(encodeText(v, col));
      if (v instanceof Uint8Array) {
        let end = v.length;
        if (col.realType === MysqlType.STRING) while (end > 0 && v[end - 1] === 0) end--;
        return bytesText(v.subarray(0, end));
      }
      return String(v);
  }
}
