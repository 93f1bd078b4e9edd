import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** pino level. Default `info`. */
  level?: LevelWithSilent;
  /** Destination; default stdout. Tests pass a stream to capture lines. */
  destination?: NodeJS.WritableStream;
}

/** Structured JSON logs (pino). Pipe through `pino-pretty` for a human view in development. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'tidegate' },
      // Defence in depth: no code logs credentials, and should a field carrying one ever be logged, it is censored.
      redact: {
        paths: ['password', 'secret', 'token', 'authorization', '*.password', '*.secret', '*.token', '*.authorization', 'headers.authorization', '*.headers.authorization'],
        censor: '[redacted]',
      },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
