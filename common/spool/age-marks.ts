/**
 * A sparse index of (LSN, appendedAt) pairs, so `stats().oldestAppendedAt` has an answer when the oldest
 * unread entry is on disk only (after an outage or a restart) without keeping one record per entry in memory.
 * The answer is the appendedAt of the nearest mark at or before the entry: never younger than the truth, and
 * within one mark spacing of it.
 */
import { Deque } from '../deque.js';

/** A new mark at most every 64 KiB of log or every second of time, whichever comes first. */
const MARK_SPACING_BYTES = 64 * 1024;
const MARK_SPACING_MS = 1000;

interface Mark {
  lsn: number;
  appendedAt: number;
}

export class AgeMarks {
  private readonly marks = new Deque<Mark>();

  /** Records the entry at `lsn` if it is far enough from the last mark. LSNs must arrive in increasing order. */
  offer(lsn: number, appendedAt: number): void {
    const last = this.marks.last();
    if (last !== undefined && lsn - last.lsn < MARK_SPACING_BYTES && appendedAt - last.appendedAt < MARK_SPACING_MS) return;
    this.marks.push({ lsn, appendedAt });
  }

  /** appendedAt of the entry at `lsn` (approximately, see above); forgets marks no longer needed. */
  at(lsn: number): number | undefined {
    for (let next = this.marks.at(1); next !== undefined && next.lsn <= lsn; next = this.marks.at(1)) this.marks.shift();
    return this.marks.peek()?.appendedAt;
  }
}
