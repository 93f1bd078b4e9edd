/**
 * A CloudFormation template checked against CloudFormation's resource schemas as the npm package
 * @aws-cdk/aws-service-spec ships them: the CDK team's database built from the CloudFormation registry schemas of
 * every resource type (updated weekly). It is a typed model, not JSON Schema documents, so the check walks it
 * directly instead of through a JSON-schema validator:
 *
 * - every resource type exists; a resource has only CloudFormation's resource keys;
 * - every property exists (names are case-sensitive, like CloudFormation's), nested ones too, and required ones are set;
 * - every value has the schema's type, with CloudFormation's scalar coercions (a number where a string is expected,
 *   "60" where an integer is expected, "true" for a boolean) and allowed values where the schema lists them;
 * - every Fn::GetAtt, and every `${Resource.Attribute}` in Fn::Sub, names an attribute the target type has.
 *
 * Intrinsic functions stand for values known at deploy time: one is accepted wherever a value is expected, except
 * Fn::If, whose two branches are checked against the expected type (AWS::NoValue for "absent").
 */
import type { Property, PropertyType, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/** The keys a resource may have besides Type and Properties (the template reference's resource attributes). */
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);

const isObject = (v: Json | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `{Ref: …}` or `{'Fn::…': …}`: a value CloudFormation computes. */
function intrinsic(v: Json): [string, Json] | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  const [key] = keys;
  if (keys.length !== 1 || key === undefined || !(key === 'Ref' || key.startsWith('Fn::'))) return undefined;
  return [key, v[key] as Json];
}

