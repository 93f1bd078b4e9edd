/**
 * deploy/cloudformation/tidegate.yaml, checked without AWS: parsed with the intrinsic-function tags, every
 * reference resolves, the resources the pipeline needs are declared and wired to each other, the delivery stream's
 * prefix uses partition keys the transform really returns, and every IAM statement is scoped (no wildcard actions
 * or resources).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import catalog from '../../transforms/catalog.json' with { type: 'json' };
import { parseCatalog } from '../../transforms/lambda/catalog/validate.js';
import { createTransform } from '../../transforms/lambda/transform.js';
import { loadEvent } from '../fixtures/firehose/index.js';
import { parseTemplate } from '../support/cfn-yaml.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Resource {
  Type: string;
  Properties: Record<string, Json>;
  DependsOn?: string | string[];
}
interface Template {
  AWSTemplateFormatVersion: string;
  Parameters: Record<string, { Type: string; Default?: string | number; AllowedValues?: Json[] }>;
  Conditions: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: Json }>;
}

const template = parseTemplate(readFileSync(join(ROOT, 'deploy/cloudformation/tidegate.yaml'), 'utf8')) as Template;
const resources = template.Resources;

function walk(node: Json | undefined, visit: (key: string, value: Json) => void): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function only(type: string): [string, Resource] {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Resource];
}

const getAtt = (name: string, attr: string): Json => ({ 'Fn::GetAtt': `${name}.${attr}` });
const ref = (name: string): Json => ({ Ref: name });

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Principal?: Json;
}

/** Every statement of the role's inline policies or the managed policy. */
function statements(resource: Resource): Statement[] {
  const docs: Json[] = [];
  if (resource.Type === 'AWS::IAM::Role') for (const p of resource.Properties['Policies'] as { PolicyDocument: Json }[]) docs.push(p.PolicyDocument);
  else docs.push(resource.Properties['PolicyDocument'] as Json);
  return docs.flatMap((d) => (d as unknown as { Statement: Statement[] }).Statement);
}

