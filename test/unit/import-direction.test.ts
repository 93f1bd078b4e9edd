import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Imports run one way, like the data (README, "What is where"):
 *
 *   common/            the shared building blocks: imports no other room
 *   gateway/           imports common/
 *   transforms/        imports common/; transforms/lambda/ imports nothing outside itself but
 *                      the device catalog (the Lambda zip bundles it alone)
 *   device-sim/        imports common/
 *   stack/             the composition root of the local stack: may import every product room; only bench/ and
 *                      test/ import it
 *   bench/             may import the product rooms and stack/, never test/
 *   test/              may import everything
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOMS = ['common', 'gateway', 'transforms', 'device-sim', 'stack', 'bench', 'test'] as const;
type Room = (typeof ROOMS)[number];

const ALLOWED: Record<Room, readonly Room[]> = {
  common: [],
  gateway: ['common'],
  transforms: ['common'],
  'device-sim': ['common'],
  stack: ['common', 'gateway', 'transforms', 'device-sim'],
  bench: ['common', 'gateway', 'transforms', 'device-sim', 'stack'],
  test: ['common', 'gateway', 'transforms', 'device-sim', 'stack', 'bench'],
};

/** Sub-rooms that may import nothing outside themselves but the data files named beside them. */
const SEALED: Record<string, readonly string[]> = {
  // The device catalog is the transform's data; it sits at transforms/ because the simulator reads it too.
  'transforms/lambda/': ['transforms/catalog.json'],
};

export interface ImportEdge {
  /** Repository-relative, `/`-separated. */
  from: string;
  to: string;
}

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

/** Relative import edges of one source file. */
export function importEdges(file: string, source: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const m of source.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec === undefined || !spec.startsWith('.')) continue;
    edges.push({ from: file, to: posix.normalize(posix.join(posix.dirname(file), spec)) });
  }
  return edges;
}

function roomOf(path: string): Room | undefined {
  const top = path.split('/')[0];
  return (ROOMS as readonly string[]).includes(top ?? '') ? (top as Room) : undefined;
}

/** The edges that break the rules above, as `from → to` lines. */
export function violations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    const a = roomOf(from);
    const b = roomOf(to);
    if (a === undefined || b === undefined) continue;
    const sealed = Object.keys(SEALED).find((prefix) => from.startsWith(prefix));
    if (sealed !== undefined && !to.startsWith(sealed) && !(SEALED[sealed] ?? []).includes(to)) out.push(`${from} → ${to} (${sealed} is bundled alone)`);
    else if (a !== b && !ALLOWED[a].includes(b)) out.push(`${from} → ${to} (${a}/ may not import ${b}/)`);
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|mjs)$/.test(entry.name)) out.push(path);
  }
  return out;
}

describe('import direction', () => {
  it('flags an edge against the flow, a sealed room importing out, and passes allowed edges', () => {
    const src = [
      "import { a } from '../../transforms/delivery/index.js';",
      "import type { B } from '../../common/errors.js';",
      "export { c } from './local.js';",
      "const d = await import('../../stack/main.js');",
    ].join('\n');
    const edges = importEdges('gateway/src/x.ts', src);
    expect(edges.map((e) => e.to)).toEqual(['transforms/delivery/index.js', 'common/errors.js', 'gateway/src/local.js', 'stack/main.js']);
    expect(violations(edges)).toEqual([
      'gateway/src/x.ts → transforms/delivery/index.js (gateway/ may not import transforms/)',
      'gateway/src/x.ts → stack/main.js (gateway/ may not import stack/)',
    ]);
    expect(violations(importEdges('transforms/lambda/a.ts', "import { x } from '../../common/deque.js';"))).toHaveLength(1);
    expect(violations(importEdges('bench/a.ts', "import { x } from '../test/support/tmp.js';"))).toHaveLength(1);
    expect(violations(importEdges('stack/a.ts', "import { x } from '../gateway/src/gateway.js';"))).toEqual([]);
  });

  it('holds for every source file in the repository', () => {
    const edges = ROOMS.flatMap((room) =>
      sourceFiles(join(ROOT, room)).flatMap((path) => importEdges(relative(ROOT, path).split(sep).join('/'), readFileSync(path, 'utf8'))),
    );
    // The scan sees the tree: every room but stack/ is imported across rooms somewhere.
    expect(edges.some((e) => e.from.startsWith('gateway/') && e.to.startsWith('common/'))).toBe(true);
    expect(violations(edges)).toEqual([]);
  });
});
