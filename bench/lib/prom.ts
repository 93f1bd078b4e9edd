/** Scrapes the gateway's Prometheus endpoint and reads counters, per-label breakdowns and histograms. */
import { bucketDelta, quantile } from '../../gateway/src/ops/histogram.js';
import { get } from 'node:http';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (the subset prom-client writes). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const lm of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/** One scrape, with helpers. */
export class Metrics {
  constructor(
    readonly samples: readonly Sample[],
    /** performance.now() of the scrape. */
    readonly at: number,
  ) {}

  /** Sum of every series of `name` (all label values). */
  sum(name: string): number {
    let total = 0;
    for (const s of this.samples) if (s.name === name) total += s.value;
    return total;
  }

  /** Values of `name` keyed by the value of `label`. */
  byLabel(name: string, label: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.samples) {
      if (s.name !== name) continue;
      const key = s.labels[label] ?? '';
      out.set(key, (out.get(key) ?? 0) + s.value);
    }
    return out;
  }

  /** Cumulative histogram buckets of `name` summed over its other labels, as [upper bound, count], ascending. */
  buckets(name: string): Array<[number, number]> {
    const byBound = new Map<number, number>();
    for (const s of this.samples) {
      if (s.name !== `${name}_bucket`) continue;
      const le = s.labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels['le']);
      byBound.set(le, (byBound.get(le) ?? 0) + s.value);
    }
    return [...byBound].sort((a, b) => a[0] - b[0]);
  }
}

export async function scrape(httpPort: number, host = '127.0.0.1'): Promise<Metrics> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = get({ host, port: httpPort, path: '/metrics', timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(body);
        else reject(new Error(`GET /metrics: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('GET /metrics timed out')));
    req.on('error', reject);
  });
  return new Metrics(parsePrometheus(text), performance.now());
}

/**
 * Quantile from the difference of two cumulative histograms (after − before), interpolated linearly inside
 * the bucket as Prometheus' histogram_quantile does. Coarse: only as exact as the bucket bounds.
 */
export function histogramQuantile(before: Metrics | undefined, after: Metrics, name: string, q: number): number | undefined {
  return quantile(bucketDelta(before?.buckets(name), after.buckets(name)), q);
}
