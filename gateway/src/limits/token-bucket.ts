/**
 * A token bucket that may go into debt: `charge` always takes what it is asked for and answers how long the
 * caller has to wait until the bucket is back at zero. Successive charges therefore get non-decreasing release
 * times, which keeps a device's traffic in order when it is delayed rather than dropped.
 */
export interface TokenBucket {
  /** Takes `amount` tokens (possibly into debt); returns the wait in ms until the debt is repaid (0: none). */
  charge(amount: number, now: number): number;
  /** Takes `amount` tokens only if they are there; true when taken. */
  tryTake(amount: number, now: number): boolean;
  /** True when the bucket is full at `now` (forgetting it loses nothing). */
  isFull(now: number): boolean;
}

export interface TokenBucketOptions {
  /** Tokens added per second; must be > 0. */
  ratePerSecond: number;
  /** Capacity (the burst allowed after idling). Default: one second's worth. */
  capacity?: number;
}

export function createTokenBucket(options: TokenBucketOptions, now: number): TokenBucket {
  const rate = options.ratePerSecond / 1000; // tokens per ms
  const capacity = options.capacity ?? options.ratePerSecond;
  if (!(rate > 0) || !(capacity > 0)) throw new RangeError('token bucket rate and capacity must be positive');
  let tokens = capacity;
  let at = now;
  const refill = (t: number): void => {
    if (t > at) {
      tokens = Math.min(capacity, tokens + (t - at) * rate);
      at = t;
    }
  };
  return {
    charge(amount, t) {
      refill(t);
      tokens -= amount;
      return tokens >= 0 ? 0 : Math.ceil(-tokens / rate);
    },
    tryTake(amount, t) {
      refill(t);
      if (tokens < amount) return false;
      tokens -= amount;
      return true;
    },
    isFull(t) {
      refill(t);
      return tokens >= capacity;
    },
  };
}
