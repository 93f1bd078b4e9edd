/**
 * End to end in local mode: the gateway process as `npm start` runs it (embedded Kinesis, delivery runner with the
 * real transform, embedded S3) with a short S3 buffering hint (1 s; the runner polls every 1 s and buffers 1 s for
 * the transform). 10 MQTT devices publish QoS 1 readings at a steady rate, each carrying its index; a poller LISTs
 * the bucket every 100 ms and reads each new object once. Beside it, the baseline: publish → PUBACK (in Kinesis).
 */
import type { MqttClient } from 'mqtt';
import { closeAll, connectDevice } from '../../stack/harness/mqtt-client.js';
import { getObjectText, listObjects } from '../../stack/harness/s3-reader.js';
import { createS3Client, LOCAL_S3_CREDENTIALS } from '../../stack/s3-server.js';
import type { Drive } from '../lib/gateway-run.js';
import { defineScenario } from './declare.js';
import { gatewayLeg } from './legs.js';
import type { ScenarioContext } from './types.js';

const BUCKET = 'telemetry-archive';
const DEVICES = 10;
const RATE_PER_SEC = 50;
const S3_BUFFER_INTERVAL_S = 1;
const POLL_MS = 100;

function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface E2eResult {
  /** publish → the object holding the reading listed in S3, and publish → PUBACK, ms per reading. */
  visibleMs: number[];
  ackMs: number[];
  objects: number;
}

/** `readings` QoS 1 publishes at RATE_PER_SEC over DEVICES real MQTT clients, while a poller reads every new object. */
function publishAndWatchS3(readings: number): Drive<E2eResult> {
  return async (gateway, window) => {
    if (gateway.s3Endpoint === undefined) throw new Error('the gateway did not report its embedded S3 endpoint (delivery runner not started?)');
    const s3 = createS3Client({ endpoint: gateway.s3Endpoint, credentials: LOCAL_S3_CREDENTIALS, region: 'us-east-1' });
    let clients: MqttClient[] = [];
    let polling = true;
    let poller: Promise<void> | undefined;
    const publishedAt = new Array<number | undefined>(readings);
    const ackMs: number[] = [];
    const visibleMs: number[] = [];
    const keys = new Set<string>();
    try {
      poller = (async () => {
        while (polling) {
          const listedAt = Date.now();
          for (const { key } of await listObjects(s3, BUCKET)) {
            if (keys.has(key) || key.startsWith('processing-failed/')) continue;
            keys.add(key);
            for (const line of (await getObjectText(s3, BUCKET, key)).split('\n')) {
              if (line === '') continue;
              const n = (JSON.parse(line) as { reading?: { n?: number } }).reading?.n;
              const at = n === undefined ? undefined : publishedAt[n];
              if (n === undefined || at === undefined) continue;
              publishedAt[n] = undefined; // count each reading once (delivery is at least once)
              visibleMs.push(listedAt - at);
            }
          }
          if (visibleMs.length >= readings) break;
          await sleep(POLL_MS);
        }
      })();
      const ids = Array.from({ length: DEVICES }, (_, i) => `sim-env-sensor-e2e-${String(i).padStart(4, '0')}`);
      clients = await Promise.all(ids.map((id) => connectDevice(gateway.mqttPort, id)));
      window.start();
      const started = Date.now();
      const acks: Array<Promise<void>> = [];
      for (let n = 0; n < readings; n++) {
        const wait = started + (n * 1000) / RATE_PER_SEC - Date.now();
        if (wait > 0) await sleep(wait);
        const i = n % DEVICES;
        const at = Date.now();
        publishedAt[n] = at;
        const payload = JSON.stringify({ temperature: 20 + (n % 50) / 10, humidity: 40 + (n % 30), battery: 3.7, n });
        acks.push((clients[i] as MqttClient).publishAsync(`devices/${ids[i]}/telemetry`, payload, { qos: 1 }).then(() => void ackMs.push(Date.now() - at)));
      }
      await Promise.all(acks);
      const deadline = Date.now() + 30_000;
      while (visibleMs.length < readings && Date.now() < deadline && gateway.exitStatus() === undefined) await sleep(POLL_MS);
      window.end();
      polling = false;
      await poller;
      if (visibleMs.length < readings) throw new Error(`${readings - visibleMs.length} of ${readings} readings never appeared in S3 within 30 s`);
      return { visibleMs, ackMs, objects: keys.size };
    } finally {
      polling = false;
      await poller?.catch(() => undefined);
      await closeAll(clients);
      s3.destroy();
    }
  };
}

export const e2eS3 = defineScenario({
  name: 'e2e-s3',
  describe: `local mode (embedded Kinesis + transform + S3, S3 buffer ${S3_BUFFER_INTERVAL_S} s): MQTT publish → object visible in S3, p50/p99, ${DEVICES} devices at ${RATE_PER_SEC} readings/s`,
  defaultRuns: 3,
  legs: (ctx: ScenarioContext) => ({
    local: gatewayLeg('local mode', {
      delivery: true,
      args: ['--delivery-buffer-interval-s', String(S3_BUFFER_INTERVAL_S)],
      drive: publishAndWatchS3(ctx.quick ? 150 : 1000),
      stopGraceMs: 10_000,
      summary: (load) => `S3 p50 ${percentile(load.visibleMs, 50)} ms, p99 ${percentile(load.visibleMs, 99)} ms`,
    }),
  }),
  figures: {
    publishToS3P50Ms: { label: 'publish → S3 object p50', unit: 'ms', better: 'lower', value: (m) => percentile(m.local.load.visibleMs, 50) },
    publishToS3P99Ms: { label: 'publish → S3 object p99', unit: 'ms', better: 'lower', value: (m) => percentile(m.local.load.visibleMs, 99) },
    publishToAckP50Ms: { label: 'baseline: publish → PUBACK p50', unit: 'ms', better: 'lower', value: (m) => percentile(m.local.load.ackMs, 50) },
    publishToAckP99Ms: { label: 'baseline: publish → PUBACK p99', unit: 'ms', better: 'lower', value: (m) => percentile(m.local.load.ackMs, 99) },
    objects: { label: 'S3 objects written', unit: 'objects', better: 'info', value: (m) => m.local.load.objects },
  },
});
