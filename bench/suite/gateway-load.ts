/**
 * Shared pieces of the MQTT scenarios: one gateway run (child process, pinned) against a fresh stub Kinesis
 * endpoint, what "delivered" means per QoS, and the checks that make a run invalid rather than slow.
 */
import { noiseNotes, runThroughGateway } from '../lib/gateway-run.js';
import type { GatewayRunOptions, GatewayRunResult } from '../lib/gateway-run.js';
import { startStub } from '../lib/stub.js';
import type { RawRunResult } from '../lib/raw-run.js';
import type { ScenarioContext } from './types.js';

export interface StubRunOptions extends Omit<GatewayRunOptions, 'kinesisEndpoint' | 'cpu'> {
  /** Shards of the stub's stream. */
  shards: number;
}

/** One run through the gateway into a fresh, unthrottled stub endpoint that does not keep records. */
export async function runAgainstStub(ctx: ScenarioContext, options: StubRunOptions): Promise<GatewayRunResult> {
  const { shards, ...run } = options;
  const stub = await startStub({ shards, retain: false });
  try {
    return await runThroughGateway({ ...run, kinesisEndpoint: stub.url, cpu: ctx.subjectCpu });
  } finally {
    await stub.close();
  }
}

/**
 * Readings that reached Kinesis per second. QoS 1: acknowledged/s (a PUBACK means Kinesis accepted it). QoS 0:
 * what the generator "sent" may still sit in socket buffers, so: forwarded total ÷ time until the gateway's
 * forwarded counter stopped rising.
 */
export function deliveredPerSec(qos: 0 | 1, r: GatewayRunResult): number {
  return qos === 0 ? (r.forwardedTotal * 1000) / Math.max(r.lastRiseMs, 1) : r.load.throughputPerSec;
}

/** Generator errors beyond this share of what it sent make a run invalid. */
const MAX_ERROR_SHARE = 0.001;

/** Throws when the run's numbers cannot be trusted (lost acknowledgements, a crashed gateway). */
export function assertValid(label: string, load: { sent: number; errors: number; lastError?: string }, crashed?: string): void {
  if (crashed !== undefined) throw new Error(`${label}: process ended during the run (${crashed})`);
  if (load.sent === 0) throw new Error(`${label}: the generator sent nothing${load.lastError === undefined ? '' : `: ${load.lastError}`}`);
  if (load.errors > Math.max(1, load.sent * MAX_ERROR_SHARE)) {
    throw new Error(`${label}: ${load.errors} generator errors for ${load.sent} sent; last: ${load.lastError ?? 'n/a'}`);
  }
}

/** Remarks for a gateway run: noise on the cores, stalls, warnings in its log. */
export function gatewayNotes(label: string, r: GatewayRunResult): string[] {
  const out = noiseNotes(label, r);
  if (r.load.errors > 0) out.push(`${label}: ${r.load.errors} generator errors (last: ${r.load.lastError ?? 'n/a'})`);
  if (r.longestStallMs >= 2000) out.push(`${label}: forwarding stalled ${Math.round(r.longestStallMs)} ms with readings buffered`);
  if (r.drainTimedOut) out.push(`${label}: readings still buffered when the drain wait ended`);
  const warn = (r.logs.byLevel['warn'] ?? 0) + (r.logs.byLevel['error'] ?? 0) + (r.logs.byLevel['fatal'] ?? 0);
  if (warn > 0) out.push(`${label}: ${warn} warn/error log lines, last: ${r.logs.notable.slice(-2).join(' | ')}`);
  return out;
}

export function rawNotes(label: string, r: RawRunResult): string[] {
  const out: string[] = [];
  if (!r.quiet.quiet) out.push(`${label}: machine busy before the run; ran anyway`);
  const other = r.coreBusyPercent === undefined || r.cpuPercent === undefined ? 0 : r.coreBusyPercent - r.cpuPercent;
  if (other > 15) out.push(`${label}: other load on the broker's core ${Math.round(other)}%`);
  return out;
}

export const mib = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : bytes / 2 ** 20);
