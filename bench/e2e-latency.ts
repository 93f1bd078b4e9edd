/**
 * End-to-end latency of local mode at the delivery runner's DEFAULT buffer hints: from an MQTT publish to the S3
 * object holding the reading being visible in a LIST.
 *
 * Everything runs in this process, as `npm start` runs it: the gateway in local mode (broker, bridge with KPL
 * aggregation, embedded Kinesis) via the test harness, the delivery runner with the real transform, and the
 * embedded S3 (s3rver). MQTT.js devices publish QoS 1 readings at a steady rate, each carrying its index; a poller
 * LISTs the bucket every 100 ms and GETs each new object once.
 *
 * Baseline beside the subject: publish → PUBACK, which the gateway sends once the reading is in Kinesis. The rest of
 * the end-to-end figure is delivery, and it is dominated by the buffer hints, not by CPU: expect roughly uniform
 * latencies between ~2 s and pollInterval + processor interval + S3 interval ≈ 1 + 1 + 10 s (+ up to a quarter
 * interval of timer granularity, the S3 PUT and the 100 ms poll).
 *
 * Run: npx tsx bench/e2e-latency.ts [--readings 1500] [--rate 50] [--devices 10] [--quick] [--out bench/results/e2e-latency.json]
 */
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { MqttClient } from 'mqtt';
import { createKinesisClient } from '../gateway/src/sinks/kinesis/client.js';
import { startTestGateway } from '../test/support/gateway.js';
import { closeAll, connectDevice } from '../test/support/mqtt.js';
import { getObjectText, startTestS3, TEST_BUCKET } from '../test/support/s3.js';
import { DEFAULT_DELIVERY_RUNNER_OPTIONS, startDeliveryRunner } from '../transforms/runner/index.js';
import { createTransform, loadCatalogFile } from '../transforms/src/handler.js';
import { emitJson, intOption, parseBenchArgs } from './lib/cli.js';
import { describeMachine, machineInfo } from './lib/machine.js';
import { printTable, round } from './lib/table.js';

const USAGE = `e2e-latency: MQTT publish → S3 object visible, at the runner's default buffer hints.
  --readings N   readings to publish (default 1500; --quick: 300)
  --rate R       readings per second, spread over the devices (default 50)
  --devices D    MQTT devices (default 10)
  --out FILE     also write the JSON result to FILE`;

const POLL_MS = 100;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

function summary(values: number[]): { count: number; min: number; p50: number; p90: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { count: s.length, min: s[0] ?? NaN, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(USAGE, ['readings', 'rate', 'devices']);
  const readings = intOption(args, 'readings', args.quick ? 300 : 1500);
  const rate = intOption(args, 'rate', 50);
  const deviceCount = intOption(args, 'devices', 10);
  const machine = machineInfo(false);
  process.stdout.write(`${describeMachine(machine)}\n`);
  const d = DEFAULT_DELIVERY_RUNNER_OPTIONS;
  process.stdout.write(
    `runner defaults: poll ${d.pollIntervalMs} ms, processor ${d.processorBufferSizeMB} MiB / ${d.processorBufferIntervalS} s, ` +
      `S3 ${d.bufferSizeMB} MiB / ${d.bufferIntervalS} s; ${readings} readings at ${rate}/s from ${deviceCount} devices (QoS 1)\n`,
  );

  const tg = await startTestGateway();
  const s3 = await startTestS3();
  const kinesis = createKinesisClient({ endpoint: tg.gateway.kinesisEndpoint as string, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  const runner = await startDeliveryRunner({
    kinesis,
    stream: tg.gateway.config.stream,
    s3: s3.client,
    bucket: TEST_BUCKET,
    transform: createTransform({ catalog: loadCatalogFile(new URL('../transforms/catalog.json', import.meta.url).pathname) }),
    checkpointPath: join(tg.dataDir, 'delivery', 'telemetry-to-s3.checkpoint.json'),
  });
  const ids = Array.from({ length: deviceCount }, (_, i) => `sim-env-sensor-bench-${String(i).padStart(4, '0')}`);
  let clients: MqttClient[] = [];

  const publishedAt = new Array<number>(readings);
  const ackMs: number[] = [];
  const visibleMs: number[] = [];
  const seen = new Set<number>();
  const keys = new Set<string>();
  let stopPolling = false;

  // The poller: LIST every 100 ms; a reading is visible from the LIST that first shows its object.
  const poller = (async () => {
    while (!stopPolling) {
      const listedAt = Date.now();
      let token: string | undefined;
      do {
        const page = await s3.client.send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, ...(token === undefined ? {} : { ContinuationToken: token }) }));
        for (const o of page.Contents ?? []) {
          const key = o.Key as string;
          if (keys.has(key) || key.startsWith('processing-failed/')) continue;
          keys.add(key);
          for (const line of (await getObjectText(s3.client, TEST_BUCKET, key)).split('\n')) {
            if (line === '') continue;
            const n = (JSON.parse(line) as { reading: { n: number } }).reading.n;
            if (seen.has(n) || publishedAt[n] === undefined) continue;
            seen.add(n);
            visibleMs.push(listedAt - (publishedAt[n] as number));
          }
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      if (seen.size >= readings) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  })();

  try {
    clients = await Promise.all(ids.map((id) => connectDevice(tg.gateway.mqttPort, id)));
    const started = Date.now();
    const acks: Promise<void>[] = [];
    for (let n = 0; n < readings; n++) {
      const due = started + (n * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const client = clients[n % clients.length] as MqttClient;
      const at = Date.now();
      publishedAt[n] = at;
      const payload = JSON.stringify({ temperature: 20 + (n % 50) / 10, humidity: 40 + (n % 30), battery: 3.7, n });
      acks.push(client.publishAsync(`devices/${ids[n % ids.length]}/telemetry`, payload, { qos: 1 }).then(() => void ackMs.push(Date.now() - at)));
    }
    await Promise.all(acks);
    const deadline = Date.now() + (d.pollIntervalMs + d.processorBufferIntervalS * 1000 + d.bufferIntervalS * 1000) * 3;
    while (seen.size < readings && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  } finally {
    stopPolling = true;
    await poller;
    await closeAll(clients);
    await runner.close();
    kinesis.destroy();
    await s3.stop();
    await tg.stop();
  }

  const e2e = summary(visibleMs);
  const ack = summary(ackMs);
  const stats = runner.stats();
  const ms = (v: number): number => round(v);
  printTable('latency, ms', ['path', 'count', 'min', 'p50', 'p90', 'p99', 'max'], [
    ['publish → PUBACK (in Kinesis; baseline)', ack.count, ms(ack.min), ms(ack.p50), ms(ack.p90), ms(ack.p99), ms(ack.max)],
    ['publish → S3 object visible', e2e.count, ms(e2e.min), ms(e2e.p50), ms(e2e.p90), ms(e2e.p99), ms(e2e.max)],
  ]);
  process.stdout.write(
    `\ndelivered ${seen.size}/${readings} readings in ${keys.size} objects; ${stats.invocations} transform invocations; ` +
      `${stats.kinesisRecordsRead} Kinesis records (KPL aggregates) read\n`,
  );
  if (seen.size < readings) process.stdout.write(`WARNING: ${readings - seen.size} readings were not seen in S3\n`);
  emitJson(args, {
    bench: 'e2e-latency',
    machine,
    config: { readings, rate, devices: deviceCount, runnerDefaults: d },
    publishToAckMs: ack,
    publishToS3VisibleMs: e2e,
    objects: keys.size,
    delivered: seen.size,
  });
}

await main();
