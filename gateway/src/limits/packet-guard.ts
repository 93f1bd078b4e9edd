import type { Duplex } from 'node:stream';

/** Why a connection's byte stream was cut before the MQTT parser buffered it. */
export type PacketGuardViolation = 'packet_too_large' | 'malformed_length' | 'first_packet_not_connect' | 'protocol_violation';

export class PacketGuardError extends Error {
  readonly reason: PacketGuardViolation;
  constructor(reason: PacketGuardViolation, message: string) {
    super(message);
    this.name = 'PacketGuardError';
    this.reason = reason;
  }
}

export interface PacketGuardOptions {
  /** Largest MQTT packet (fixed header + remaining length) accepted. */
  maxPacketBytes: number;
  /** Largest CONNECT packet accepted (it arrives before the device is authenticated). */
  maxConnectBytes: number;
}

const CONNECT = 1;
/** Packet types a client may send (MQTT 3.1.1 §2.2.1): CONNECT, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT. */
const FROM_CLIENT = new Set([1, 3, 4, 5, 6, 7, 8, 10, 12, 14]);

/**
 * Follows MQTT packet framing on the bytes the broker reads from `stream` and destroys the stream (with a
 * {@link PacketGuardError}) as soon as a fixed header announces a packet over the limit, before the parser would
 * wait for and buffer its body: a lying length field costs 5 bytes, not 256 MB. The first packet must be CONNECT,
 * and packet types only a server sends (CONNACK, SUBACK, UNSUBACK, PINGRESP, AUTH, reserved) end the connection.
 * It wraps the stream's own `read` (aedes pulls with `read()`), so it adds no stream hop and keeps backpressure.
 */
export function guardPackets(stream: Duplex, options: PacketGuardOptions): void {
  // State: 0 = expecting a fixed-header byte, 1 = inside the remaining-length varint, 2 = skipping the body.
  let state = 0;
  let first = true;
  let type = 0;
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let skip = 0;
  let failed = false;
  const originalRead = stream.read.bind(stream);


  function inspect(buf: Buffer): PacketGuardError | undefined {
    let i = 0;
    while (i < buf.length) {
      if (state === 2) {
        const n = Math.min(skip, buf.length - i);
        skip -= n;
        i += n;
        if (skip === 0) state = 0;
        continue;
      }
      const byte = buf[i++] as number;
      if (state === 0) {
        type = byte >> 4;
        if (first && type !== CONNECT) return new PacketGuardError('first_packet_not_connect', 'the first packet is not CONNECT');
        if (!FROM_CLIENT.has(type)) return new PacketGuardError('protocol_violation', `packet type ${type} is not sent by clients`);
        state = 1;
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
        continue;
      }
      // state 1: remaining length, 7 bits per byte, at most 4 bytes
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      lengthBytes++;
      if ((byte & 0x80) !== 0) {
        if (lengthBytes >= 4) return new PacketGuardError('malformed_length', 'remaining length longer than 4 bytes');
        continue;
      }
      const total = 1 + lengthBytes + length;
      const cap = first ? options.maxConnectBytes : options.maxPacketBytes;
      if (total > cap) {
        return new PacketGuardError('packet_too_large', `a ${first ? 'CONNECT' : 'packet'} of ${total} bytes exceeds the ${cap}-byte limit`);
      }
      first = false;
      if (length === 0) state = 0;
      else {
        state = 2;
        skip = length;
      }
    }
    return undefined;
  }

  stream.read = function guardedRead(size?: number): unknown {
    if (failed) return null;
    const chunk: unknown = originalRead(size);
    if (chunk === null || chunk === undefined) return chunk;
    const err = inspect(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    if (err === undefined) return chunk;
    failed = true;
    stream.destroy(err);
    return null;
  } as Duplex['read'];
}