const isNoValue = (v: Json): boolean => isObject(v) && v['Ref'] === 'AWS::NoValue';
const show = (v: Json): string => {
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

export interface SchemaChecker {
  /** Every problem found, one line each (`path: what`); empty when the template matches the schemas. */
  check(template: unknown): string[];
}

export function createSchemaChecker(db: SpecDatabase): SchemaChecker {
  const resourceType = (cfnType: string) => db.lookup('resource', 'cloudFormationType', 'equals', cfnType)[0];

  function checkValue(value: Json, type: PropertyType, path: string, out: string[]): void {
    const fn = intrinsic(value);
    if (fn !== undefined) {
      if (fn[0] === 'Fn::If' && Array.isArray(fn[1]) && fn[1].length === 3) {
        for (const [i, branch] of fn[1].slice(1).entries()) if (!isNoValue(branch)) checkValue(branch, type, `${path}.Fn::If[${i + 1}]`, out);
      }
      return;
    }
    switch (type.type) {
      case 'string':
        if (!['string', 'number', 'boolean'].includes(typeof value)) out.push(`${path}: expected a string, got ${show(value)}`);
        else if (type.allowedValues !== undefined && !type.allowedValues.includes(String(value))) out.push(`${path}: ${show(value)} is not one of ${type.allowedValues.join(', ')}`);
        return;
      case 'integer':
      case 'number': {
        const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        const ok = typeof n === 'number' && Number.isFinite(n) && (type.type === 'number' || Number.isInteger(n));
        if (!ok) out.push(`${path}: expected ${type.type === 'integer' ? 'an integer' : 'a number'}, got ${show(value)}`);
        else if (type.type === 'integer' && type.allowedValues !== undefined && !type.allowedValues.includes(n)) out.push(`${path}: ${show(value)} is not one of ${type.allowedValues.join(', ')}`);
        return;
      }
      case 'boolean':
        if (typeof value !== 'boolean' && !(typeof value === 'string' && /^(true|false)$/i.test(value))) out.push(`${path}: expected a boolean, got ${show(value)}`);
        return;
      case 'date-time':
        if (typeof value !== 'string') out.push(`${path}: expected a date-time string, got ${show(value)}`);
        return;
      case 'json':
        if (!(typeof value === 'string' || (value !== null && typeof value === 'object'))) out.push(`${path}: expected a JSON object, got ${show(value)}`);
        return;
      case 'null':
        return;
      case 'tag':
        if (!isObject(value) || !('Key' in value) || !('Value' in value)) out.push(`${path}: expected a tag {Key, Value}, got ${show(value)}`);
        return;
      case 'array':
        if (!Array.isArray(value)) out.push(`${path}: expected a list, got ${show(value)}`);
        else for (const [i, item] of value.entries()) if (!isNoValue(item)) checkValue(item, type.element, `${path}[${i}]`, out);
        return;
      case 'map':
        if (!isObject(value)) out.push(`${path}: expected a map, got ${show(value)}`);
        else for (const [k, item] of Object.entries(value)) checkValue(item, type.element, `${path}.${k}`, out);
        return;
      case 'union': {
        const attempts = type.types.map((t) => {
          const found: string[] = [];
          checkValue(value, t, path, found);
          return found;
        });
        if (!attempts.some((a) => a.length === 0)) out.push(...(attempts.sort((a, b) => a.length - b.length)[0] ?? []));
        return;
      }
      case 'ref':
        checkProperties(value, db.get('typeDefinition', type.reference), path, out);
        return;
    }
  }

  function checkProperties(value: Json, def: Pick<TypeDefinition, 'name' | 'properties'>, path: string, out: string[]): void {
    if (!isObject(value)) {
      out.push(`${path}: expected a ${def.name} object, got ${show(value)}`);
      return;
    }
    const known: Record<string, Property> = def.properties;
    for (const [name, v] of Object.entries(value)) {
      const property = known[name];
      if (property === undefined) {
        out.push(`${path}.${name}: not a property of ${def.name} (it has ${Object.keys(known).sort().join(', ')})`);
        continue;
      }
      if (!isNoValue(v)) checkValue(v, property.type, `${path}.${name}`, out);
    }
    for (const [name, property] of Object.entries(known)) {
      if (property.required === true && !(name in value)) out.push(`${path}: required property ${name} of ${def.name} is missing`);
    }
  }

  /** Fn::GetAtt targets and Fn::Sub `${A.B}` references, wherever they are. */
  function checkAttributes(node: Json, path: string, types: Map<string, string>, out: string[]): void {
    const checkOne = (target: string, attribute: string, where: string): void => {
      const cfnType = types.get(target);
      const spec = cfnType === undefined ? undefined : resourceType(cfnType);
      if (cfnType === undefined) out.push(`${where}: Fn::GetAtt of ${target}, which is not a resource`);
      else if (spec !== undefined && !(attribute in spec.attributes)) {
        out.push(`${where}: ${cfnType} has no attribute ${attribute} (it has ${Object.keys(spec.attributes).sort().join(', ')})`);
      }
    };
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) checkAttributes(n, `${path}[${i}]`, types, out);
      return;
    }
    if (!isObject(node)) return;
    for (const [key, v] of Object.entries(node)) {
      if (key === 'Fn::GetAtt') {
        const [target, ...rest] = Array.isArray(v) ? v.map(String) : String(v).split('.');
        if (target !== undefined && typeof (Array.isArray(v) ? v[1] : '') === 'string') checkOne(target, rest.join('.'), `${path}.Fn::GetAtt`);
      } else if (key === 'Fn::Sub') {
        const [text, vars] = Array.isArray(v) ? [String(v[0]), isObject(v[1]) ? v[1] : {}] : [String(v), {}];
        for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const [target, ...rest] = (m[1] as string).split('.');
          if (target !== undefined && rest.length > 0 && !(target in vars) && !target.startsWith('AWS::')) checkOne(target, rest.join('.'), `${path}.Fn::Sub`);
        }
      }
      checkAttributes(v, `${path}.${key}`, types, out);
    }
  }

  return {
    check(template) {
      const out: string[] = [];
      const t = template as JsonObject;
      const resources = isObject(t['Resources']) ? t['Resources'] : {};
      const types = new Map<string, string>();
      for (const [name, r] of Object.entries(resources)) if (isObject(r) && typeof r['Type'] === 'string') types.set(name, r['Type']);

      for (const [name, r] of Object.entries(resources)) {
        const path = `Resources.${name}`;
        if (!isObject(r)) {
          out.push(`${path}: not an object`);
          continue;
        }
        for (const key of Object.keys(r)) if (!RESOURCE_KEYS.has(key)) out.push(`${path}.${key}: not a resource attribute`);
        for (const key of ['DeletionPolicy', 'UpdateReplacePolicy']) {
          const policy = r[key];
          if (policy !== undefined && !(typeof policy === 'string' && DELETION_POLICIES.has(policy))) out.push(`${path}.${key}: ${show(policy)} is not one of ${[...DELETION_POLICIES].join(', ')}`);
        }
        const cfnType = types.get(name);
        if (cfnType === undefined) {
          out.push(`${path}: no Type`);
          continue;
        }
        // Custom resources have no schema: their properties are the provider's business.
        if (cfnType.startsWith('Custom::')) continue;
        const spec = resourceType(cfnType);
        if (spec === undefined) {
          out.push(`${path}: ${cfnType} is not a CloudFormation resource type`);
          continue;
        }
        const properties = r['Properties'] ?? {};
        if (intrinsic(properties) === undefined) checkProperties(properties, { name: cfnType, properties: spec.properties }, `${path}.Properties`, out);
      }
      checkAttributes({ Resources: resources, Outputs: t['Outputs'] ?? {} }, '', types, out);
      return out.map((line) => line.replace(/^\./, ''));
    },
  };
}
