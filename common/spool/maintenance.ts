/**
 * Background upkeep behind the watermark: persist it in the checkpoint file, then delete the segments wholly
 * below it. One run at a time; requests made during a run trigger one more run afterwards.
 */
import type { Logger } from '../logger.js';
import { writeCheckpoint } from './checkpoint.js';
import { describeError, errnoCode } from './errors.js';
import type { SpoolFs } from './fs.js';
import { segmentEnd, type Segment } from './segments.js';

export interface MaintenanceOptions {
  fs: SpoolFs;
  dir: string;
  fsync: boolean;
  logger: Logger;
  /** Shared with the spool; only this module removes from its front. */
  segments: Segment[];
  watermark(): number;
  /** What the checkpoint file holds at open (undefined: missing or corrupt). */
  persisted: number | undefined;
}

export interface Maintenance {
  /** Starts a run (or one more after the current one). */
  request(): void;
  /** The watermark differs from the persisted one. */
  readonly dirty: boolean;
  readonly persisted: number | undefined;
  /** The checkpoint write error while it persists. */
  readonly error: string | undefined;
  /** Waits for the current run, then does a final one. */
  close(): Promise<void>;
}

export function createMaintenance(options: MaintenanceOptions): Maintenance {
  const { fs, logger, segments } = options;
  let persisted = options.persisted;
  let error: string | undefined;
  let deleteFailing = false;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  function request(): void {
    if (running !== undefined) {
      again = true;
      return;
    }
    running = run().finally(() => {
      running = undefined;
      if (again && !closed) {
        again = false;
        request();
      }
    });
  }

  async function run(): Promise<void> {
    const w = options.watermark();
    if (w !== persisted) {
      try {
        await writeCheckpoint(fs, options.dir, w, options.fsync);
        persisted = w;
        if (error !== undefined) logger.info({ dir: options.dir }, 'spool checkpoint writes recovered');
        error = undefined;
      } catch (err) {
        if (error === undefined) {
          logger.error(
            { err, dir: options.dir, code: 'SPOOL_IO' },
            'spool checkpoint write failed: retrying; a restart now would replay more (duplicates), nothing is lost',
          );
        }
        error = describeError(err);
      }
    }
    // Deleting ahead of a failed checkpoint is safe: recovery starts at the oldest segment left, at worst
    // replaying done entries. Oldest first, so a crash half-way leaves no hole in front of live data.
    while (segments.length > 1) {
      const seg = segments[0] as Segment;
      if (segmentEnd(seg) > w) break;
      try {
        await fs.unlink(seg.path);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') {
          if (!deleteFailing) {
            logger.error({ err, segment: seg.path, code: 'SPOOL_IO' }, 'spool: could not delete a done segment; retrying');
          }
          deleteFailing = true;
          return;
        }
      }
      deleteFailing = false;
      if (segments[0] === seg) segments.shift();
    }
  }

  return {
    request,
    get dirty() {
      return options.watermark() !== persisted;
    },
    get persisted() {
      return persisted;
    },
    get error() {
      return error;
    },
    async close() {
      closed = true;
      while (running !== undefined) await running;
      await run();
    },
  };
}
