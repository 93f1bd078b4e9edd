/**
 * Where a `.cpuprofile` (node --cpu-prof, or `npm run bench -- --profile-gateway DIR`) spent its time: self time
 * by function and by module (node_modules package, project file, or Node internals), largest first.
 *
 *   npx tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** "aedes", "tidegate: gateway/src/bridge/…", "node: internal/…", or "(program)" / "(garbage collector)". */
function moduleOf(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm !== null) return nm[1] as string;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const dist = /dist\/(.+)$/.exec(url);
  return `tidegate: ${dist?.[1] ?? url}`;
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string' } }, allowPositionals: true });
  const file = positionals[0];
  if (file === undefined) {
    process.stderr.write('Usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top 25]\n');
    process.exit(2);
  }
  const top = Number(values.top ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (node === undefined) return;
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName === '' ? '(anonymous)' : functionName;
    const short = url === '' ? '' : ` ${url.replace(/^.*node_modules\//, '').replace(/^.*dist\//, '').replace(/^file:\/\//, '')}:${lineNumber + 1}`;
    byFunction.set(`${name}${short}`, (byFunction.get(`${name}${short}`) ?? 0) + dt);
    const mod = moduleOf(url, name);
    byModule.set(mod, (byModule.get(mod) ?? 0) + dt);
  });
  const print = (title: string, m: Map<string, number>): void => {
    process.stdout.write(`\n## ${title} (self time, ${(total / 1e6).toFixed(1)} s sampled)\n\n`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
    }
  };
  print('By module', byModule);
  print('By function', byFunction);
}

main();
