/**
 * Per-device loss / duplicate / reorder check over readings in stream order. The gateway numbers each
 * device's readings `seq` = 1, 2, … in arrival order, and the load generator numbers its publishes `n` =
 * 0, 1, … in send order, so within one gateway run `seq` must equal `n + 1`: that ties the stream order back
 * to the order the device published in, not only to the gateway's own counter.
 */

interface DeviceTrack {
  shard: string;
  maxSeq: number;
  seen: Set<number>;
}

export interface OrderResult {
  devices: number;
  readings: number;
  epochs: number;
  /** Readings whose seq was already seen for the device (redelivery). */
  duplicates: number;
  /** Readings that arrived after a higher seq of the same device. */
  reordered: number;
  /** Seq values missing below each device's highest seq (lost readings). */
  gaps: number;
  /** Readings whose seq ≠ the device's own counter n + 1 (gateway order ≠ publish order). */
  counterMismatches: number;
  /** Devices whose readings were found on more than one shard. */
  devicesOnSeveralShards: number;
  /** Records that could not be parsed as an envelope. */
  unparsable: number;
  /** Highest seq per device, summed: what the gateway numbered (≥ readings if some were lost). */
  numbered: number;
}

export class OrderCheck {
  private readonly devices = new Map<string, DeviceTrack>();
  private readonly epochs = new Set<number>();
  private readings = 0;
  private duplicates = 0;
  private reordered = 0;
  private counterMismatches = 0;
  private severalShards = new Set<string>();
  private unparsable = 0;

  /** `data` is one user record (the gateway's JSON envelope). */
  add(shard: string, data: Buffer): void {
    let rec: { deviceId?: unknown; epoch?: unknown; seq?: unknown; reading?: { n?: unknown } };
    try {
      rec = JSON.parse(data.toString('utf8')) as typeof rec;
    } catch {
      this.unparsable++;
      return;
    }
    const { deviceId, epoch, seq } = rec;
    if (typeof deviceId !== 'string' || typeof seq !== 'number' || typeof epoch !== 'number') {
      this.unparsable++;
      return;
    }
    this.readings++;
    this.epochs.add(epoch);
    let track = this.devices.get(deviceId);
    if (track === undefined) {
      track = { shard, maxSeq: 0, seen: new Set() };
      this.devices.set(deviceId, track);
    }
    if (track.shard !== shard) this.severalShards.add(deviceId);
    if (track.seen.has(seq)) this.duplicates++;
    else if (seq < track.maxSeq) this.reordered++;
    track.seen.add(seq);
    track.maxSeq = Math.max(track.maxSeq, seq);
    const n = rec.reading?.n;
    if (typeof n === 'number' && n + 1 !== seq) this.counterMismatches++;
  }

  result(): OrderResult {
    let gaps = 0;
    let numbered = 0;
    for (const t of this.devices.values()) {
      gaps += t.maxSeq - t.seen.size;
      numbered += t.maxSeq;
    }
    return {
      devices: this.devices.size,
      readings: this.readings,
      epochs: this.epochs.size,
      duplicates: this.duplicates,
      reordered: this.reordered,
      gaps,
      counterMismatches: this.counterMismatches,
      devicesOnSeveralShards: this.severalShards.size,
      unparsable: this.unparsable,
      numbered,
    };
  }
}
