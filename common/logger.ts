import { pino, type Logger, type LevelWithSilent } from 'pino';
import { build as prettyStream } from 'pino-pretty';

export type { Logger };

/** `json`: one JSON object per line (production, log shippers). `pretty`: colourised human lines (development). */
export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  /** pino level. Default `info`. */
  level?: LevelWithSilent;
  /** Default `json`. */
  format?: LogFormat;
  /** Destination; default stdout. Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream;
}

/**
 * `auto` resolves to `pretty` when the output is a terminal and to `json` otherwise (pipes, files, containers,
 * child processes), so machines always get JSON.
 */
export function resolveLogFormat(setting: 'auto' | LogFormat, isTTY: boolean | undefined): LogFormat {
  if (setting !== 'auto') return setting;
  return isTTY === true ? 'pretty' : 'json';
}

/** Structured logs (pino): JSON lines, or pretty-printed in the process for a terminal. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const base = {
    level: options.level ?? 'info',
    base: { service: 'tidegate' },
    // Defence in depth: no code logs credentials, and should a field carrying one ever be logged, it is censored.
    redact: {
      paths: ['password', 'secret', 'token', 'authorization', '*.password', '*.secret', '*.token', '*.authorization', 'headers.authorization', '*.headers.authorization'],
      censor: '[redacted]',
    },
  };
  if (options.format === 'pretty') {
    return pino(
      base,
      prettyStream({
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,service',
        singleLine: true,
        ...(options.destination === undefined ? {} : { destination: options.destination, colorize: false }),
      }),
    );
  }
  return pino(base, options.destination ?? pino.destination({ sync: false }));
}