const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('CloudFormation template', () => {
  it('declares the stream, bucket, transform Lambda, delivery stream, their roles and the gateway policy', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    for (const type of ['AWS::Kinesis::Stream', 'AWS::S3::Bucket', 'AWS::Lambda::Function', 'AWS::KinesisFirehose::DeliveryStream', 'AWS::IAM::ManagedPolicy']) {
      only(type);
    }
    expect(ofType('AWS::IAM::Role').length).toBe(2);
  });

  it('resolves every Ref, GetAtt, Sub variable, condition and DependsOn to something declared', () => {
    const params = new Set(Object.keys(template.Parameters));
    const names = new Set(Object.keys(resources));
    const conditions = new Set(Object.keys(template.Conditions));
    const pseudo = (n: string): boolean => n.startsWith('AWS::');
    const problems: string[] = [];
    const check = (name: string, where: string, allowParams = true): void => {
      if (!(names.has(name) || (allowParams && params.has(name)) || pseudo(name))) problems.push(`${where} ${name}`);
    };
    const body = { Resources: resources, Outputs: template.Outputs, Conditions: template.Conditions } as unknown as Json;
    walk(body, (key, value) => {
      if (key === 'Ref') check(value as string, 'Ref');
      if (key === 'Fn::GetAtt') {
        const target = Array.isArray(value) ? String(value[0]) : String(value).split('.')[0];
        check(target as string, 'GetAtt', false);
      }
      if (key === 'Fn::Sub') {
        const [text, vars] = Array.isArray(value) ? [String(value[0]), (value[1] ?? {}) as Record<string, Json>] : [String(value), {}];
        for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = (m[1] as string).split('.')[0] as string;
          if (!(name in vars)) check(name, 'Sub');
        }
      }
      if (key === 'Fn::If') {
        const c = (value as Json[])[0] as string;
        if (!conditions.has(c)) problems.push(`If ${c}`);
      }
      if (key === 'Condition' && typeof value === 'string' && !conditions.has(value)) problems.push(`Condition ${value}`);
    });
    for (const [name, r] of Object.entries(resources)) {
      for (const dep of [r.DependsOn ?? []].flat()) if (!names.has(dep)) problems.push(`${name} DependsOn ${dep}`);
    }
    expect(problems).toEqual([]);
    // Every parameter is used.
    const used = new Set<string>();
    walk(body, (key, value) => {
      if (key === 'Ref' && typeof value === 'string') used.add(value);
    });
    expect([...params].filter((p) => !used.has(p))).toEqual([]);
  });

  it('makes the stream provisioned or on-demand by parameter, and encrypts it', () => {
    const [, stream] = only('AWS::Kinesis::Stream');
    expect(template.Parameters['StreamMode']?.AllowedValues).toEqual(['PROVISIONED', 'ON_DEMAND']);
    expect(stream.Properties['StreamModeDetails']).toEqual({ StreamMode: ref('StreamMode') });
    expect(stream.Properties['ShardCount']).toEqual({ 'Fn::If': ['IsProvisioned', ref('ShardCount'), ref('AWS::NoValue')] });
    expect(template.Conditions['IsProvisioned']).toEqual({ 'Fn::Equals': [ref('StreamMode'), 'PROVISIONED'] });
    expect(stream.Properties['StreamEncryption']).toMatchObject({ EncryptionType: 'KMS' });
  });

  it('keeps the bucket private and encrypted', () => {
    const [, bucket] = only('AWS::S3::Bucket');
    expect(bucket.Properties['PublicAccessBlockConfiguration']).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket.Properties['BucketEncryption'])).toMatch(/SSEAlgorithm/);
  });

  it('runs the build:lambda package as the transform', () => {
    const [, fn] = only('AWS::Lambda::Function');
    expect(fn.Properties['Handler']).toBe('index.handler');
    expect(fn.Properties['Code']).toEqual({ S3Bucket: ref('LambdaCodeBucket'), S3Key: ref('LambdaCodeKey') });
    expect(template.Parameters['LambdaCodeKey']?.Default).toBe('tidegate-transform.zip');
    const runtimes = template.Parameters['LambdaRuntime']?.AllowedValues as string[];
    expect(runtimes).toContain(template.Parameters['LambdaRuntime']?.Default);
    for (const r of runtimes) expect(r).toMatch(/^nodejs(2[0-9])\.x$/);
  });

  it('delivers stream → Lambda processor → S3 with dynamic partitioning on keys the transform returns, and an error prefix', async () => {
    const [streamName] = only('AWS::Kinesis::Stream');
    const [bucketName] = only('AWS::S3::Bucket');
    const [fnName] = only('AWS::Lambda::Function');
    const [, delivery] = only('AWS::KinesisFirehose::DeliveryStream');
    const p = delivery.Properties;
    expect(p['DeliveryStreamType']).toBe('KinesisStreamAsSource');
    expect((p['KinesisStreamSourceConfiguration'] as Record<string, Json>)['KinesisStreamARN']).toEqual(getAtt(streamName, 'Arn'));
    const s3 = p['ExtendedS3DestinationConfiguration'] as Record<string, Json>;
    expect(s3['BucketARN']).toEqual(getAtt(bucketName, 'Arn'));
    expect(s3['DynamicPartitioningConfiguration']).toMatchObject({ Enabled: true });
    const processing = s3['ProcessingConfiguration'] as { Enabled: boolean; Processors: { Type: string; Parameters: { ParameterName: string; ParameterValue: Json }[] }[] };
    expect(processing.Enabled).toBe(true);
    expect(processing.Processors).toHaveLength(1);
    expect(processing.Processors[0]?.Type).toBe('Lambda');
    const parameters = Object.fromEntries((processing.Processors[0]?.Parameters ?? []).map((x) => [x.ParameterName, x.ParameterValue]));
    expect(parameters['LambdaArn']).toEqual(getAtt(fnName, 'Arn'));
    expect(Object.keys(parameters).sort()).toEqual(['BufferIntervalInSeconds', 'BufferSizeInMBs', 'LambdaArn', 'NumberOfRetries']);

    // The prefixes are parameters; their defaults must follow Firehose's rules.
    expect(s3['Prefix']).toEqual(ref('S3Prefix'));
    expect(s3['ErrorOutputPrefix']).toEqual(ref('ErrorOutputPrefix'));
    const prefix = String(template.Parameters['S3Prefix']?.Default);
    const errorPrefix = String(template.Parameters['ErrorOutputPrefix']?.Default);
    expect(errorPrefix).toContain('!{firehose:error-output-type}');
    expect(errorPrefix).not.toMatch(/partitionKeyFrom/);
    const keys = [...prefix.matchAll(/!\{partitionKeyFromLambda:([^}]+)\}/g)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThan(0);
    // The keys the transform actually returns for a valid reading.
    const result = await createTransform({ catalog: parseCatalog(catalog) })(loadEvent('gateway-records'));
    const ok = result.records.find((r) => r.result === 'Ok');
    const returned = Object.keys(ok?.metadata?.partitionKeys ?? {});
    for (const k of keys) expect(returned, `prefix key ${k}`).toContain(k);
    // Dynamic partitioning: no zero buffering, 64 MiB minimum size.
    expect(Number((template.Parameters['BufferIntervalSeconds'] as { MinValue?: number }).MinValue)).toBeGreaterThanOrEqual(60);
    expect(Number((template.Parameters['BufferSizeMB'] as { MinValue?: number }).MinValue)).toBe(64);
  });

  it('scopes every IAM statement: no wildcard actions or resources, each role to its own resources', () => {
    const allows: { role: string; s: Statement }[] = [];
    for (const [name, r] of Object.entries(resources)) {
      if (r.Type !== 'AWS::IAM::Role' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
      for (const s of statements(r)) allows.push({ role: name, s });
    }
    expect(allows.length).toBeGreaterThan(5);
    for (const { role, s } of allows) {
      expect(s.Effect, role).toBe('Allow');
      for (const a of actions(s)) expect(a, role).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
      expect(JSON.stringify(s.Resource), role).not.toMatch(/"\*"/);
    }
    const [streamName] = only('AWS::Kinesis::Stream');
    const [fnName] = only('AWS::Lambda::Function');
    const [, delivery] = only('AWS::KinesisFirehose::DeliveryStream');
    const deliveryRole = ((delivery.Properties['KinesisStreamSourceConfiguration'] as Record<string, Json>)['RoleARN'] as { 'Fn::GetAtt': string })['Fn::GetAtt'].split('.')[0] as string;
    const byResource = (role: string, resource: Json): string[] =>
      allows.filter((x) => x.role === role && JSON.stringify(x.s.Resource) === JSON.stringify(resource)).flatMap((x) => actions(x.s)).sort();
    expect(byResource(deliveryRole, getAtt(streamName, 'Arn'))).toEqual(
      ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
    );
    expect(byResource(deliveryRole, getAtt(fnName, 'Arn'))).toEqual(['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction']);
    expect(allows.filter((x) => x.role === deliveryRole).flatMap((x) => actions(x.s)).filter((a) => a.startsWith('s3:'))).toEqual(
      expect.arrayContaining(['s3:PutObject', 's3:GetBucketLocation', 's3:ListBucket']),
    );
    // The gateway policy is exactly what the README says the gateway needs.
    const [policyName] = only('AWS::IAM::ManagedPolicy');
    expect(byResource(policyName, getAtt(streamName, 'Arn'))).toEqual(['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecords']);
    // Trust: each role only for its service; Firehose's bound to this account.
    const trust = (name: string): Json => (resources[name]?.Properties['AssumeRolePolicyDocument'] as { Statement: Json[] }).Statement;
    expect(JSON.stringify(trust(deliveryRole))).toMatch(/firehose\.amazonaws\.com.*sts:ExternalId/);
    const fnRole = ((resources[fnName]?.Properties['Role'] as { 'Fn::GetAtt': string })['Fn::GetAtt']).split('.')[0] as string;
    expect(JSON.stringify(trust(fnRole))).toMatch(/"lambda\.amazonaws\.com"/);
  });

  it('outputs what the gateway and operators need', () => {
    expect(Object.keys(template.Outputs)).toEqual(expect.arrayContaining(['StreamName', 'StreamArn', 'ArchiveBucketName', 'DeliveryStreamName', 'GatewayProducerPolicyArn']));
  });
});
