import { describe, expect, it } from 'vitest';
import { classifyKinesisError, isRetriableEntryError } from '../../gateway/src/sinks/kinesis/errors.js';

function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });
}

describe('Kinesis error classification', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['LimitExceededException', 400],
    ['KMSThrottlingException', 400],
    ['InternalFailure', 500],
    ['ServiceUnavailable', 503],
    ['SomethingNew', 502],
  ])('%s (HTTP %s) is retriable', (name, status) => {
    const e = classifyKinesisError(sdkError(name, status), 'PutRecords');
    expect(e.code).toBe('GW_ERR_SINK_RETRIABLE');
    expect(e.retriable).toBe(true);
  });

  it.each([
    ['ResourceNotFoundException', 'does not exist'],
    ['AccessDeniedException', 'kinesis:PutRecords'],
    ['InvalidArgumentException', 'record size'],
    ['UnrecognizedClientException', 'credentials'],
    ['ExpiredTokenException', 'expired'],
    ['CredentialsProviderError', 'AWS_PROFILE'],
    ['KMSAccessDeniedException', 'KMS'],
  ])('%s is fatal and says what to do', (name, hint) => {
    const e = classifyKinesisError(sdkError(name, 400), 'PutRecords');
    expect(e.code).toBe('GW_ERR_SINK_FATAL');
    expect(e.retriable).toBe(false);
    expect(String(e.detail['hint'])).toContain(hint);
    expect(e.detail['awsCode']).toBe(name);
  });

  it('treats resets, refused connections and timeouts as retriable, whatever the SDK names them', () => {
    expect(classifyKinesisError(sdkError('TimeoutError', undefined, { code: 'ECONNRESET' }), 'x').detail['awsCode']).toBe('ECONNRESET');
    expect(classifyKinesisError(sdkError('Error', undefined, { code: 'ECONNREFUSED' }), 'x').retriable).toBe(true);
    expect(classifyKinesisError(sdkError('AbortError'), 'x').detail['awsCode']).toBe('Timeout');
  });

  it('treats an unknown 4xx as fatal: retrying the same request cannot help', () => {
    expect(classifyKinesisError(sdkError('WeirdClientError', 400), 'x').retriable).toBe(false);
  });

  it('retries per-entry throttling and internal failures only', () => {
    expect(isRetriableEntryError('ProvisionedThroughputExceededException')).toBe(true);
    expect(isRetriableEntryError('InternalFailure')).toBe(true);
    expect(isRetriableEntryError('InvalidArgumentException')).toBe(false);
  });
});
