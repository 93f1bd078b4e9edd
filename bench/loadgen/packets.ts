/**
 * Minimal MQTT 3.1.1 encoders/decoder for the load generator.
 *
 * Only the packets a publishing device needs are covered. Publishes are produced by
 * copying a pre-encoded template and patching a few bytes, so the generator spends its
 * CPU on syscalls rather than on serialisation.
 *
 * Why not mqtt-packet (MQTT.js's codec, the ecosystem's; the tests check every encoder
 * here against its parser): a load generator must not be the bottleneck, and the raw
 * aedes baseline takes ~540,000 msg/s from one generator core (README, "Measured
 * performance"). Measured on the project machine (Node 20, 200-byte payloads, 1M packets):
 * `mqttPacket.generate` took 0.9–2.5 µs per PUBLISH (0.4–1.1M/s, before any syscall) against
 * 0.17–0.19 µs for {@link PublishTemplate.writeInto}; its parser took 1.3 µs per PUBACK
 * against 16 ns for {@link MqttDecoder}. CONNECT is cold, but sharing `utf8Field` and the
 * remaining-length encoder with the template keeps one codec instead of two.
 */

/** MQTT control packet types (high nibble of the fixed header). */
export const PacketType = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
} as const;

/** Human-readable CONNACK return codes (MQTT 3.1.1 §3.2.2.3). */
export const CONNACK_REASONS: Readonly<Record<number, string>> = {
  0: 'accepted',
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** Fixed-width decimal field for the per-device counter: up to 9,999,999,999 messages. */
export const COUNTER_WIDTH = 10;

const MAX_REMAINING_LENGTH = 268_435_455;

/** Encodes the MQTT "remaining length" variable byte integer. */
export function encodeRemainingLength(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_REMAINING_LENGTH) {
    throw new RangeError(`remaining length out of range: ${length}`);
  }
  const bytes: number[] = [];
  let value = length;
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

function utf8Field(value: string | Buffer): Buffer {
  const body = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (body.length > 0xffff) throw new RangeError('MQTT string/binary field longer than 65535 bytes');
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

function packet(firstByte: number, parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([firstByte]), encodeRemainingLength(body.length), body]);
}

/** Options for {@link encodeConnect}. */
export interface ConnectOptions {
  clientId: string;
  /** Keep-alive in seconds. Default: 60. */
  keepaliveSec?: number;
  /** Clean session flag. Default: true (the generator never resumes sessions). */
  clean?: boolean;
  /** Optional user name. Default: none. */
  username?: string;
  /** Optional password; MQTT 3.1.1 only allows it together with a user name. Default: none. */
  password?: string | Buffer;
}

/** Encodes a CONNECT packet (protocol "MQTT", level 4). */
export function encodeConnect(options: ConnectOptions): Buffer {
  const keepalive = options.keepaliveSec ?? 60;
  if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 0xffff) {
    throw new RangeError(`keepalive out of range: ${keepalive}`);
  }
  if (options.password !== undefined && options.username === undefined) {
    throw new Error('MQTT 3.1.1 requires a username when a password is set');
  }
  let flags = 0;
  if (options.clean ?? true) flags |= 0x02;
  if (options.username !== undefined) flags |= 0x80;
  if (options.password !== undefined) flags |= 0x40;
  const header = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, keepalive >> 8, keepalive & 0xff]);
  const parts = [header, utf8Field(options.clientId)];
  if (options.username !== undefined) parts.push(utf8Field(options.username));
  if (options.password !== undefined) parts.push(utf8Field(options.password));
  return packet(PacketType.CONNECT << 4, parts);
}

export const PINGREQ: Buffer = Buffer.from([PacketType.PINGREQ << 4, 0]);
export const DISCONNECT: Buffer = Buffer.from([PacketType.DISCONNECT << 4, 0]);

/** Smallest payload the telemetry template can produce (no padding). */
export const MIN_PAYLOAD_BYTES = telemetryPayloadPrefix().length + COUNTER_WIDTH + telemetryPayloadSuffix('').length;

function telemetryPayloadPrefix(): string {
  return '{"temperature":21.5,"humidity":40.1,"n":';
}

function telemetryPayloadSuffix(padding: string): string {
  return `,"pad":"${padding}"}`;
}

/**
 * Builds a JSON telemetry payload of exactly `payloadBytes` bytes. The counter is written
 * right-aligned in a fixed-width field with leading spaces (whitespace is legal JSON before
 * a value, leading zeros are not), so it can be patched in place without moving bytes.
 */
export function buildTelemetryPayload(payloadBytes: number, counter = 0): { payload: Buffer; counterOffset: number } {
  if (!Number.isInteger(payloadBytes) || payloadBytes < MIN_PAYLOAD_BYTES) {
    throw new RangeError(`payloadBytes must be an integer >= ${MIN_PAYLOAD_BYTES}`);
  }
  const prefix = telemetryPayloadPrefix();
  const padding = 'x'.repeat(payloadBytes - MIN_PAYLOAD_BYTES);
  const text = prefix + ' '.repeat(COUNTER_WIDTH) + telemetryPayloadSuffix(padding);
  const payload = Buffer.from(text, 'latin1');
  writeCounter(payload, prefix.length, counter);
  return { payload, counterOffset: prefix.length };
}

