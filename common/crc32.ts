import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3: the polynomial of zlib, gzip, ZIP and PNG) of `data`, continuing from `value`.
 * Node's zlib has it natively from 20.15 (package.json engines).
 */
export function crc32(data: Uint8Array, value = 0): number {
  return zlibCrc32(data, value) >>> 0;
}
