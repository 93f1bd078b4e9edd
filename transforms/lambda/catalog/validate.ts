import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { TransformError } from '../errors.js';
import { canConvert } from '../units.js';
import { CATALOG_SCHEMA, type SchemaNode } from './schema.js';
import type { Catalog } from './types.js';

/** The type name given to devices that match no rule; a catalog may not define it. */
export const UNKNOWN_TYPE = 'unknown';

/**
 * Checks that `value` is a well-formed {@link Catalog} and returns it typed. Every problem found is listed in one
 * `TG_ERR_CATALOG` error (with JSON-path-like locations), so a broken catalog is fixed in one pass, not one per run.
 *
 * Structure is checked by ajv against {@link CATALOG_SCHEMA}; what a schema cannot say (min ≤ max, convertible
 * units, thresholds on known fields, rule types that exist, unique ids and prefixes) is checked in code. Problems
 * are listed in document order: at each location what it is called, then its shape, then its parts, then the
 * values of its parts taken together (`min 100 is above max 85`).
 */
export function parseCatalog(value: unknown, source = 'catalog'): Catalog {
  if (!isRecord(value)) {
    throw new TransformError('TG_ERR_CATALOG', `${source} is not a JSON object`, { detail: { source } });
  }
  const layout = layoutOf(value);
  const names: Problem[] = [];
  const values: Problem[] = [];
  checkSemantics(value, {
    name: (path, message) => void names.push({ path, message, order: layout.start(path) }),
    value: (path, message) => void values.push({ path, message, order: layout.end(path) }),
  });
  const validate = schemaValidator();
  const shape = validate(value) ? [] : schemaProblems(validate.errors ?? [], layout);
  // A stable sort: at one location, names before shape problems.
  const ordered = [...names, ...shape, ...values].sort((a, b) => a.order - b.order);
  const problems = [...new Set(ordered.map((p) => `${p.path}: ${p.message}`))];
  if (problems.length > 0) {
    throw new TransformError('TG_ERR_CATALOG', `${source} is invalid:\n  - ${problems.join('\n  - ')}`, {
      detail: { source, problems },
    });
  }
  return value as unknown as Catalog;
}

interface Problem {
  path: string;
  message: string;
  /** Position in document order (see {@link Layout}). */
  order: number;
}

type Report = (path: string, message: string) => void;

let compiled: ValidateFunction | undefined;

/**
 * Compiled once per process, on first use: the Lambda pays it once, at cold start, where it reads the catalog.
 * The schema is a constant, so it is neither checked against the draft-07 meta-schema (`meta`, `validateSchema`)
 * nor optimised (`code.optimize`): the validator runs about once per process. Measured (bundled, Node 20): ajv
 * set up and compiled in ~20 ms this way, ~50–70 ms with the defaults.
 */
function schemaValidator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv({
      // Every problem, not the first.
      allErrors: true,
      // Each error carries its schema node, hence its `problem`.
      verbose: true,
      // A mistake in the schema fails here instead of being ignored; all but strictRequired, which does not see
      // that the properties an anyOf/oneOf branch requires are declared on the node around it.
      strict: true,
      strictRequired: false,
      meta: false,
      validateSchema: false,
      code: { optimize: false },
    });
    ajv.addKeyword({ keyword: 'problem', schemaType: 'string' });
    compiled = ajv.compile(CATALOG_SCHEMA);
  }
  return compiled;
}

/**
 * ajv's errors as listed problems. Dropped: the branch errors of a failed anyOf/oneOf (the anyOf/oneOf reports
 * itself), and everything else about a node of the wrong type (a rule that is a number does not also "need exactly
 * one of id and prefix": `required` holds vacuously for non-objects, so the oneOf sees two branches pass).
 */
