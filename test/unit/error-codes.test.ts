import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, GatewayError, isTidegateError, TidegateError, type ErrorCode, type ErrorComponent } from '../../common/errors.js';
import { KplDecodeError } from '../../common/kpl/deaggregate.js';
import { SpoolError } from '../../common/spool/errors.js';
import { SimError } from '../../device-sim/errors.js';
import { DeliveryError } from '../../transforms/delivery/errors.js';
import { TRANSFORM_ERROR_CODES } from '../../transforms/lambda/errors.js';
import { README_PATH, readmeErrorCodesTable, renderErrorCodesTable } from '../support/error-codes-readme.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** The prefix each component's codes use, so a code's name tells an operator who raised it. */
const PREFIX: Record<ErrorComponent, RegExp> = {
  gateway: /^GW_ERR_[A-Z0-9_]+$/,
  delivery: /^TG_ERR_DELIVERY_[A-Z0-9_]+$/,
  transform: /^TG_ERR_(?!DELIVERY_)[A-Z0-9_]+$/,
  simulator: /^SIM_ERR_[A-Z0-9_]+$/,
  spool: /^SPOOL_[A-Z0-9_]+$/,
  kpl: /^KPL_[A-Z0-9_]+$/,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('the error-code table', () => {
  it('names each code with its component\'s prefix and gives it a one-line description and action', () => {
    for (const code of CODES) {
      const e = ERROR_CODES[code];
      expect(code, code).toMatch(PREFIX[e.component]);
      for (const text of [e.description, e.action]) {
        expect(text.length, code).toBeGreaterThan(10);
        expect(text, code).not.toMatch(/[\n|]/);
      }
    }
  });

  it('holds every code the source raises or logs as a string literal', () => {
    const used = new Set<string>();
    for (const dir of ['common', 'gateway/src', 'transforms', 'stack', 'device-sim']) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/'((?:GW_ERR|TG_ERR|SIM_ERR|SPOOL|KPL)_[A-Z0-9_]+)'/g)) used.add(m[1] as string);
      }
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((code) => !(code in ERROR_CODES))).toEqual([]);
  });

  it('is the Lambda bundle\'s copy of the transform codes, with the same retriable flags', () => {
    const lambda = Object.entries(TRANSFORM_ERROR_CODES).map(([code, e]) => [code, e.retriable]);
    const common = CODES.filter((code) => ERROR_CODES[code].component === 'transform').map((code) => [code, ERROR_CODES[code].retriable]);
    expect(lambda.length).toBeGreaterThan(0);
    expect(Object.fromEntries(lambda)).toEqual(Object.fromEntries(common));
  });

  it('matches the README "Error codes" table (regenerate it with `npm run docs:errors`)', () => {
    expect(readmeErrorCodesTable(readFileSync(README_PATH, 'utf8'))).toBe(renderErrorCodesTable());
  });
});

describe('TidegateError and its component classes', () => {
  it('take retriable from the table unless overridden, and keep their class names', () => {
    const cases = [
      [new GatewayError('GW_ERR_SINK_RETRIABLE', 'm'), 'GatewayError', true],
      [new DeliveryError('TG_ERR_DELIVERY_CONFIG', 'm'), 'DeliveryError', false],
      [new SimError('SIM_ERR_WORKER', 'm'), 'SimError', false],
      [new SpoolError('SPOOL_IO', 'm'), 'SpoolError', false],
      [new KplDecodeError('KPL_MALFORMED', 'm'), 'KplDecodeError', false],
    ] as const;
    for (const [err, name, retriable] of cases) {
      expect(err).toBeInstanceOf(TidegateError);
      expect(err.name).toBe(name);
      expect(String(err)).toBe(`${name}: m`);
      expect(err.retriable, name).toBe(retriable);
      expect(err.retriable).toBe(ERROR_CODES[err.code].retriable);
    }
    const cause = new Error('socket hang up');
    const overridden = new GatewayError('GW_ERR_SINK_RETRIABLE', 'm', { retriable: false, cause, detail: { awsCode: 'X' } });
    expect(overridden.retriable).toBe(false);
    expect(overridden.cause).toBe(cause);
    expect(overridden.detail).toEqual({ awsCode: 'X' });
    expect(new SpoolError('SPOOL_IO', 'm').detail).toEqual({});
    expect('cause' in new SpoolError('SPOOL_IO', 'm')).toBe(false);
  });

  it('isTidegateError matches any component\'s error, or one code', () => {
    const spool = new SpoolError('SPOOL_CLOSED', 'closed');
    expect(isTidegateError(spool)).toBe(true);
    expect(isTidegateError(spool, 'SPOOL_CLOSED')).toBe(true);
    expect(isTidegateError(spool, 'SPOOL_IO')).toBe(false);
    expect(isTidegateError(new GatewayError('GW_ERR_CONFIG', 'bad'), 'GW_ERR_CONFIG')).toBe(true);
    expect(isTidegateError(Object.assign(new Error('look-alike'), { code: 'GW_ERR_CONFIG' }), 'GW_ERR_CONFIG')).toBe(false);
    expect(isTidegateError('GW_ERR_CONFIG')).toBe(false);
  });
});
