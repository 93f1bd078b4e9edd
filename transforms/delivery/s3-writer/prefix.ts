/**
 * Firehose S3 prefixes: parsing, the rules of the Firehose Developer Guide page "Understand custom prefixes for
 * Amazon S3 objects" (summarised in common/aws/README.md §6.3), and evaluation.
 *
 * Supported expressions: `!{timestamp:<pattern>}` (a DateTimeFormatter subset, see {@link compileTimestampPattern}),
 * `!{firehose:random-string}`, `!{firehose:error-output-type}` and `!{partitionKeyFromLambda:<key>}`.
 * `!{partitionKeyFromQuery:…}` needs Firehose's JQ engine and is refused with a clear message.
 *
 * Decisions on the points AWS leaves open (also in the runner's README.md, "Decisions on unverified points"):
 * - Append rule: a prefix with no `!{timestamp:…}` gets `!{timestamp:yyyy/MM/dd/HH/}` appended, with no `/`
 *   inserted (`legacy` → `legacy2026/07/13/14/`, observed on AWS, common/aws/README.md §6.2), EXCEPT when it uses
 *   `!{partitionKeyFromLambda:…}`: with dynamic partitioning the keys define the layout, and AWS's own examples
 *   of partitioned prefixes show no appended date. `!{firehose:random-string}` alone does not stop the append.
 * - The same append rule applies to the error output prefix, so the console default `!{firehose:error-output-type}/`
 *   yields `processing-failed/2026/11/26/10/…`, the layout observed on AWS.
 * - Random strings are 11 characters of `[a-z0-9]`.
 */
import { randomInt } from 'node:crypto';
import { DeliveryError } from '../errors.js';
import { MAX_EVALUATED_PREFIX_CHARS, RANDOM_STRING_CHARS } from '../limits.js';

/** Which setting a template is: their rules differ. */
export type PrefixKind = 'prefix' | 'errorOutputPrefix';

/** The `!{timestamp:…}` appended by the append rule, and the default prefix. */
export const DEFAULT_TIMESTAMP_EXPRESSION = '!{timestamp:yyyy/MM/dd/HH/}';
/** The runner's default error output prefix; evaluates to `processing-failed/2026/11/26/10/`. */
export const DEFAULT_ERROR_OUTPUT_PREFIX = '!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH/}';

/** Values of `!{firehose:error-output-type}`; the runner only produces `processing-failed`. */
export type ErrorOutputType = 'processing-failed';

type TimestampField = 'yyyy' | 'MM' | 'dd' | 'HH' | 'mm' | 'ss';
type TimestampToken = { kind: 'literal'; text: string } | { kind: 'field'; field: TimestampField };

export type PrefixPart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'timestamp'; readonly tokens: readonly TimestampToken[] }
  | { readonly kind: 'randomString' }
  | { readonly kind: 'errorOutputType' }
  | { readonly kind: 'partitionKeyFromLambda'; readonly key: string };

export interface PrefixContext {
  /** Epoch ms: the approximate arrival time of the oldest record in the object. */
  timestamp: number;
  /** The object's `metadata.partitionKeys` from the transform. */
  partitionKeys?: Readonly<Record<string, string>> | undefined;
  errorOutputType?: ErrorOutputType | undefined;
  /** Source of `!{firehose:random-string}`; default 11 random `[a-z0-9]` characters. */
  randomString?: (() => string) | undefined;
}

export interface CompiledPrefix {
  /** The template after the append rule, e.g. `legacy!{timestamp:yyyy/MM/dd/HH/}`. */
  readonly template: string;
  readonly parts: readonly PrefixPart[];
  /** Distinct `partitionKeyFromLambda` keys, in order of first use. Empty: no dynamic partitioning. */
  readonly partitionKeys: readonly string[];
  /** Evaluates the prefix; all timestamp expressions use the same instant. */
  evaluate(context: PrefixContext): string;
}

const FIELD_WIDTH: Record<TimestampField, number> = { yyyy: 4, MM: 2, dd: 2, HH: 2, mm: 2, ss: 2 };
const RANDOM_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function prefixError(kind: PrefixKind, template: string, message: string): DeliveryError {
  return new DeliveryError('TG_ERR_DELIVERY_PREFIX', `${kind} "${template}": ${message}`, { detail: { setting: kind } });
}

/**
 * Compiles a Java DateTimeFormatter pattern restricted to `yyyy MM dd HH mm ss`, text in `'…'` (with `''` for a
 * quote) and non-letters as literals. Any other letter is reserved by DateTimeFormatter, so it is refused rather
 * than passed through as text that AWS would format differently.
 */
export function compileTimestampPattern(pattern: string): TimestampToken[] {
  const tokens: TimestampToken[] = [];
  const literal = (text: string): void => {
    const last = tokens[tokens.length - 1];
    if (last?.kind === 'literal') last.text += text;
    else tokens.push({ kind: 'literal', text });
  };
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === "'") {
      if (pattern[i + 1] === "'") {
        literal("'");
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw new Error(`unterminated quote in timestamp pattern "${pattern}"`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      literal(text);
      i = j + 1;
    } else if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (pattern[j] === ch) j++;
      const run = pattern.slice(i, j);
      if (!(run in FIELD_WIDTH)) {
        throw new Error(
          `unsupported pattern "${run}" in timestamp pattern "${pattern}" (supported: yyyy, MM, dd, HH, mm, ss, '…')`,
        );
      }
      tokens.push({ kind: 'field', field: run as TimestampField });
      i = j;
    } else {
      literal(ch);
      i++;
    }
  }
  return tokens;
}

