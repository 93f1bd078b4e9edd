/**
 * QoS 1 packet ids awaiting PUBACK for one connection.
 *
 * Ids are drawn from 1..capacity in FIFO order: MQTT only requires an id to be unique among
 * unacknowledged publishes, and keeping the range to the window size keeps per-connection
 * memory at a few bytes per slot instead of 65 536-entry tables (10k connections add up).
 */
export class InflightWindow {
  readonly capacity: number;
  private readonly sendTimes: Float64Array;
  private readonly pending: Uint8Array;
  private readonly free: Uint16Array;
  private freeHead = 0;
  private freeCount: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 65_535) {
      throw new RangeError(`inflight must be an integer in 1..65535, got ${capacity}`);
    }
    this.capacity = capacity;
    this.sendTimes = new Float64Array(capacity + 1);
    this.pending = new Uint8Array(capacity + 1);
    this.free = new Uint16Array(capacity);
    for (let i = 0; i < capacity; i++) this.free[i] = i + 1;
    this.freeCount = capacity;
  }

  /** Publishes sent but not yet acknowledged. */
  get size(): number {
    return this.capacity - this.freeCount;
  }

  /** Reserves a packet id stamped with its send time; callers must check `size < capacity` first. */
  take(sentAt: number): number {
    if (this.freeCount === 0) throw new Error('inflight window is full');
    const id = this.free[this.freeHead] as number;
    this.freeHead = (this.freeHead + 1) % this.capacity;
    this.freeCount--;
    this.pending[id] = 1;
    this.sendTimes[id] = sentAt;
    return id;
  }

  /** Frees an acknowledged id and returns its send time, or undefined if it was not in flight. */
  release(id: number): number | undefined {
    if (id < 1 || id > this.capacity || this.pending[id] !== 1) return undefined;
    this.pending[id] = 0;
    this.free[(this.freeHead + this.freeCount) % this.capacity] = id;
    this.freeCount++;
    return this.sendTimes[id];
  }
}
