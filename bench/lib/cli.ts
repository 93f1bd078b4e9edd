/**
 * Shared command-line handling: every benchmark takes --help, --quick, --out and --quiet-wait-s (how long to
 * wait before each run for the machine to be quiet, default 30; 0 disables).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configureQuietWait } from './proc.js';

export interface BenchArgs {
  quick: boolean;
  /** Also write the final JSON to this file (e.g. bench/results/producer.json). */
  out: string | undefined;
  /** Script-specific string options, by name. */
  values: Record<string, string | undefined>;
}

/**
 * Parses argv; on --help prints `usage` and exits 0. `extra` names further string options
 * (`--name value`), whose defaults the scripts apply themselves.
 */
export function parseBenchArgs(usage: string, extra: readonly string[] = []): BenchArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    help: { type: 'boolean' },
    quick: { type: 'boolean' },
    out: { type: 'string' },
    'quiet-wait-s': { type: 'string' },
  };
  for (const name of extra) options[name] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ options, allowPositionals: false });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
  if (parsed.values['help'] === true) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const values: Record<string, string | undefined> = {};
  for (const name of extra) {
    const v = parsed.values[name];
    values[name] = typeof v === 'string' ? v : undefined;
  }
  const quietWait = parsed.values['quiet-wait-s'];
  if (typeof quietWait === 'string') {
    const seconds = Number(quietWait);
    if (!(seconds >= 0)) {
      process.stderr.write(`--quiet-wait-s must be a number ≥ 0, got "${quietWait}"\n`);
      process.exit(2);
    }
    configureQuietWait(seconds * 1000);
  }
  const out = parsed.values['out'];
  return { quick: parsed.values['quick'] === true, out: typeof out === 'string' ? out : undefined, values };
}

/** A positive integer option, or `fallback` when absent. */
export function intOption(args: BenchArgs, name: string, fallback: number): number {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
}

/** Prints the machine-readable result as the last stdout line, and writes it to --out if given. */
export function emitJson(args: BenchArgs, result: unknown): void {
  const line = JSON.stringify(result);
  if (args.out !== undefined) writeFileSync(args.out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\n${line}\n`);
}
