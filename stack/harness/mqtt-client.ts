/** Connects real MQTT.js clients (over TCP) to a broker on loopback: the device side of tests and benchmarks. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** Connects an MQTT.js client (a real client over TCP) and waits for CONNACK. */
export async function connectDevice(port: number, clientId: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error(`connection of ${clientId} closed before CONNACK`)));
  });
  client.removeAllListeners('error');
  client.on('error', () => undefined);
  return client;
}

export async function closeAll(clients: readonly MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
}

/** Resolves when the connection is closed by the other side (or rejects after `ms`). */
export function waitForClose(client: MqttClient, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected) return resolve();
    const t = setTimeout(() => reject(new Error('connection was not closed')), ms);
    client.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
