/**
 * The structural half of catalog validation, as a JSON Schema (draft-07, ajv's default dialect); the semantic half
 * (ranges in order, known units and types, unique rules) is code in `validate.ts`. Unknown properties are allowed
 * everywhere: the catalog is a contract that grows by optional properties (`types.ts`).
 *
 * Every node carries `problem`, the message listed when that node fails, so an author reads what to write ("must
 * be a number in [-90, 90]") rather than which keyword failed. A rule over several properties sits in its own
 * `allOf` entry with its own `problem`.
 */

/** A schema node as written here: the draft-07 keywords the catalog needs, plus `problem`. */
export interface SchemaNode {
  readonly problem: string;
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'boolean';
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode;
  readonly items?: SchemaNode;
  readonly required?: readonly string[];
  readonly minLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly allOf?: readonly SchemaNode[];
  readonly anyOf?: readonly { readonly required: readonly string[] }[];
  readonly oneOf?: readonly { readonly required: readonly string[] }[];
}

const nonEmptyString: SchemaNode = { problem: 'must be a non-empty string', type: 'string', minLength: 1 };
// ajv's strictNumbers (on by default) also refuses NaN and ±Infinity, which a catalog built in code could hold.
const finiteNumber: SchemaNode = { problem: 'must be a finite number', type: 'number' };
const string: SchemaNode = { problem: 'must be a string', type: 'string' };

const field: SchemaNode = {
  problem: 'must be an object',
  type: 'object',
  required: ['unit', 'min', 'max'],
  properties: { unit: nonEmptyString, min: finiteNumber, max: finiteNumber, normaliseTo: nonEmptyString },
};

const threshold: SchemaNode = {
  problem: 'must be an object with low and/or high',
  type: 'object',
  properties: { low: finiteNumber, high: finiteNumber },
  allOf: [{ problem: 'needs low and/or high', anyOf: [{ required: ['low'] }, { required: ['high'] }] }],
};

const deviceType: SchemaNode = {
  problem: 'must be an object',
  type: 'object',
  required: ['fields'],
  properties: {
    description: string,
    drop: { problem: 'must be true or false', type: 'boolean' },
    fields: { problem: 'must be an object of field specs', type: 'object', additionalProperties: field },
    thresholds: { problem: 'must be an object', type: 'object', additionalProperties: threshold },
  },
};

const deviceRule: SchemaNode = {
  problem: 'must be an object',
  type: 'object',
  required: ['type', 'site', 'location'],
  properties: {
    id: nonEmptyString,
    prefix: nonEmptyString,
    type: nonEmptyString,
    site: nonEmptyString,
    location: {
      problem: 'must be an object with lat and lon',
      type: 'object',
      required: ['lat', 'lon'],
      properties: {
        lat: { problem: 'must be a number in [-90, 90]', type: 'number', minimum: -90, maximum: 90 },
        lon: { problem: 'must be a number in [-180, 180]', type: 'number', minimum: -180, maximum: 180 },
        label: string,
      },
    },
  },
  allOf: [{ problem: 'needs exactly one of "id" and "prefix"', oneOf: [{ required: ['id'] }, { required: ['prefix'] }] }],
};

export const CATALOG_SCHEMA: SchemaNode = {
  problem: 'must be a JSON object',
  type: 'object',
  required: ['types', 'devices'],
  properties: {
    types: { problem: 'must be an object of device types', type: 'object', additionalProperties: deviceType },
    devices: { problem: 'must be an array of device rules', type: 'array', items: deviceRule },
  },
};
