/**
 * Crash-test child for test/integration/spool.test.ts: appends numbered entries to a spool with several
 * appenders in flight, drains it and marks entries done out of order, and reports on stdout, synchronously:
 *
 *   A <n> <lsn>   append n resolved (it is durable)
 *   D <n>         entry n is about to be marked done (printed first: a done entry may be absent after a crash)
 *
 * The parent SIGKILLs it at a random moment and checks that every durable entry not reported done replays.
 *
 *   node --import tsx test/support/spool-crash-child.ts <dir> <first-number> [hold-every]
 *
 * With hold-every N > 0, entries whose number is a multiple of N are never marked done in this run, so the
 * watermark stalls and the next run has a backlog to replay (read back from disk) while it appends.
 */
import { writeSync } from 'node:fs';
import { createLogger } from '../../common/logger.js';
import { openSpool } from '../../common/spool/index.js';

const [dir, firstArg, holdArg] = process.argv.slice(2);
if (dir === undefined || firstArg === undefined) throw new Error('usage: spool-crash-child <dir> <first-number> [hold-every]');
const holdEvery = Number(holdArg ?? 0);
const APPENDERS = 8;

const spool = await openSpool({
  dir,
  logger: createLogger({ level: 'silent' }),
  // Small segments and a fast checkpoint so rotation, deletion and checkpoint writes all race with the kill.
  segmentBytes: 16 * 1024,
  maxBytes: 64 * 1024 * 1024,
  checkpointIntervalMs: 10,
});
/** Synchronous, so a line is out before anything else happens; stdout is a non-blocking pipe, hence the EAGAIN loop. */
function say(line: string): void {
  const buf = Buffer.from(`${line}\n`);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

let next = Number(firstArg);
async function appender(): Promise<void> {
  for (;;) {
    const n = next++;
    const lsn = await spool.append(`dev-${n % 10}`, Buffer.from(`entry-${n}`));
    say(`A ${n} ${lsn}`);
  }
}

async function drainer(): Promise<void> {
  for (;;) {
    const entries = await spool.read(64, 1 << 20);
    for (const e of entries) {
      const n = Number(e.data.toString().slice('entry-'.length));
      if (holdEvery > 0 && n % holdEvery === 0) continue;
      setTimeout(() => {
        say(`D ${n}`);
        spool.markDone(e.lsn);
      }, Math.floor(Math.random() * 5));
    }
  }
}

say('READY');
void drainer();
for (let i = 0; i < APPENDERS; i++) void appender();
