/**
 * The fleet plan: every device's id, type, credentials, source address and start slot, decided once in the main
 * thread so that worker threads only run what they are given and the split over workers changes nothing.
 */
import { isIPv4 } from 'node:net';
import { ruleForDevice, type Catalog } from './catalog.js';
import { SimError, usageError } from './errors.js';
import type { ResolvedFleetOptions } from './options.js';
import { createRng } from './prng.js';

export interface DevicePlan {
  /** Position in the fleet, 0-based. */
  index: number;
  /** `${idPrefix}${type}-${index within the type, 5 digits}`: matches the catalog's prefix rules. */
  id: string;
  type: string;
  /** Another device of the fleet (wrong-topic payloads go to its topic). */
  neighbourId: string;
  username?: string;
  password?: string;
  localAddress?: string;
  /** When to connect, ms after the fleet's start: the ramp slot plus jitter within it. */
  startOffsetMs: number;
  /** The catalog site's location, if its rule names one. */
  home?: { lat: number; lon: number };
}

export function deviceId(idPrefix: string, type: string, indexInType: number): string {
  return `${idPrefix}${type}-${String(indexInType).padStart(5, '0')}`;
}

/** The fleet's device ids in plan order: round-robin over the profile, numbered per type. */
export function planDeviceIds(o: Pick<ResolvedFleetOptions, 'devices' | 'profile' | 'idPrefix'>): string[] {
  const types = o.profile;
  return Array.from({ length: o.devices }, (_, i) => deviceId(o.idPrefix, types[i % types.length]!, Math.floor(i / types.length)));
}

export function planFleet(o: ResolvedFleetOptions, catalog: Catalog, secrets?: Readonly<Record<string, string>>): DevicePlan[] {
  const types = o.profile;
  const ids = planDeviceIds(o);
  const rampRng = createRng(o.seed, 'ramp');
  const slotMs = 1000 / o.rampPerSecond;
  const missing: string[] = [];
  const plans = ids.map((id, i): DevicePlan => {
    const plan: DevicePlan = {
      index: i,
      id,
      type: types[i % types.length]!,
      // A fleet of one has no neighbour; a made-up id is still someone else's topic.
      neighbourId: ids.length > 1 ? ids[(i + 1) % ids.length]! : `${id}-neighbour`,
      startOffsetMs: (i + rampRng.next()) * slotMs,
    };
    if (secrets !== undefined) {
      const secret = secrets[id] ?? o.password;
      if (secret === undefined) missing.push(id);
      plan.username = id;
      if (secret !== undefined) plan.password = secret;
    } else {
      if (o.username !== undefined) plan.username = o.username;
      if (o.password !== undefined) plan.password = o.password;
    }
    if (o.sourceIps.length > 0) plan.localAddress = o.sourceIps[i % o.sourceIps.length]!;
    const location = ruleForDevice(catalog, id)?.location;
    if (location !== undefined) plan.home = location;
    return plan;
  });
  if (missing.length > 0) {
    throw new SimError(
      'SIM_ERR_CREDENTIALS',
      `the secrets file has no secret for ${missing.length} device(s), e.g. ${missing.slice(0, 3).join(', ')} (and no --password to fall back on)`,
    );
  }
  return plans;
}

/** Splits the plan round-robin, so each worker's share spans the whole ramp and every type. */
export function splitPlan(plans: readonly DevicePlan[], workers: number): DevicePlan[][] {
  const shares: DevicePlan[][] = Array.from({ length: workers }, () => []);
  plans.forEach((p, i) => shares[i % workers]!.push(p));
  return shares;
}

/**
 * Parses `127.0.0.2-127.0.0.9`, `10.0.0.1,10.0.0.2` or a mix into addresses. Each loopback address has its own
 * ephemeral port range (~28k on Linux), so spreading sockets over several lifts the per-address limit.
 */
export function parseSourceIps(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [from, to] = part.split('-').map((s) => s.trim());
    if (from === undefined || !isIPv4(from) || (to !== undefined && !isIPv4(to))) {
      throw usageError(`--source-ips: ${part} is not an IPv4 address or range (e.g. 127.0.0.2-127.0.0.9)`);
    }
    if (to === undefined) {
      out.push(from);
      continue;
    }
    const a = ipv4ToNumber(from);
    const b = ipv4ToNumber(to);
    if (b < a || b - a > 65_535) throw usageError(`--source-ips: range ${part} is empty or larger than 65536 addresses`);
    for (let n = a; n <= b; n++) out.push(numberToIpv4(n));
  }
  if (out.length === 0) throw usageError('--source-ips names no address');
  return out;
}

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
