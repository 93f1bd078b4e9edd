/** Hand-built MQTT 3.1.1 frames for tests that talk to the broker over raw sockets. */

function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

export function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

export function frame(header: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([header]), remainingLength(body.length), body]);
}

export function connectFrame(clientId: string, options: { username?: string; password?: string; keepalive?: number } = {}): Buffer {
  let flags = 0x02; // clean session
  if (options.username !== undefined) flags |= 0x80;
  if (options.password !== undefined) flags |= 0x40;
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(options.keepalive ?? 60);
  const parts = [str('MQTT'), Buffer.from([4, flags]), keepalive, str(clientId)];
  if (options.username !== undefined) parts.push(str(options.username));
  if (options.password !== undefined) parts.push(str(options.password));
  return frame(0x10, Buffer.concat(parts));
}

export function publishFrame(topic: string | Buffer, payload: Buffer | string, qos: 0 | 1 = 0, messageId = 1): Buffer {
  const id = Buffer.alloc(qos > 0 ? 2 : 0);
  if (qos > 0) id.writeUInt16BE(messageId);
  return frame(0x30 | (qos << 1), Buffer.concat([str(topic), id, Buffer.from(payload)]));
}

export function subscribeFrame(topic: string, messageId = 1): Buffer {
  const id = Buffer.alloc(2);
  id.writeUInt16BE(messageId);
  return frame(0x82, Buffer.concat([id, str(topic), Buffer.from([0])]));
}
