/**
 * Reading a CloudFormation YAML template as CloudFormation does: the short forms of the intrinsic functions
 * (`!Ref X`, `!If [...]`, `!GetAtt A.B`) become their JSON forms (`{Ref: X}`, `{'Fn::If': [...]}`, …).
 */
import { readFileSync } from 'node:fs';
import { parse, YAMLSeq, type Tags } from 'yaml';

const FUNCTIONS = ['Ref', 'Sub', 'GetAtt', 'If', 'Equals', 'Not', 'And', 'Or', 'Select', 'Join', 'Split', 'FindInMap',
  'GetAZs', 'ImportValue', 'Base64', 'Cidr', 'Condition'];

/** CloudFormation's short forms (`!Ref X`, `!If [...]`) as their JSON forms (`{Ref: X}`, `{'Fn::If': [...]}`). */
export function cfnTags(): Tags {
  const tags: Tags = [];
  for (const f of FUNCTIONS) {
    const key = f === 'Ref' || f === 'Condition' ? f : `Fn::${f}`;
    tags.push({ tag: `!${f}`, resolve: (value: string) => ({ [key]: value }) });
    tags.push({ tag: `!${f}`, collection: 'seq', nodeClass: YAMLSeq, resolve: (seq: YAMLSeq) => ({ [key]: seq.toJSON() }) });
  }
  return tags;
}

export function parseTemplate(text: string): unknown {
  return parse(text, { customTags: cfnTags() });
}

export function readTemplate(path: string): unknown {
  return parseTemplate(readFileSync(path, 'utf8'));
}