function writeCounter(target: Buffer, offset: number, counter: number): void {
  if (!Number.isInteger(counter) || counter < 0 || counter >= 10 ** COUNTER_WIDTH) {
    throw new RangeError(`counter out of range: ${counter}`);
  }
  let value = counter;
  let pos = offset + COUNTER_WIDTH - 1;
  do {
    target[pos--] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  } while (value > 0);
  // Stale digits from a longer previous value must become whitespace again.
  while (pos >= offset) target[pos--] = 0x20;
}

/** Options for {@link PublishTemplate}. */
export interface PublishTemplateOptions {
  topic: string;
  /** QoS 0 or 1. */
  qos: 0 | 1;
  /** Total JSON payload size in bytes. Default: 150. */
  payloadBytes?: number;
}

/**
 * A PUBLISH packet encoded once; {@link PublishTemplate.writeInto} copies it and patches the
 * packet id and the payload counter. Copying (rather than patching one shared buffer) is
 * required because `socket.write()` keeps a reference to the buffer until it is flushed.
 */
export class PublishTemplate {
  readonly bytes: Buffer;
  readonly length: number;
  readonly qos: 0 | 1;
  /** Offset of the 2-byte packet id, or -1 for QoS 0. */
  readonly packetIdOffset: number;
  /** Offset of the fixed-width counter digits. */
  readonly counterOffset: number;

  constructor(options: PublishTemplateOptions) {
    this.qos = options.qos;
    const { payload, counterOffset } = buildTelemetryPayload(options.payloadBytes ?? 150);
    const topic = utf8Field(options.topic);
    const variable = options.qos === 1 ? Buffer.concat([topic, Buffer.from([0, 1])]) : topic;
    const remaining = encodeRemainingLength(variable.length + payload.length);
    const firstByte = (PacketType.PUBLISH << 4) | (options.qos << 1);
    this.bytes = Buffer.concat([Buffer.from([firstByte]), remaining, variable, payload]);
    this.length = this.bytes.length;
    const headerLength = 1 + remaining.length;
    this.packetIdOffset = options.qos === 1 ? headerLength + topic.length : -1;
    this.counterOffset = headerLength + variable.length + counterOffset;
  }

  /** Copies the template to `target[offset..]` and patches counter (and packet id for QoS 1). */
  writeInto(target: Buffer, offset: number, counter: number, packetId = 0): void {
    this.bytes.copy(target, offset);
    writeCounter(target, offset + this.counterOffset, counter);
    if (this.packetIdOffset >= 0) {
      if (packetId < 1 || packetId > 0xffff) throw new RangeError(`packet id out of range: ${packetId}`);
      target[offset + this.packetIdOffset] = packetId >> 8;
      target[offset + this.packetIdOffset + 1] = packetId & 0xff;
    }
  }

  /** Convenience for one-off packets (tests); hot paths batch with {@link writeInto}. */
  encode(counter: number, packetId = 0): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    this.writeInto(out, 0, counter, packetId);
    return out;
  }
}

/** Callbacks for {@link MqttDecoder}. */
export interface DecoderHandlers {
  onConnack?(returnCode: number, sessionPresent: boolean): void;
  onPuback?(packetId: number): void;
  onPingresp?(): void;
  /** Any other packet type; the body is a view that is only valid during the call. */
  onOther?(type: number, flags: number, body: Buffer): void;
}

/**
 * Incremental decoder for broker→client packets. TCP delivers arbitrary slices, so an
 * incomplete tail (including a split remaining-length field) is kept until more arrives.
 */
export class MqttDecoder {
  private pending: Buffer | undefined;

  constructor(private readonly handlers: DecoderHandlers) {}

  /** Bytes buffered while waiting for the rest of a packet. */
  get bufferedBytes(): number {
    return this.pending?.length ?? 0;
  }

  /** Feeds a chunk; handlers run synchronously for every complete packet. Throws on malformed input. */
  push(chunk: Buffer): void {
    const buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let offset = 0;
    while (buf.length - offset >= 2) {
      let remaining = 0;
      let multiplier = 1;
      let pos = offset + 1;
      let complete = false;
      for (let i = 0; i < 4 && pos < buf.length; i++) {
        const byte = buf[pos++] as number;
        remaining += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
        if (i === 3) throw new Error('malformed MQTT remaining length (more than 4 bytes)');
      }
      if (!complete || buf.length - pos < remaining) break;
      this.dispatch(buf[offset] as number, buf, pos, remaining);
      offset = pos + remaining;
    }
    if (offset < buf.length) {
      // Copy so a small leftover does not pin a large socket chunk in memory.
      this.pending = Buffer.from(buf.subarray(offset));
    }
  }

  private dispatch(firstByte: number, buf: Buffer, start: number, length: number): void {
    const type = firstByte >> 4;
    switch (type) {
      case PacketType.CONNACK:
        if (length < 2) throw new Error(`malformed CONNACK (length ${length})`);
        this.handlers.onConnack?.(buf[start + 1] as number, ((buf[start] as number) & 1) === 1);
        return;
      case PacketType.PUBACK:
        if (length < 2) throw new Error(`malformed PUBACK (length ${length})`);
        this.handlers.onPuback?.(buf.readUInt16BE(start));
        return;
      case PacketType.PINGRESP:
        this.handlers.onPingresp?.();
        return;
      default:
        this.handlers.onOther?.(type, firstByte & 0x0f, buf.subarray(start, start + length));
    }
  }
}
