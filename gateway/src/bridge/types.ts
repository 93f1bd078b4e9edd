import type { GatewayError } from '../../../common/errors.js';
import type { SinkEntry } from '../sinks/sink.js';
import type { Deque } from '../../../common/deque.js';

/** Called once per reading: without an error when the sink accepted it, with one when it never will. */
export type AckCallback = (err?: GatewayError) => void;

export interface Reading {
  readonly device: DeviceState;
  readonly data: Buffer;
  /** Bytes the reading counts for against the sink's limits. */
  readonly size: number;
  readonly enqueuedAt: number;
  readonly done: AckCallback;
}

/** A device's queue. A device has at most one entry in flight, which is what keeps its readings in order. */
export interface DeviceState {
  readonly id: string;
  /** Key of the group (shard) its entries go to; changes when the shard map does. */
  groupKey: string;
  readonly queue: Deque<Reading>;
  inFlight: boolean;
  /** Listed in its group's ready FIFO (has queued readings and nothing in flight). */
  ready: boolean;
}

/** Devices whose next entry goes to the same place (a shard, when the shard map is known). */
export interface ReadyGroup {
  readonly key: string;
  readonly ready: Deque<DeviceState>;
}

/** One entry of a sink request: one reading, or several packed together (KPL aggregation). */
export interface Entry extends SinkEntry {
  readonly readings: Reading[];
  readonly devices: DeviceState[];
  readonly size: number;
  /** The group (shard) the entry was packed for. */
  readonly groupKey: string;
  attempts: number;
  notBefore: number;
}

/** Takes readings from a group's ready devices and packs them into entries within a byte and count budget. */
export interface EntryPacker {
  /**
   * Appends entries built from `group` to `out` while `budget` allows; marks the devices it took from as in
   * flight and removes them from the group's ready FIFO. Returns the bytes used.
   */
  pack(group: ReadyGroup, budget: { entries: number; bytes: number }, out: Entry[]): number;
}
