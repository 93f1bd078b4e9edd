// Container health probe for the tidegate image (slim images have no curl): GET a URL with Node's fetch and exit 0
// on a 2xx answer, 1 otherwise.
//
//   node deploy/docker/healthcheck.mjs [path | URL] [metric]
//
// A path (default /healthz) is fetched from http://127.0.0.1:$TIDEGATE_HTTP_PORT (default 8080), the port the
// gateway and the delivery runner serve. With a metric name, the answer must also be Prometheus text in which that
// metric's samples add up to more than 0 (the simulator's probe: "devices are connected").
//
// With an HTTP token in the environment (TIDEGATE_HTTP_TOKEN, or the first line of TIDEGATE_HTTP_TOKEN_FILE, as the
// gateway reads them), the request carries `Authorization: Bearer <token>`: every endpoint but /healthz needs it.
import { readFileSync } from 'node:fs';

const [target = '/healthz', metric] = process.argv.slice(2);
const url = /^https?:\/\//.test(target) ? target : `http://127.0.0.1:${process.env.TIDEGATE_HTTP_PORT || '8080'}${target}`;

function token() {
  if (process.env.TIDEGATE_HTTP_TOKEN) return process.env.TIDEGATE_HTTP_TOKEN;
  if (!process.env.TIDEGATE_HTTP_TOKEN_FILE) return undefined;
  try {
    return readFileSync(process.env.TIDEGATE_HTTP_TOKEN_FILE, 'utf8').split(/\r?\n/, 1)[0].trim() || undefined;
  } catch (err) {
    process.stderr.write(`TIDEGATE_HTTP_TOKEN_FILE: cannot read (${err.code ?? err.message})\n`);
    process.exit(1);
  }
}

function sum(text, name) {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

try {
  const bearer = token();
  const headers = bearer === undefined ? {} : { authorization: `Bearer ${bearer}` };
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2500) });
  const body = await res.text();
  if (!res.ok) {
    process.stderr.write(`${url}: HTTP ${res.status} ${body.slice(0, 300)}\n`);
    process.exit(1);
  }
  if (metric !== undefined && !(sum(body, metric) > 0)) {
    process.stderr.write(`${url}: ${metric} is not above 0\n`);
    process.exit(1);
  }
  process.exit(0);
} catch (err) {
  process.stderr.write(`${url}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
