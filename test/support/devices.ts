import { join } from 'node:path';
import { runDevicesCli } from '../../gateway/src/auth/devices-cli.js';
import mqtt, { type IClientOptions } from 'mqtt';

/** Runs the devices CLI in-process; returns its exit code and output lines. */
export async function devicesCli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDevicesCli(args, {}, { out: (l) => out.push(...l.split('\n')), err: (l) => err.push(l) });
  return { code, out, err };
}

/** Adds a device to the registry of a gateway's data directory and returns its secret (the CLI's last line). */
export async function addDevice(dataDir: string, id: string): Promise<string> {
  const r = await devicesCli(['add', id, '--devices-file', join(dataDir, 'devices.json')]);
  if (r.code !== 0) throw new Error(`devices add ${id} failed: ${r.err.join('\n')}`);
  return r.out[r.out.length - 1] as string;
}

/**
 * Tries an MQTT.js connection and resolves with the CONNACK return code (0 = accepted) or `closed` when the
 * connection ended without one. The client is closed either way.
 */
export async function tryConnect(port: number, clientId: string, options: IClientOptions = {}): Promise<number | 'closed'> {
  const client = mqtt.connect({ host: '127.0.0.1', port, clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
  try {
    return await new Promise<number | 'closed'>((resolve) => {
      client.once('connect', () => resolve(0));
      client.once('error', (err) => {
        const code = (err as Error & { code?: unknown }).code;
        resolve(typeof code === 'number' ? code : 'closed');
      });
      client.once('close', () => resolve('closed'));
    });
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}

/** The /metrics lines of `name` (and its labels). */
export async function metricLines(httpPort: number, name: string, headers: Record<string, string> = {}): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`, { headers })).text();
  return text.split('\n').filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));
}

/** The value of one sample (`name{labels}`), 0 when absent. */
export async function metricValue(httpPort: number, sample: string, headers: Record<string, string> = {}): Promise<number> {
  const name = sample.split('{', 1)[0] as string;
  const line = (await metricLines(httpPort, name, headers)).find((l) => l.startsWith(sample + ' '));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}
