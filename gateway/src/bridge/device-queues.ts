import { Deque } from '../../../common/deque.js';
import type { ShardRateLimiter } from './rate-limiter.js';
import type { AckCallback, DeviceState, Entry, EntryPacker, Reading, ReadyGroup } from './types.js';

export interface DeviceQueuesOptions {
  /** Packs readings of a group's ready devices into entries. */
  packer: EntryPacker;
  /** Names the group (shard) a new device's entries go to. */
  groupOf: (deviceId: string) => string;
  /** Per-group (per-shard) write limits; none when absent. */
  rateLimiter?: ShardRateLimiter | undefined;
  /** With a rate limiter: byte tokens a group needs before it is packed (see BridgeOptions.minGroupSendBytes). */
  minGroupSendBytes: number;
  /** Clock of the readings' enqueue times, ms. */
  now: () => number;
}

/**
 * Per-device queues and the ready lists they are packed from: a device with queued readings and nothing in
 * flight is listed once in its group's ready FIFO; a request takes from the groups in turn.
 */
export interface DeviceQueues {
  /** Devices that have readings queued or an entry in flight, by id. */
  readonly devices: ReadonlyMap<string, DeviceState>;
  /** Groups with ready devices, in the order the round-robin visits them. */
  readonly groups: ReadonlyMap<string, ReadyGroup>;
  /** Devices listed in a ready FIFO. */
  readonly readyDevices: number;
  /** Queues a reading of `size` bytes; lists its device as ready unless it is listed or has an entry in flight. */
  enqueue(deviceId: string, data: Buffer, size: number, done: AckCallback): void;
  /** Lists `device` at the tail of its group's ready FIFO. */
  makeReady(device: DeviceState): void;
  /** Empties every ready FIFO (the devices keep their queues). */
  clearReady(): void;
  /** Frees the devices of an entry settled for good: listed again if readings wait, forgotten if not. */
  releaseDevices(entry: Entry): void;
  /** Enqueue time of the oldest reading at the head of a ready FIFO; Infinity when none. */
  oldestReadyAt(): number;
  /**
   * Packs entries from the ready groups into `out` within `budget` (which it lowers), one group after the other
   * from a rotating start, within each group's rate limit. `flushing` sends groups below `minGroupSendBytes`.
   * Returns the earliest time a group it skipped or left waiting has tokens again (Infinity when none).
   */
  packReady(budget: { entries: number; bytes: number }, out: Entry[], flushing: boolean): number;
  /** Forgets every device; `release` sees each queued reading, device by device, oldest first. */
  clear(release: (reading: Reading) => void): void;
}

export function createDeviceQueues(options: DeviceQueuesOptions): DeviceQueues {
  const { packer, groupOf, now, minGroupSendBytes } = options;
  const limiter = options.rateLimiter;
  const devices = new Map<string, DeviceState>();
  const groups = new Map<string, ReadyGroup>();
  let groupCursor = 0;
  let readyDevices = 0;

  function groupFor(key: string): ReadyGroup {
    let group = groups.get(key);
    if (group === undefined) {
      group = { key, ready: new Deque<DeviceState>() };
      groups.set(key, group);
    }
    return group;
  }

  function makeReady(device: DeviceState): void {
    device.ready = true;
    groupFor(device.groupKey).ready.push(device);
    readyDevices++;
  }

  return {
    devices,
    groups,
    get readyDevices() {
      return readyDevices;
    },
    enqueue(deviceId, data, size, done) {
      let device = devices.get(deviceId);
      if (device === undefined) {
        device = { id: deviceId, groupKey: groupOf(deviceId), queue: new Deque<Reading>(), inFlight: false, ready: false };
        devices.set(deviceId, device);
      }
      device.queue.push({ device, data, size, enqueuedAt: now(), done });
      // A device in flight is listed again when its entry settles (the order rule, retry-queue.ts).
      if (!device.inFlight && !device.ready) makeReady(device);
    },
    makeReady,
    clearReady() {
      groups.clear();
      readyDevices = 0;
    },
    releaseDevices(entry) {
      for (const device of entry.devices) {
        device.inFlight = false;
        if (device.queue.length > 0) {
          if (!device.ready) makeReady(device);
        } else if (!device.ready) {
          devices.delete(device.id);
        }
      }
    },
    oldestReadyAt() {
      let oldest = Infinity;
      for (const group of groups.values()) {
        const head = group.ready.peek()?.queue.peek();
        if (head !== undefined && head.enqueuedAt < oldest) oldest = head.enqueuedAt;
      }
      return oldest;
    },
    packReady(budget, out, flushing) {
      let blockedUntil = Infinity;
      // Round-robin over groups so that one busy shard cannot starve the others.
      const keys = [...groups.keys()];
      for (let i = 0; i < keys.length && budget.entries > 0 && budget.bytes > 0; i++) {
        const group = groups.get(keys[(groupCursor + i) % keys.length] as string) as ReadyGroup;
        const groupBudget = { entries: budget.entries, bytes: budget.bytes };
        if (limiter !== undefined) {
          const tokens = limiter.available(group.key);
          const wanted = Math.min(minGroupSendBytes, limiter.depthBytes);
          if (tokens.bytes < wanted && !flushing) {
            blockedUntil = Math.min(blockedUntil, limiter.readyAt(group.key, wanted));
            continue;
          }
          groupBudget.entries = Math.min(groupBudget.entries, Math.floor(tokens.records));
          groupBudget.bytes = Math.min(groupBudget.bytes, Math.floor(tokens.bytes));
        }
        const before = out.length;
        const used = groupBudget.entries > 0 && groupBudget.bytes > 0 ? packer.pack(group, groupBudget, out) : 0;
        const taken = out.length - before;
        for (let j = before; j < out.length; j++) readyDevices -= (out[j] as Entry).devices.length;
        budget.entries -= taken;
        budget.bytes -= used;
        if (limiter !== undefined) {
          if (taken > 0) limiter.consume(group.key, taken, used);
          if (group.ready.length > 0) {
            const head = group.ready.peek()?.queue.peek();
            blockedUntil = Math.min(blockedUntil, limiter.readyAt(group.key, head?.size ?? 1));
          }
        }
        if (group.ready.length === 0) groups.delete(group.key);
      }
      groupCursor++;
      return blockedUntil;
    },
    clear(release) {
      for (const device of devices.values()) {
        for (let r = device.queue.shift(); r !== undefined; r = device.queue.shift()) release(r);
      }
      devices.clear();
      groups.clear();
      readyDevices = 0;
    },
  };
}
