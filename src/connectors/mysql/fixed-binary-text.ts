/**
 * MariaDB's UUID (10.7+), INET6 (10.5+) and INET4 (11.3+) columns: fixed-size binary values that
 * the server shows as text. The binlog carries the binary form (UUID: in its text's byte order,
 * which the server writes to the binlog whatever order it stores the value in; trailing zero
 * bytes stripped, as for BINARY(n)); SELECT gives the text. Here: binary → the server's text, and
 * text → the bytes the server orders the values by.
 */

import type { FixedBinaryFormat } from '../../event/column-type.js';

/** Bytes of a value of each format. */
export const FIXED_BINARY_BYTES: Readonly<Record<FixedBinaryFormat, number>> = {
  uuid: 16,
  inet4: 4,
  inet6: 16,
};

const hex = (b: Uint8Array, from: number, to: number): string =>
  Buffer.from(b.subarray(from, to)).toString('hex');

/** The text the server shows for a value (`bytes`: exactly FIXED_BINARY_BYTES[format]). */
export function fixedBinaryText(format: FixedBinaryFormat, bytes: Uint8Array): string {
  if (bytes.length !== FIXED_BINARY_BYTES[format]) {
    throw new Error(
      `a ${format.toUpperCase()} value has ${FIXED_BINARY_BYTES[format]} bytes, not ${bytes.length}`,
    );
  }
  switch (format) {
    case 'uuid':
      return `${hex(bytes, 0, 4)}-${hex(bytes, 4, 6)}-${hex(bytes, 6, 8)}-${hex(bytes, 8, 10)}-${hex(bytes, 10, 16)}`;
    case 'inet4':
      return bytes.join('.');
    case 'inet6':
      return inet6Text(bytes);
  }
}

/**
 * MariaDB's IPv6 text: lower-case hex words without leading zeros, the first longest run of zero
 * words (even a single one) as "::", and the IPv4-compatible (::a.b.c.d) and IPv4-mapped
 * (::ffff:a.b.c.d) forms with a dotted IPv4 tail.
 */
function inet6Text(b: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let gapPos = -1;
  let gapLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > gapLen) [gapPos, gapLen] = [i, j - i];
    i = j;
  }
  if (gapPos === 0 && (gapLen === 6 || (gapLen === 5 && words[5] === 0xffff))) {
    return `${gapLen === 6 ? '::' : '::ffff:'}${Array.from(b.subarray(12)).join('.')}`;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === gapPos) {
      s += i === 0 ? '::' : ':';
      i += gapLen - 1;
      continue;
    }
    s += words[i]!.toString(16);
    if (i < 7) s += ':';
  }
  return s;
}

/** The bytes of a value's text (as the server shows it, or any form it accepts of INET4/INET6). */
export function fixedBinaryBytes(format: FixedBinaryFormat, text: string): Uint8Array {
  switch (format) {
    case 'uuid': {
      const h = text.replace(/-/g, '');
      if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new Error(`not a UUID: ${text}`);
      return new Uint8Array(Buffer.from(h, 'hex'));
    }
    case 'inet4':
      return ipv4Bytes(text);
    case 'inet6':
      return ipv6Bytes(text);
  }
}

function ipv4Bytes(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`not an IPv4 address: ${text}`);
  }
  return new Uint8Array(parts.map(Number));
}

function ipv6Bytes(text: string): Uint8Array {
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`not an IPv6 address: ${text}`);
  const words = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const v4 = ipv4Bytes(g);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else throw new Error(`not an IPv6 address: ${text}`);
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  const zeros = 8 - head.length - tail.length;
  if (zeros < 0 || (halves.length === 1 && zeros !== 0)) throw new Error(`not an IPv6 address: ${text}`);
  const all = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/**
 * The bytes the server compares values by. INET4/INET6: the value itself. UUID: MariaDB sorts
 * the UUIDs of versions 1 to 5 with the variant bit set (time-based and the like) by node, clock
 * sequence, time-high, time-mid, time-low, and all others byte by byte.
 */
export function fixedBinarySortKey(format: FixedBinaryFormat, text: string): Uint8Array {
  const b = fixedBinaryBytes(format, text);
  if (format !== 'uuid' || !(b[6]! > 0 && b[6]! < 0x60 && (b[8]! & 0x80) !== 0)) return b;
  const key = new Uint8Array(16);
  key.set(b.subarray(10, 16), 0);
  key.set(b.subarray(8, 10), 6);
  key.set(b.subarray(6, 8), 8);
  key.set(b.subarray(4, 6), 10);
  key.set(b.subarray(0, 4), 12);
  return key;
}
