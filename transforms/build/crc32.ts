import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3, as ZIP uses it). Node's native `zlib.crc32` arrived in 20.15 / 22.2; the project supports
 * Node ≥ 20.11, so older runtimes fall back to a table-driven implementation (same results, slower).
 */
export const crc32: (data: Uint8Array) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (data) => zlib.crc32(data) : crc32Portable;

let table: Uint32Array | undefined;

export function crc32Portable(data: Uint8Array): number {
  table ??= makeTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
