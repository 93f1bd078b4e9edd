import * as zlib from 'node:zlib';

/** CRC-32 (IEEE 802.3, the polynomial zlib, gzip and PNG use) of `data`, continuing from `value`. */
export type Crc32 = (data: Uint8Array, value?: number) => number;

let table: Uint32Array | undefined;

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/**
 * Byte-at-a-time table-driven CRC-32. Only used where `zlib.crc32` is missing (Node < 20.15); it is several
 * times slower than zlib's, which is why the native one is preferred.
 */
export const crc32Portable: Crc32 = (data, value = 0) => {
  table ??= buildTable();
  const t = table;
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = (t[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return ~crc >>> 0;
};

// Looked up dynamically: the binding exists from Node 20.15 / 22.2; the engines field still allows 20.11.
const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

export const crc32: Crc32 = native === undefined ? crc32Portable : (data, value = 0) => native(data, value) >>> 0;

/** Whether {@link crc32} is the native zlib implementation (reported by the benchmark). */
export const crc32IsNative = native !== undefined;
