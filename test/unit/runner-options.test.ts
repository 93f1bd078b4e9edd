import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { isTidegateError } from '../../common/errors.js';
import { startDeliveryRunner, type DeliveryRunnerOptions } from '../../transforms/delivery/index.js';
import { checkOptions } from '../../transforms/delivery/options.js';

// Never called: every case fails validation before the first request.
const unused = new Proxy({}, { get: () => { throw new Error('no request expected'); } });
const base: DeliveryRunnerOptions = { kinesis: unused as KinesisClient, s3: unused as S3Client, stream: 'telemetry', bucket: 'telemetry-archive' };

const code = (options: Partial<DeliveryRunnerOptions>): string | undefined => {
  try {
    checkOptions({ ...base, ...options });
    return undefined;
  } catch (err) {
    return isTidegateError(err) ? `${err.code} ${String(err.detail['setting'])}` : String(err);
  }
};

describe('delivery runner options', () => {
  it('accepts the defaults and the AWS ranges', () => {
    expect(code({})).toBeUndefined();
    expect(code({ bufferSizeMB: 128, bufferIntervalS: 900, processorBufferSizeMB: 3, processorBufferIntervalS: 0, numberOfRetries: 300 })).toBeUndefined();
    expect(code({ stream: 'arn:aws:kinesis:eu-west-1:123456789012:stream/telemetry', compression: 'GZIP', startingPosition: 'LATEST' })).toBeUndefined();
  });

  it('refuses values outside the Firehose ranges with TG_ERR_DELIVERY_CONFIG and the setting name', () => {
    expect(code({ bufferSizeMB: 0 })).toBe('TG_ERR_DELIVERY_CONFIG bufferSizeMB');
    expect(code({ bufferSizeMB: 129 })).toBe('TG_ERR_DELIVERY_CONFIG bufferSizeMB');
    expect(code({ bufferIntervalS: 901 })).toBe('TG_ERR_DELIVERY_CONFIG bufferIntervalS');
    expect(code({ processorBufferSizeMB: 3.5 })).toBe('TG_ERR_DELIVERY_CONFIG processorBufferSizeMB');
    expect(code({ numberOfRetries: 1.5 })).toBe('TG_ERR_DELIVERY_CONFIG numberOfRetries');
    expect(code({ numberOfRetries: 301 })).toBe('TG_ERR_DELIVERY_CONFIG numberOfRetries');
    expect(code({ invocationTimeoutMs: 300_001 })).toBe('TG_ERR_DELIVERY_CONFIG invocationTimeoutMs');
    expect(code({ deliveryStreamName: 'has space' })).toBe('TG_ERR_DELIVERY_CONFIG deliveryStreamName');
    expect(code({ deliveryStreamVersion: 0 })).toBe('TG_ERR_DELIVERY_CONFIG deliveryStreamVersion');
    expect(code({ compression: 'ZIP' as never })).toBe('TG_ERR_DELIVERY_CONFIG compression');
    expect(code({ startingPosition: 'AT_TIMESTAMP' as never })).toBe('TG_ERR_DELIVERY_CONFIG startingPosition');
    expect(code({ bucket: '' })).toBe('TG_ERR_DELIVERY_CONFIG bucket');
  });

  it('startDeliveryRunner fails fast, before any request, on a bad prefix or a partition key without a transform', async () => {
    const prefixErr = await startDeliveryRunner({ ...base, prefix: '!{nope}' }).catch((e: unknown) => e);
    expect(isTidegateError(prefixErr, 'TG_ERR_DELIVERY_PREFIX')).toBe(true);
    const errorPrefixErr = await startDeliveryRunner({ ...base, errorOutputPrefix: 'errors/' }).catch((e: unknown) => e);
    expect(isTidegateError(errorPrefixErr, 'TG_ERR_DELIVERY_PREFIX')).toBe(true);
    const noTransform = await startDeliveryRunner({ ...base, prefix: '!{partitionKeyFromLambda:deviceType}/' }).catch((e: unknown) => e);
    expect(isTidegateError(noTransform, 'TG_ERR_DELIVERY_CONFIG')).toBe(true);
  });
});