/** Formats `epochMs` in UTC (Firehose's default zone, the only one the runner supports) with compiled tokens. */
export function formatTimestamp(tokens: readonly TimestampToken[], epochMs: number): string {
  const d = new Date(epochMs);
  let out = '';
  for (const t of tokens) {
    if (t.kind === 'literal') {
      out += t.text;
      continue;
    }
    let n: number;
    switch (t.field) {
      case 'yyyy': n = d.getUTCFullYear(); break;
      case 'MM': n = d.getUTCMonth() + 1; break;
      case 'dd': n = d.getUTCDate(); break;
      case 'HH': n = d.getUTCHours(); break;
      case 'mm': n = d.getUTCMinutes(); break;
      case 'ss': n = d.getUTCSeconds(); break;
    }
    out += String(n).padStart(FIELD_WIDTH[t.field], '0');
  }
  return out;
}

/** 11 characters of `[a-z0-9]` from the CSPRNG. */
export function randomString(): string {
  let s = '';
  for (let i = 0; i < RANDOM_STRING_CHARS; i++) s += RANDOM_ALPHABET[randomInt(RANDOM_ALPHABET.length)];
  return s;
}

function parseExpression(kind: PrefixKind, template: string, body: string): PrefixPart {
  const colon = body.indexOf(':');
  const namespace = colon < 0 ? body : body.slice(0, colon);
  const arg = colon < 0 ? '' : body.slice(colon + 1);
  switch (namespace) {
    case 'timestamp':
      try {
        return { kind: 'timestamp', tokens: compileTimestampPattern(arg) };
      } catch (err) {
        throw prefixError(kind, template, (err as Error).message);
      }
    case 'firehose':
      if (arg === 'random-string') return { kind: 'randomString' };
      if (arg === 'error-output-type') {
        if (kind !== 'errorOutputPrefix') {
          throw prefixError(kind, template, '!{firehose:error-output-type} is allowed only in the error output prefix');
        }
        return { kind: 'errorOutputType' };
      }
      throw prefixError(kind, template, `unknown expression !{firehose:${arg}} (random-string, error-output-type)`);
    case 'partitionKeyFromLambda':
      if (kind !== 'prefix') {
        throw prefixError(kind, template, 'partitionKeyFrom* expressions are not allowed in the error output prefix');
      }
      if (arg === '') throw prefixError(kind, template, '!{partitionKeyFromLambda:} needs a key name');
      return { kind: 'partitionKeyFromLambda', key: arg };
    case 'partitionKeyFromQuery':
      throw prefixError(
        kind,
        template,
        '!{partitionKeyFromQuery:…} needs Firehose JQ metadata extraction, which the runner does not have; ' +
          'return the key from the transform and use !{partitionKeyFromLambda:…}',
      );
    default:
      throw prefixError(kind, template, `unknown expression namespace "!{${namespace}"`);
  }
}

function parseTemplate(kind: PrefixKind, template: string): PrefixPart[] {
  const parts: PrefixPart[] = [];
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf('!{', i);
    if (start < 0) {
      parts.push({ kind: 'literal', text: template.slice(i) });
      break;
    }
    if (start > i) parts.push({ kind: 'literal', text: template.slice(i, start) });
    const end = template.indexOf('}', start + 2);
    // `!{` may appear only inside an expression, so an unterminated one is an error, not text.
    if (end < 0) throw prefixError(kind, template, `"!{" at ${start} has no closing "}"`);
    parts.push(parseExpression(kind, template, template.slice(start + 2, end)));
    i = end + 1;
  }
  return parts;
}

/**
 * Parses a prefix, applies Firehose's prefix rules and the append rule (see the module comment), and returns its
 * evaluator. Throws `TG_ERR_DELIVERY_PREFIX` for a rule violation.
 */
export function compilePrefix(template: string | undefined, kind: PrefixKind): CompiledPrefix {
  let source = template ?? (kind === 'prefix' ? '' : DEFAULT_ERROR_OUTPUT_PREFIX);
  let parts = parseTemplate(kind, source);
  const has = (k: PrefixPart['kind']): boolean => parts.some((p) => p.kind === k);
  if (kind === 'errorOutputPrefix' && !has('errorOutputType')) {
    throw prefixError(kind, source, 'must contain !{firehose:error-output-type}');
  }
  if (!has('timestamp') && !has('partitionKeyFromLambda')) {
    source += DEFAULT_TIMESTAMP_EXPRESSION;
    parts = parseTemplate(kind, source);
  }
  const staticChars = parts.reduce((n, p) => n + (p.kind === 'literal' ? p.text.length : 0), 0);
  if (staticChars > MAX_EVALUATED_PREFIX_CHARS) {
    throw prefixError(kind, source, `its literal text alone exceeds ${MAX_EVALUATED_PREFIX_CHARS} characters`);
  }
  const partitionKeys = [...new Set(parts.flatMap((p) => (p.kind === 'partitionKeyFromLambda' ? [p.key] : [])))];
  return {
    template: source,
    parts,
    partitionKeys,
    evaluate(context) {
      let out = '';
      for (const p of parts) {
        switch (p.kind) {
          case 'literal': out += p.text; break;
          case 'timestamp': out += formatTimestamp(p.tokens, context.timestamp); break;
          case 'randomString': out += (context.randomString ?? randomString)(); break;
          case 'errorOutputType': out += context.errorOutputType ?? 'processing-failed'; break;
          case 'partitionKeyFromLambda': {
            const value = context.partitionKeys?.[p.key];
            if (value === undefined) throw new Error(`partition key "${p.key}" is missing`);
            out += value;
            break;
          }
        }
      }
      return out;
    },
  };
}
