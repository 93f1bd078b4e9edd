import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDeviceRateLimiter } from '../../gateway/src/limits/device-rate.js';
import { createLoginBackoff } from '../../gateway/src/limits/login-backoff.js';
import { createPacer } from '../../gateway/src/limits/pacer.js';
import { guardPackets, PacketGuardError } from '../../gateway/src/limits/packet-guard.js';
import { createTokenBucket } from '../../gateway/src/limits/token-bucket.js';
import { connectFrame, publishFrame, remainingLength } from '../support/mqtt-frames.js';

describe('token bucket', () => {
  it('allows a burst of its capacity, then charges into debt with non-decreasing release times', () => {
    const b = createTokenBucket({ ratePerSecond: 10 }, 0);
    for (let i = 0; i < 10; i++) expect(b.charge(1, 0)).toBe(0);
    expect(b.charge(1, 0)).toBe(100);
    expect(b.charge(1, 0)).toBe(200);
    expect(b.charge(1, 150)).toBe(150); // release at 300 ms either way
    expect(b.tryTake(1, 150)).toBe(false);
    expect(b.isFull(10_000)).toBe(true);
  });
});

describe('device rate limiter', () => {
  it('admits within both rates, refuses without charging, and keeps devices apart', () => {
    let t = 0;
    const l = createDeviceRateLimiter({ messagesPerSecond: 2, bytesPerSecond: 100, now: () => t });
    expect(l.admit('a', 1, 40)).toBe(true);
    expect(l.admit('a', 1, 40)).toBe(true);
    expect(l.admit('a', 1, 10)).toBe(false); // messages exhausted
    expect(l.admit('b', 1, 90)).toBe(true);
    expect(l.admit('b', 1, 20)).toBe(false); // bytes exhausted; the message was given back
    t = 100; // +0.2 messages, +10 bytes for b
    expect(l.admit('b', 1, 20)).toBe(true);
  });

  it('names the limit that delays, and is a no-op when unlimited', () => {
    const l = createDeviceRateLimiter({ messagesPerSecond: 0, bytesPerSecond: 1000, now: () => 0 });
    expect(l.charge('d', 1, 1000)).toEqual({ delayMs: 0 });
    expect(l.charge('d', 1, 500)).toEqual({ delayMs: 500, limitedBy: 'bytes' });
    const off = createDeviceRateLimiter({ messagesPerSecond: 0, bytesPerSecond: 0 });
    expect(off.enabled).toBe(false);
    expect(off.admit('x', 1e9, 1e12)).toBe(true);
  });

  it('stays bounded in the devices it tracks', () => {
    let t = 0;
    const l = createDeviceRateLimiter({ messagesPerSecond: 1, bytesPerSecond: 0, maxDevices: 100, now: () => t });
    for (let i = 0; i < 1000; i++) {
      t += 1;
      l.charge(`dev-${i}`, 1, 0);
    }
    expect(l.trackedDevices).toBeLessThanOrEqual(100);
  });
});

describe('pacer', () => {
  it('runs one key in order whatever the delays, and other keys independently', async () => {
    const pacer = createPacer();
    const order: string[] = [];
    pacer.run('a', 30, () => order.push('a1'));
    pacer.run('a', 0, () => order.push('a2')); // queued behind a1
    pacer.run('b', 0, () => order.push('b1')); // runs now
    pacer.run('a', 10, () => order.push('a3'));
    expect(order).toEqual(['b1']);
    await new Promise((r) => setTimeout(r, 60));
    expect(order).toEqual(['b1', 'a1', 'a2', 'a3']);
    expect(pacer.waitingKeys).toBe(0);
    pacer.run('c', 1000, () => order.push('never'));
    pacer.clear();
    expect(pacer.waitingKeys).toBe(0);
  });
});

describe('login backoff', () => {
  it('tolerates free failures, then doubles up to the cap; a success clears it', () => {
    let t = 0;
    const b = createLoginBackoff({ baseMs: 100, maxMs: 350, freeFailures: 2, now: () => t });
    b.recordFailure('1.2.3.4');
    b.recordFailure('1.2.3.4');
    expect(b.blockedFor('1.2.3.4')).toBe(0);
    b.recordFailure('1.2.3.4');
    expect(b.blockedFor('1.2.3.4')).toBe(100);
    b.recordFailure('1.2.3.4');
    expect(b.blockedFor('1.2.3.4')).toBe(200);
    b.recordFailure('1.2.3.4');
    expect(b.blockedFor('1.2.3.4')).toBe(350);
    expect(b.blockedFor('5.6.7.8')).toBe(0);
    t = 400;
    expect(b.blockedFor('1.2.3.4')).toBe(0);
    b.recordSuccess('1.2.3.4');
    b.recordFailure('1.2.3.4');
    expect(b.blockedFor('1.2.3.4')).toBe(0);
    expect(createLoginBackoff({ baseMs: 0, maxMs: 0, freeFailures: 0 }).enabled).toBe(false);
  });

  it('forgets the oldest addresses beyond its bound', () => {
    const b = createLoginBackoff({ baseMs: 100, maxMs: 100, freeFailures: 0, maxAddresses: 10 });
    for (let i = 0; i < 50; i++) b.recordFailure(`10.0.0.${i}`);
    expect(b.trackedAddresses).toBe(10);
  });
});

describe('packet guard', () => {
  function guarded(): { stream: PassThrough; errors: Error[]; read: () => Buffer | null } {
    const stream = new PassThrough();
    const errors: Error[] = [];
    stream.on('error', (e) => errors.push(e));
    guardPackets(stream, { maxPacketBytes: 1000, maxConnectBytes: 200 });
    return { stream, errors, read: () => stream.read() as Buffer | null };
  }

  it('passes well-formed packets split anywhere', async () => {
    const g = guarded();
    const bytes = Buffer.concat([connectFrame('dev'), publishFrame('devices/dev/telemetry', 'x'.repeat(900))]);
    let passed = 0;
    for (let i = 0; i < bytes.length; i += 7) {
      g.stream.write(bytes.subarray(i, i + 7));
      let chunk: Buffer | null;
      while ((chunk = g.read()) !== null) passed += chunk.length;
    }
    await new Promise((r) => setImmediate(r));
    expect(passed).toBe(bytes.length);
    expect(g.errors).toEqual([]);
  });

  it('cuts a lying length field, an oversize CONNECT, a first packet that is not CONNECT and server-only packet types', async () => {
    const cases: [Buffer, string][] = [
      [Buffer.concat([connectFrame('dev'), Buffer.from([0x30]), remainingLength(256 * 1024 * 1024 - 1)]), 'packet_too_large'],
      [Buffer.concat([Buffer.from([0x10]), remainingLength(300)]), 'packet_too_large'],
      [Buffer.from([0x30, 0x00]), 'first_packet_not_connect'],
      [Buffer.concat([connectFrame('dev'), Buffer.from([0x20, 0x02, 0, 0])]), 'protocol_violation'],
      [Buffer.concat([connectFrame('dev'), Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])]), 'malformed_length'],
    ];
    for (const [bytes, reason] of cases) {
      const g = guarded();
      g.stream.write(bytes);
      expect(g.read()).toBeNull();
      await new Promise((r) => setImmediate(r));
      expect(g.errors[0]).toBeInstanceOf(PacketGuardError);
      expect((g.errors[0] as PacketGuardError).reason).toBe(reason);
    }
  });
});