function schemaProblems(errors: readonly ErrorObject[], layout: Layout): Problem[] {
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  return errors.flatMap((err): Problem[] => {
    if (/\/(?:anyOf|oneOf)\/\d+\//.test(err.schemaPath)) return [];
    if (err.keyword !== 'type' && wrongType.has(err.instancePath)) return [];
    const node = err.parentSchema as SchemaNode;
    let pointer = err.instancePath;
    let message = node.problem;
    if (err.keyword === 'required') {
      // Reported on the parent; listed at the missing property, with that property's message.
      const missing = String((err.params as { missingProperty: string }).missingProperty);
      pointer = childPointer(pointer, missing);
      message = node.properties?.[missing]?.problem ?? message;
    }
    const path = layout.pathOf.get(pointer) ?? pointer;
    return [{ path, message, order: layout.start(path) }];
  });
}

/**
 * Where each location of the document is: its display path (`devices[7].location.lat`) by JSON pointer (ajv's
 * `instancePath`), and its place in document order: map-like objects (types, fields, thresholds) in the file's key
 * order, fixed-shape ones in the schema's property order, missing properties included. `start` orders a location
 * before its parts, `end` after them (and before its next sibling).
 */
interface Layout {
  pathOf: Map<string, string>;
  start(path: string): number;
  end(path: string): number;
}

function layoutOf(value: unknown): Layout {
  const pathOf = new Map<string, string>();
  const span = new Map<string, { start: number; end: number }>();
  let next = 0;
  const visit = (v: unknown, node: SchemaNode | undefined, pointer: string, path: string): void => {
    const start = next++;
    pathOf.set(pointer, path);
    if (node !== undefined && Array.isArray(v)) {
      v.forEach((item: unknown, i) => visit(item, node.items, `${pointer}/${i}`, `${path}[${i}]`));
    } else if (node !== undefined && isRecord(v)) {
      const properties = node.properties ?? {};
      for (const [key, child] of Object.entries(properties)) {
        visit(Object.hasOwn(v, key) ? v[key] : undefined, child, childPointer(pointer, key), childPath(path, key));
      }
      if (node.additionalProperties !== undefined) {
        for (const [key, child] of Object.entries(v)) {
          if (!Object.hasOwn(properties, key)) visit(child, node.additionalProperties, childPointer(pointer, key), childPath(path, key));
        }
      }
    }
    if (!span.has(path)) span.set(path, { start, end: next - 0.5 });
  };
  visit(value, CATALOG_SCHEMA, '', '');
  const last = Number.MAX_SAFE_INTEGER;
  return { pathOf, start: (path) => span.get(path)?.start ?? last, end: (path) => span.get(path)?.end ?? last };
}

const childPointer = (pointer: string, key: string): string => `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
const childPath = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

/**
 * The checks the schema cannot express, on whatever parts have the right shape (also when the schema fails, so one
 * error lists everything). `name` problems are about what a node is called (a reserved type name, a field name
 * that would read Object.prototype, a threshold for no field), `value` problems about its contents.
 */
function checkSemantics(catalog: Record<string, unknown>, at: { name: Report; value: Report }): void {
  const types = isRecord(catalog.types) ? catalog.types : {};
  for (const [name, spec] of Object.entries(types)) {
    const path = `types.${name}`;
    if (name === UNKNOWN_TYPE) at.name(path, `"${UNKNOWN_TYPE}" is reserved for devices that match no rule`);
    if (!isRecord(spec) || !isRecord(spec.fields)) continue;
    const fields = spec.fields;
    for (const [field, f] of Object.entries(fields)) {
      const fPath = `${path}.fields.${field}`;
      // Field names index parsed readings; a name inherited from Object.prototype would read the prototype's value.
      if (field in Object.prototype) at.name(fPath, `"${field}" cannot be used as a field name`);
      if (!isRecord(f)) continue;
      if (isFiniteNumber(f.min) && isFiniteNumber(f.max) && f.min > f.max) at.value(fPath, `min ${f.min} is above max ${f.max}`);
      if (isNonEmptyString(f.unit) && isNonEmptyString(f.normaliseTo) && !canConvert(f.unit, f.normaliseTo)) {
        at.value(`${fPath}.normaliseTo`, `no conversion from "${f.unit}" to "${f.normaliseTo}"`);
      }
    }
    if (!isRecord(spec.thresholds)) continue;
    for (const [field, t] of Object.entries(spec.thresholds)) {
      const tPath = `${path}.thresholds.${field}`;
      if (!Object.hasOwn(fields, field)) at.name(tPath, `"${field}" is not one of this type's fields`);
      if (isRecord(t) && isFiniteNumber(t.low) && isFiniteNumber(t.high) && t.low > t.high) {
        at.value(tPath, `low ${t.low} is above high ${t.high}`);
      }
    }
  }
  if (!Array.isArray(catalog.devices)) return;
  const typeNames = new Set(Object.keys(types));
  const seen = new Set<string>();
  catalog.devices.forEach((rule: unknown, i: number) => {
    if (!isRecord(rule)) return;
    const path = `devices[${i}]`;
    for (const key of ['id', 'prefix'] as const) {
      const v = rule[key];
      if (!isNonEmptyString(v)) continue;
      if (seen.has(`${key}:${v}`)) at.value(`${path}.${key}`, `duplicate ${key} "${v}"`);
      else seen.add(`${key}:${v}`);
    }
    if (isNonEmptyString(rule.type) && !typeNames.has(rule.type)) at.value(`${path}.type`, `"${rule.type}" is not defined in types`);
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
