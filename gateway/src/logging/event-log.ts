import type { Logger } from '../../../common/logger.js';

export interface EventLogOptions {
  logger: Logger;
  /** Lines per kind of event per interval before they are summarised. Default 20. */
  burst?: number;
  /** Length of an interval, ms. Default 10 s. */
  intervalMs?: number;
}

/**
 * Logs one line per significant event (a connection accepted or closed, a refusal) without flooding: each kind
 * of event gets `burst` lines per interval at its level; beyond that lines are counted and one summary line per
 * kind and interval says how many were left out. At `debug` level nothing is left out. Memory is one counter per
 * kind.
 */
export interface EventLog {
  event(kind: string, level: 'info' | 'warn', context: Record<string, unknown>, message: string): void;
  close(): void;
}

export function createEventLog(options: EventLogOptions): EventLog {
  const { logger } = options;
  const burst = options.burst ?? 20;
  const intervalMs = options.intervalMs ?? 10_000;
  const used = new Map<string, { logged: number; suppressed: number; level: 'info' | 'warn'; message: string }>();
  let timer: NodeJS.Timeout | undefined;

  function flush(): void {
    timer = undefined;
    for (const [kind, u] of used) {
      if (u.suppressed > 0) {
        logger[u.level](
          { event: kind, suppressed: u.suppressed, intervalSeconds: intervalMs / 1000 },
          `${u.suppressed} more "${u.message}" events in the last ${intervalMs / 1000} s (one line each at --log-level debug)`,
        );
      }
    }
    used.clear();
  }

  return {
    event(kind, level, context, message) {
      if (logger.isLevelEnabled('debug')) {
        logger[level]({ event: kind, ...context }, message);
        return;
      }
      if (!logger.isLevelEnabled(level)) return;
      let u = used.get(kind);
      if (u === undefined) {
        u = { logged: 0, suppressed: 0, level, message };
        used.set(kind, u);
        if (timer === undefined) {
          timer = setTimeout(flush, intervalMs);
          timer.unref();
        }
      }
      if (u.logged < burst) {
        u.logged++;
        logger[level]({ event: kind, ...context }, message);
      } else {
        u.suppressed++;
      }
    },
    close() {
      if (timer !== undefined) clearTimeout(timer);
      flush();
    },
  };
}
