import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/src/config/load.js';
import { classifyFirehoseError, isRetriableFirehoseEntryError } from '../../gateway/src/sinks/firehose/errors.js';
import { deliveryStreamName } from '../../gateway/src/sinks/firehose/sink.js';

const sdkError = (name: string, status: number): unknown => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe('Firehose error classification', () => {
  it('throttling, internal failures and 5xx are retriable', () => {
    for (const [name, status] of [['ServiceUnavailableException', 503], ['InternalFailure', 500], ['LimitExceededException', 400]] as const) {
      const err = classifyFirehoseError(sdkError(name, status), 'PutRecordBatch');
      expect(err.code).toBe('GW_ERR_SINK_RETRIABLE');
      expect(err.detail['awsCode']).toBe(name);
    }
    expect(classifyFirehoseError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'PutRecordBatch').code).toBe('GW_ERR_SINK_RETRIABLE');
  });

  it('what an operator must fix is fatal, with a Firehose hint', () => {
    const source = classifyFirehoseError(sdkError('InvalidSourceException', 400), 'PutRecordBatch');
    expect(source.code).toBe('GW_ERR_SINK_FATAL');
    expect(String(source.detail['hint'])).toMatch(/--sink kinesis/);
    expect(String(classifyFirehoseError(sdkError('AccessDeniedException', 400), 'PutRecordBatch').detail['hint'])).toMatch(/firehose:PutRecordBatch/);
    expect(classifyFirehoseError(sdkError('ResourceNotFoundException', 400), 'PutRecordBatch').code).toBe('GW_ERR_SINK_FATAL');
    expect(classifyFirehoseError(sdkError('UnrecognizedClientException', 403), 'PutRecordBatch').code).toBe('GW_ERR_SINK_FATAL');
  });

  it('per-record codes: ServiceUnavailableException and InternalFailure are retried, anything else is not', () => {
    expect(isRetriableFirehoseEntryError('ServiceUnavailableException')).toBe(true);
    expect(isRetriableFirehoseEntryError('InternalFailure')).toBe(true);
    expect(isRetriableFirehoseEntryError('ValidationException')).toBe(false);
  });
});

describe('--sink firehose settings', () => {
  it('parses the sink, the delivery stream by name or ARN, and the endpoint variables', () => {
    const loaded = loadConfig(['--sink', 'firehose', '--delivery-stream', 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/readings'], {
      AWS_ENDPOINT_URL_FIREHOSE: 'http://127.0.0.1:4573',
    });
    expect(loaded.kind).toBe('config');
    if (loaded.kind !== 'config') return;
    expect(loaded.config.sink).toBe('firehose');
    expect(loaded.config.firehoseEndpoint).toBe('http://127.0.0.1:4573');
    expect(deliveryStreamName(loaded.config.deliveryStream)).toBe('readings');
    expect(loaded.config.firehoseBytesPerSecond).toBe(5 * 1024 * 1024);
  });

  it('names the setting and the accepted values on bad input', () => {
    expect(() => loadConfig(['--sink', 'sqs'], {})).toThrow(/--sink.*kinesis.*firehose/);
    expect(() => loadConfig(['--delivery-stream', 'bad name'], {})).toThrow(/--delivery-stream/);
  });
});
