const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** The first byte of `body` that is not JSON whitespace, or -1. */
function firstNonSpace(body: Buffer): number {
  for (let i = 0; i < body.length; i++) {
    const b = body[i] as number;
    if (!isSpace(b)) return b;
  }
  return -1;
}

export function isJsonArrayText(body: Buffer): boolean {
  return firstNonSpace(body) === OPEN_BRACKET;
}

/**
 * Splits a JSON array's text into its elements' exact bytes (whitespace around them trimmed), so each reading
 * reaches the stream byte for byte as the device sent it (re-serialising would alter numbers such as
 * 12345678901234567890 or 1.0). `body` must already be known to be a valid JSON array (JSON.parse accepted it).
 * The slices share memory with `body`.
 *
 * Hand-written because JSON libraries answer another question: parsers hand back values (lossless-json keeps
 * numbers exact, but re-serialising still rewrites strings and whitespace), while what is needed is each
 * element's source byte range. With validation left to JSON.parse, finding it takes only the string, escape and
 * depth tracking below, less code than adapting a streaming tokenizer's events to it.
 */
export function splitJsonArray(body: Buffer): Buffer[] {
  const elements: Buffer[] = [];
  let i = 0;
  while (i < body.length && isSpace(body[i] as number)) i++;
  if (body[i] !== OPEN_BRACKET) throw new Error('not a JSON array');
  i++;
  let depth = 0;
  let inString = false;
  let start = i;
  const push = (end: number): void => {
    let s = start;
    let e = end;
    while (s < e && isSpace(body[s] as number)) s++;
    while (e > s && isSpace(body[e - 1] as number)) e--;
    if (e > s) elements.push(body.subarray(s, e));
  };
  for (; i < body.length; i++) {
    const b = body[i] as number;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
    else if (b === CLOSE_BRACE || (b === CLOSE_BRACKET && depth > 0)) depth--;
    else if (b === COMMA && depth === 0) {
      push(i);
      start = i + 1;
    } else if (b === CLOSE_BRACKET) {
      push(i);
      return elements;
    }
  }
  throw new Error('unterminated JSON array');
}
