/**
 * HTTP ingest with autocannon: `POST /v1/devices/{id}/telemetry`, body a JSON array of readings, answered
 * `202 Accepted` once Kinesis accepted them (the issue-9 contract; local mode needs no authentication). 50
 * connections rotate over 1,000 device ids; the gateway (pinned child process) writes into a 64-shard stub.
 * Any share of non-2xx answers above 1% makes the run an error, never a number.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { startGatewayProcess } from '../lib/gateway-process.js';
import { CpuWindow, waitForQuiet } from '../lib/proc.js';
import { startStub } from '../lib/stub.js';
import type { Scenario } from './types.js';

const DEVICES = 1000;
const SHARDS = 64;
const CONNECTIONS = 50;
const READINGS_PER_REQUEST = 10;
const MAX_FAILED_SHARE = 0.01;

function body(): string {
  const readings = Array.from({ length: READINGS_PER_REQUEST }, (_, i) => ({ temperature: 20 + i / 10, humidity: 41, battery: 3.7, fw: 'fw-2.4.1' }));
  return JSON.stringify(readings);
}

/** "404 ×1234, 503 ×2" from autocannon's per-status counters. */
function statusBreakdown(result: autocannon.Result): string {
  return Object.entries(result.statusCodeStats ?? {})
    .map(([code, s]) => `${code} ×${s.count ?? 0}`)
    .join(', ');
}

export const httpIngest: Scenario = {
  name: 'http-ingest',
  describe: `autocannon: POST /v1/devices/{id}/telemetry, ${READINGS_PER_REQUEST} readings per request, ${CONNECTIONS} connections over ${DEVICES} device ids, into a ${SHARDS}-shard stub; 202 = in Kinesis`,
  figures: {
    requestsPerSec: { label: 'accepted requests/s (2xx)', unit: 'req/s', better: 'higher' },
    readingsPerSec: { label: 'accepted readings/s', unit: 'readings/s', better: 'higher', chart: 'subject' },
    latencyP50Ms: { label: 'request latency p50', unit: 'ms', better: 'lower' },
    latencyP99Ms: { label: 'request latency p99', unit: 'ms', better: 'lower' },
    gatewayCpuPercent: { label: 'gateway CPU', unit: '% of a core', better: 'info' },
    generatorCpuPercent: { label: 'autocannon + stub CPU', unit: '% of a core', better: 'info' },
    non2xx: { label: 'non-2xx answers', unit: 'responses', better: 'lower' },
  },
  defaultRuns: 3,
  async run(ctx) {
    await waitForQuiet();
    const stub = await startStub({ shards: SHARDS, retain: false });
    const gateway = await startGatewayProcess({ kinesisEndpoint: stub.url, cpu: ctx.subjectCpu, args: ['--shards', String(SHARDS)] }).catch(async (err: unknown) => {
      await stub.close();
      throw err;
    });
    try {
      let next = 0;
      const cpu = new CpuWindow(gateway.pid);
      const durationS = ctx.quick ? 3 : 10;
      cpu.start();
      const cpuAt = process.cpuUsage();
      const wallAt = performance.now();
      const result = await autocannon({
        url: `http://127.0.0.1:${gateway.httpPort}`,
        connections: CONNECTIONS,
        duration: durationS,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(),
        requests: [
          {
            setupRequest: (request) => {
              request.path = `/v1/devices/http-${next++ % DEVICES}/telemetry`;
              return request;
            },
          },
        ],
      });
      cpu.stop();
      const used = process.cpuUsage(cpuAt);
      const generatorCpuPercent = ((used.user + used.system) / 1000 / (performance.now() - wallAt)) * 100;
      const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
      const failed = answered - result['2xx'] + result.errors;
      if (result['2xx'] === 0 || failed > (answered + result.errors) * MAX_FAILED_SHARE) {
        throw new Error(
          `${failed} of ${answered + result.errors} requests failed (${statusBreakdown(result) || 'no answers'}; ${result.errors} connection errors, ` +
            `${result.timeouts} timeouts): not a valid measurement${result['4xx'] > 0 && result['2xx'] === 0 ? ' — does this build have the HTTP ingest route?' : ''}`,
        );
      }
      const ended = gateway.exitStatus();
      if (ended !== undefined) throw new Error(`gateway process ended during the run (${ended})`);
      const requestsPerSec = result['2xx'] / result.duration;
      ctx.log(`${Math.round(requestsPerSec)} req/s, p99 ${result.latency.p99} ms`);
      return {
        figures: {
          requestsPerSec,
          readingsPerSec: requestsPerSec * READINGS_PER_REQUEST,
          latencyP50Ms: result.latency.p50,
          latencyP99Ms: result.latency.p99,
          gatewayCpuPercent: cpu.percent,
          generatorCpuPercent,
          non2xx: result.non2xx,
        },
        notes: result.non2xx > 0 ? [`${result.non2xx} non-2xx answers: ${statusBreakdown(result)}`] : [],
      };
    } finally {
      await gateway.stop();
      await stub.close();
    }
  },
};
