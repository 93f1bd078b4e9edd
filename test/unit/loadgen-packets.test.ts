import { describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import type { Packet } from 'mqtt-packet';
import {
  COUNTER_WIDTH,
  DISCONNECT,
  encodeConnect,
  encodeRemainingLength,
  MIN_PAYLOAD_BYTES,
  MqttDecoder,
  PINGREQ,
  PublishTemplate,
} from '../../bench/loadgen/packets.js';

/** Parses bytes with MQTT.js's own parser, failing on leftovers or parser errors. */
function parseAll(bytes: Buffer): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: Packet[] = [];
  const errors: unknown[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => errors.push(e));
  const left = parser.parse(bytes);
  expect(errors).toEqual([]);
  expect(left).toBe(0);
  return packets;
}

function parseOne(bytes: Buffer): Packet {
  const packets = parseAll(bytes);
  expect(packets).toHaveLength(1);
  return packets[0] as Packet;
}

describe('encoders are understood by mqtt-packet', () => {
  it('CONNECT without credentials', () => {
    const p = parseOne(encodeConnect({ clientId: 'dev-1', keepaliveSec: 30 }));
    expect(p).toMatchObject({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'dev-1', keepalive: 30 });
    expect(p).not.toHaveProperty('username');
  });

  it('CONNECT with username and password, default keepalive', () => {
    const p = parseOne(encodeConnect({ clientId: 'dév-ü', username: 'user', password: 'sëcret' }));
    expect(p).toMatchObject({ cmd: 'connect', clientId: 'dév-ü', keepalive: 60, username: 'user', clean: true });
    expect((p as { password?: Buffer }).password?.toString('utf8')).toBe('sëcret');
  });

  it('CONNECT rejects a password without username', () => {
    expect(() => encodeConnect({ clientId: 'x', password: 'p' })).toThrow(/username/);
  });

  it('PINGREQ and DISCONNECT', () => {
    expect(parseOne(PINGREQ).cmd).toBe('pingreq');
    expect(parseOne(DISCONNECT).cmd).toBe('disconnect');
  });

  it.each([0, 1] as const)('QoS %i publish template patches counter and packet id', (qos) => {
    const template = new PublishTemplate({ topic: 'devices/dev-7/telemetry', qos, payloadBytes: 180 });
    // Reuse one buffer: a shorter counter after a longer one must not leave stale digits.
    const buf = Buffer.alloc(template.length * 2);
    for (const [n, id] of [[1234567890, 65535], [7, 1], [0, 300], [10 ** COUNTER_WIDTH - 1, 2]] as const) {
      template.writeInto(buf, template.length, n, id);
      const p = parseOne(buf.subarray(template.length));
      expect(p).toMatchObject({ cmd: 'publish', topic: 'devices/dev-7/telemetry', qos, retain: false, dup: false });
      if (qos === 1) expect((p as { messageId?: number }).messageId).toBe(id);
      const payload = (p as { payload: Buffer }).payload;
      expect(payload.length).toBe(180);
      expect(JSON.parse(payload.toString('utf8'))).toMatchObject({ temperature: 21.5, humidity: 40.1, n });
    }
  });

  it('many patched publishes in one buffer parse as a sequence', () => {
    const template = new PublishTemplate({ topic: 't', qos: 1, payloadBytes: 100 });
    const buf = Buffer.alloc(template.length * 50);
    for (let i = 0; i < 50; i++) template.writeInto(buf, i * template.length, i, i + 1);
    const packets = parseAll(buf) as Array<{ messageId?: number; payload: Buffer }>;
    expect(packets.map((p) => p.messageId)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(packets.map((p) => (JSON.parse(p.payload.toString()) as { n: number }).n)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('large payloads use multi-byte remaining length', () => {
    const template = new PublishTemplate({ topic: 'big', qos: 0, payloadBytes: 20_000 });
    expect(template.bytes[3]).toBeDefined();
    const p = parseOne(template.encode(42)) as { payload: Buffer };
    expect(p.payload.length).toBe(20_000);
    expect(encodeRemainingLength(16_384)).toEqual(Buffer.from([0x80, 0x80, 0x01]));
  });

  it('rejects payloads too small for the telemetry fields and out-of-range values', () => {
    expect(() => new PublishTemplate({ topic: 't', qos: 0, payloadBytes: MIN_PAYLOAD_BYTES - 1 })).toThrow(RangeError);
    const template = new PublishTemplate({ topic: 't', qos: 1, payloadBytes: MIN_PAYLOAD_BYTES });
    expect(() => template.encode(1, 0)).toThrow(/packet id/);
    expect(() => template.encode(10 ** COUNTER_WIDTH, 1)).toThrow(/counter/);
  });
});

describe('MqttDecoder', () => {
  type Event = ['connack', number, boolean] | ['puback', number] | ['pingresp'] | ['other', number, number];
  const gen = (p: object): Buffer => mqttPacket.generate(p as Packet);
  const stream = Buffer.concat([
    gen({ cmd: 'connack', returnCode: 0, sessionPresent: true }),
    gen({ cmd: 'puback', messageId: 1 }),
    gen({ cmd: 'puback', messageId: 65535 }),
    gen({ cmd: 'pingresp' }),
    // > 127 bytes so its remaining length is two bytes and can itself be split.
    gen({ cmd: 'publish', topic: 'x', payload: Buffer.alloc(300, 1), qos: 0, retain: false, dup: false }),
    gen({ cmd: 'puback', messageId: 258 }),
    gen({ cmd: 'connack', returnCode: 5, sessionPresent: false }),
  ]);
  const expected: Event[] = [
    ['connack', 0, true], ['puback', 1], ['puback', 65535], ['pingresp'], ['other', 3, 303], ['puback', 258], ['connack', 5, false],
  ];

  function decoderWithLog(): { decoder: MqttDecoder; events: Event[] } {
    const events: Event[] = [];
    const decoder = new MqttDecoder({
      onConnack: (code, sp) => events.push(['connack', code, sp]),
      onPuback: (id) => events.push(['puback', id]),
      onPingresp: () => events.push(['pingresp']),
      onOther: (type, _flags, body) => events.push(['other', type, body.length]),
    });
    return { decoder, events };
  }

  it('decodes coalesced packets in one chunk', () => {
    const { decoder, events } = decoderWithLog();
    decoder.push(stream);
    expect(events).toEqual(expected);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('decodes byte-by-byte input', () => {
    const { decoder, events } = decoderWithLog();
    for (let i = 0; i < stream.length; i++) decoder.push(stream.subarray(i, i + 1));
    expect(events).toEqual(expected);
  });

  it('decodes every two-way split', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const { decoder, events } = decoderWithLog();
      decoder.push(stream.subarray(0, cut));
      decoder.push(stream.subarray(cut));
      expect(events, `cut at ${cut}`).toEqual(expected);
      expect(decoder.bufferedBytes).toBe(0);
    }
  });

  it('keeps a partial packet until the rest arrives', () => {
    const { decoder, events } = decoderWithLog();
    decoder.push(Buffer.from([0x40, 0x02, 0x01]));
    expect(events).toEqual([]);
    expect(decoder.bufferedBytes).toBe(3);
    decoder.push(Buffer.from([0x02, 0xd0]));
    expect(events).toEqual([['puback', 0x0102]]);
    decoder.push(Buffer.from([0x00]));
    expect(events).toEqual([['puback', 0x0102], ['pingresp']]);
  });

  it('throws on a remaining length longer than four bytes', () => {
    const { decoder } = decoderWithLog();
    expect(() => decoder.push(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/remaining length/);
  });
});
