import type { Readable } from 'node:stream';

/**
 * Reads a stream of newline-separated JSON log lines (pino's output), calling `onEntry` with each line that is a
 * JSON object and `onOther` with any other line. Reads for as long as the stream is open: a child whose pipe is not
 * drained would block on its logger.
 */
export function onJsonLines(stream: Readable | null | undefined, onEntry: (entry: Record<string, unknown>) => void, onOther?: (line: string) => void): void {
  let buffer = '';
  stream?.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) onEntry(parsed as Record<string, unknown>);
      else onOther?.(line);
    }
  });
}
