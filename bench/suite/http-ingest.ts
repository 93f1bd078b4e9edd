/**
 * HTTP ingest with autocannon: `POST /v1/devices/{id}/telemetry`, body a JSON array of readings, answered
 * `202 Accepted` once Kinesis accepted them (the issue-9 contract; local mode needs no authentication). 50
 * connections rotate over 1,000 device ids; the gateway (pinned child process) writes into a 64-shard stub.
 * Any share of non-2xx answers above 1% makes the run an error, never a number.
 */
import autocannon from 'autocannon';
import type { Drive } from '../lib/gateway-run.js';
import { defineScenario } from './declare.js';
import { gatewayCpu, gatewayLeg } from './legs.js';
import type { ScenarioContext } from './types.js';

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

/** autocannon for `durationS`, rotating the device id per request; throws on too many failed answers. */
function postReadings(durationS: number): Drive<autocannon.Result> {
  return async (gateway, window) => {
    let next = 0;
    window.start();
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
    window.end();
    const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
    const failed = answered - result['2xx'] + result.errors;
    if (result['2xx'] === 0 || failed > (answered + result.errors) * MAX_FAILED_SHARE) {
      throw new Error(
        `${failed} of ${answered + result.errors} requests failed (${statusBreakdown(result) || 'no answers'}; ${result.errors} connection errors, ` +
          `${result.timeouts} timeouts): not a valid measurement${result['4xx'] > 0 && result['2xx'] === 0 ? ' — does this build have the HTTP ingest route?' : ''}`,
      );
    }
    return result;
  };
}

const requestsPerSec = (r: autocannon.Result): number => r['2xx'] / r.duration;

export const httpIngest = defineScenario({
  name: 'http-ingest',
  describe: `autocannon: POST /v1/devices/{id}/telemetry, ${READINGS_PER_REQUEST} readings per request, ${CONNECTIONS} connections over ${DEVICES} device ids, into a ${SHARDS}-shard stub; 202 = in Kinesis`,
  defaultRuns: 3,
  legs: (ctx: ScenarioContext) => ({
    gateway: gatewayLeg('gateway', {
      shards: SHARDS,
      drive: postReadings(ctx.quick ? 3 : 10),
      summary: (load) => `${Math.round(requestsPerSec(load))} req/s, p99 ${load.latency.p99} ms`,
    }),
  }),
  figures: {
    requestsPerSec: { label: 'accepted requests/s (2xx)', unit: 'req/s', better: 'higher', value: (m) => requestsPerSec(m.gateway.load) },
    readingsPerSec: { label: 'accepted readings/s', unit: 'readings/s', better: 'higher', chart: 'subject', value: (m) => requestsPerSec(m.gateway.load) * READINGS_PER_REQUEST },
    latencyP50Ms: { label: 'request latency p50', unit: 'ms', better: 'lower', value: (m) => m.gateway.load.latency.p50 },
    latencyP99Ms: { label: 'request latency p99', unit: 'ms', better: 'lower', value: (m) => m.gateway.load.latency.p99 },
    gatewayCpuPercent: gatewayCpu('gateway'),
    generatorCpuPercent: { label: 'autocannon + stub CPU', unit: '% of a core', better: 'info', value: (m) => m.gateway.benchCpuPercent },
    non2xx: { label: 'non-2xx answers', unit: 'responses', better: 'lower', value: (m) => m.gateway.load.non2xx },
  },
  notes: ({ gateway: { load } }) => (load.non2xx > 0 ? [`${load.non2xx} non-2xx answers: ${statusBreakdown(load)}`] : []),
});
