/**
 * deploy/cloudformation/tidegate.yaml against CloudFormation's resource schemas (@aws-cdk/aws-service-spec, see
 * test/support/cfn-schema.ts): resource types, property names and types, required properties and Fn::GetAtt
 * attributes. The structure and wiring are checked in cloudformation.test.ts.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { describe, expect, it } from 'vitest';
import { createSchemaChecker } from '../support/cfn-schema.js';
import { parseTemplate, readTemplate } from '../support/cfn-yaml.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const db = loadAwsServiceSpecSync();
const checker = createSchemaChecker(db);

/** One mistake per line that CloudFormation would refuse, beside correct uses of intrinsics. */
const MISTAKES = `
Parameters:
  Hours: { Type: Number, Default: 24 }
  Flag: { Type: String, Default: 'true' }
Conditions:
  On: !Equals [!Ref Flag, 'true']
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      RetentionPeriodHours: !Ref Hours
      ShardCount: !If [On, 2, !Ref 'AWS::NoValue']
      StreamModeDetails: { StreamMode: PROVISIONED }
      StreamEncryption: { EncryptionType: KMS, KeyId: alias/aws/kinesis, KeyID: oops }
  Bucket:
    Type: AWS::S3::Bucket
    DeletionPolcy: Retain
    Properties:
      BucketEncription: {}
      VersioningConfiguration: { Status: !If [On, Enabled, Suspended] }
      LifecycleConfiguration:
        Rules:
          - Status: Enabled
            ExpirationInDays: soon
          - !If [On, { Status: Enabled, ExpirationInDays: 30 }, !Ref 'AWS::NoValue']
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs24.x
      Handler: index.handler
      MemorySize: '256'
      Timeout: [60]
      Code: { S3Bucket: b, S3Key: k }
  Queue:
    Type: AWS::SQS::Queu
Outputs:
  Arn: { Value: !GetAtt Stream.ARN }
  Url: { Value: !Sub 'https://\${Bucket.DomainName}/\${Bucket.Nme}' }
`;

describe('CloudFormation template against the CloudFormation resource schemas', () => {
  it('accepts deploy/cloudformation/tidegate.yaml', () => {
    expect(checker.check(readTemplate(join(ROOT, 'deploy/cloudformation/tidegate.yaml')))).toEqual([]);
  });

  it('allows every LambdaRuntime value the template offers (nodejs24.x the default) as a Lambda Runtime', () => {
    const template = readTemplate(join(ROOT, 'deploy/cloudformation/tidegate.yaml')) as { Parameters: Record<string, { Default?: string; AllowedValues?: string[] }> };
    const offered = template.Parameters['LambdaRuntime'];
    expect(offered?.Default).toBe('nodejs24.x');
    const runtime = db.lookup('resource', 'cloudFormationType', 'equals', 'AWS::Lambda::Function')[0]?.properties['Runtime']?.type;
    // The schema types Runtime as a plain string today; if it ever lists the values, ours must be among them.
    expect(runtime?.type).toBe('string');
    const listed = runtime?.type === 'string' ? runtime.allowedValues : undefined;
    if (listed !== undefined) expect(listed).toEqual(expect.arrayContaining(offered?.AllowedValues ?? []));
  });

  it('reports misspelt and mistyped properties, missing required ones, unknown types and attributes', () => {
    const problems = checker.check(parseTemplate(MISTAKES));
    expect(problems.map((p) => p.replace(/ \(it has .*\)$/, ''))).toEqual([
      'Resources.Stream.Properties.StreamEncryption.KeyID: not a property of StreamEncryption',
      'Resources.Bucket.DeletionPolcy: not a resource attribute',
      'Resources.Bucket.Properties.BucketEncription: not a property of AWS::S3::Bucket',
      'Resources.Bucket.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays: expected an integer, got "soon"',
      'Resources.Fn.Properties.Timeout: expected an integer, got [60]',
      'Resources.Fn.Properties: required property Role of AWS::Lambda::Function is missing',
      'Resources.Queue: AWS::SQS::Queu is not a CloudFormation resource type',
      'Outputs.Arn.Value.Fn::GetAtt: AWS::Kinesis::Stream has no attribute ARN',
      'Outputs.Url.Value.Fn::Sub: AWS::S3::Bucket has no attribute Nme',
    ]);
    // The message names what is there, so the fix is in the line.
    expect(problems[0]).toMatch(/\(it has EncryptionType, KeyId\)$/);
  });

  it('checks both branches of Fn::If against the schema', () => {
    const template = parseTemplate(`
Conditions:
  On: !Equals [a, a]
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: !If [On, 2, many]
      StreamModeDetails: !If [On, { StreamMode: ON_DEMAND }, { Mode: PROVISIONED }]
`);
    expect(checker.check(template).map((p) => p.replace(/ \(it has .*\)$/, ''))).toEqual([
      'Resources.Stream.Properties.ShardCount.Fn::If[2]: expected an integer, got "many"',
      'Resources.Stream.Properties.StreamModeDetails.Fn::If[2].Mode: not a property of StreamModeDetails',
      'Resources.Stream.Properties.StreamModeDetails.Fn::If[2]: required property StreamMode of StreamModeDetails is missing',
    ]);
  });
});
