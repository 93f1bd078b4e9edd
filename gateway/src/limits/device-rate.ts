import { createTokenBucket, type TokenBucket } from './token-bucket.js';

/**
 * Per-device message and byte rates (token buckets, one second of burst). Used by the MQTT broker, which delays a
 * device that goes over its rate (it stops reading that device's socket), and usable by any other transport:
 * `admit` answers yes/no without charging a refused request, for transports that answer "slow down" (HTTP 429).
 */
export interface DeviceRateLimiter {
  /** False when both rates are unlimited; then `admit` is always true and `charge` always 0. */
  readonly enabled: boolean;
  /**
   * True (and charged) when `deviceId` may send `messages` messages of `bytes` bytes now; false, with nothing
   * charged, when that would exceed one of its rates.
   */
  admit(deviceId: string, messages: number, bytes: number): boolean;
  /**
   * Charges the device (possibly into debt) and answers how long to hold this traffic so the device stays within
   * its rates: `delayMs` 0 means now; `limitedBy` names the rate that imposes the delay.
   */
  charge(deviceId: string, messages: number, bytes: number): { delayMs: number; limitedBy?: 'messages' | 'bytes' };
  /** Devices currently tracked (bounded by `maxDevices`). */
  readonly trackedDevices: number;
}

export interface DeviceRateLimiterOptions {
  /** Messages per second per device; 0 = unlimited. */
  messagesPerSecond: number;
  /** Payload bytes per second per device; 0 = unlimited. */
  bytesPerSecond: number;
  /** Devices tracked at once; idle devices (full buckets) are forgotten first. Default 200,000. */
  maxDevices?: number;
  now?: () => number;
}

interface Buckets {
  messages: TokenBucket | undefined;
  bytes: TokenBucket | undefined;
}

export function createDeviceRateLimiter(options: DeviceRateLimiterOptions): DeviceRateLimiter {
  const now = options.now ?? (() => performance.now());
  const maxDevices = options.maxDevices ?? 200_000;
  const enabled = options.messagesPerSecond > 0 || options.bytesPerSecond > 0;
  const devices = new Map<string, Buckets>();

  function bucketsOf(deviceId: string, t: number): Buckets {
    let b = devices.get(deviceId);
    if (b === undefined) {
      if (devices.size >= maxDevices) evict(t);
      b = {
        messages: options.messagesPerSecond > 0 ? createTokenBucket({ ratePerSecond: options.messagesPerSecond }, t) : undefined,
        bytes: options.bytesPerSecond > 0 ? createTokenBucket({ ratePerSecond: options.bytesPerSecond }, t) : undefined,
      };
      devices.set(deviceId, b);
    }
    return b;
  }

  /** Forgets devices whose buckets are full (no loss: a new bucket starts full); then the oldest, if still over. */
  function evict(t: number): void {
    for (const [id, b] of devices) {
      if ((b.messages?.isFull(t) ?? true) && (b.bytes?.isFull(t) ?? true)) devices.delete(id);
    }
    const excess = devices.size - Math.floor(maxDevices * 0.9);
    if (excess > 0) {
      let n = 0;
      for (const id of devices.keys()) {
        if (n++ >= excess) break;
        devices.delete(id);
      }
    }
  }

  return {
    enabled,
    get trackedDevices() {
      return devices.size;
    },
    admit(deviceId, messages, bytes) {
      if (!enabled) return true;
      const t = now();
      const b = bucketsOf(deviceId, t);
      // Check both before taking from either, so a refusal charges nothing.
      if (b.messages !== undefined && !b.messages.tryTake(messages, t)) return false;
      if (b.bytes !== undefined && !b.bytes.tryTake(bytes, t)) {
        b.messages?.charge(-messages, t); // give the messages back
        return false;
      }
      return true;
    },
    charge(deviceId, messages, bytes) {
      if (!enabled) return { delayMs: 0 };
      const t = now();
      const b = bucketsOf(deviceId, t);
      const m = b.messages?.charge(messages, t) ?? 0;
      const y = b.bytes?.charge(bytes, t) ?? 0;
      if (m === 0 && y === 0) return { delayMs: 0 };
      return m >= y ? { delayMs: m, limitedBy: 'messages' } : { delayMs: y, limitedBy: 'bytes' };
    },
  };
}
