export interface LineEncoder {
  /** base64 of `line` + "\n" in UTF-8. Firehose concatenates records with no delimiter, so the newline is ours. */
  encode(line: string): string;
}

const NEWLINE = 0x0a;
const INITIAL_SCRATCH_BYTES = 64 * 1024;

/**
 * Encodes through a reused scratch buffer instead of `Buffer.from(line + "\n")`, which would build a second string
 * and allocate a Buffer per record. Synchronous, so one instance is never used by two records at once.
 */
export function createLineEncoder(): LineEncoder {
  let scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
  return {
    encode(line) {
      // UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units).
      const worst = line.length * 3 + 1;
      if (worst > scratch.length) scratch = Buffer.allocUnsafe(Math.max(worst, scratch.length * 2));
      const n = scratch.write(line, 0, 'utf8');
      scratch[n] = NEWLINE;
      return scratch.toString('base64', 0, n + 1);
    },
  };
}
