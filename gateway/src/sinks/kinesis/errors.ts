import { GatewayError } from '../../../../common/errors.js';

/** Credential and signing failures, the same for every AWS service: an operator must act. */
export const CREDENTIAL_HINTS: Readonly<Record<string, string>> = {
  UnrecognizedClientException: 'the access key is not valid: check the credentials the SDK default chain resolves',
  InvalidSignatureException: 'the request signature is invalid: check the secret key and the system clock',
  ExpiredTokenException: 'the session credentials expired: refresh them (the SDK chain refreshes role credentials itself)',
  ExpiredToken: 'the session credentials expired: refresh them',
  IncompleteSignature: 'the request signature is incomplete: check the credentials',
  MissingAuthenticationToken: 'no credentials were sent: configure the SDK default credential chain',
  CredentialsProviderError: 'no credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or attach a role',
};

/** Kinesis error codes that will not go away by retrying: an operator must act. */
const FATAL_HINTS: Record<string, string> = {
  ...CREDENTIAL_HINTS,
  ResourceNotFoundException: 'the stream does not exist in this account and region: create it or fix --stream/--region',
  AccessDeniedException: 'grant kinesis:PutRecords (and kinesis:DescribeStreamSummary, kinesis:ListShards) on the stream to the gateway role',
  InvalidArgumentException: 'the request was rejected as invalid: check the stream name/ARN and the record size limit',
  ValidationException: 'the request was rejected as invalid: check the stream name/ARN and the record size limit',
  KMSDisabledException: 'the stream KMS key is disabled',
  KMSNotFoundException: 'the stream KMS key was not found',
  KMSInvalidStateException: 'the stream KMS key is in an invalid state',
  KMSAccessDeniedException: 'the gateway role may not use the stream KMS key',
  KMSOptInRequired: 'the account must opt in to KMS',
};

/** Network-level failures: the request may or may not have reached Kinesis, so retrying may duplicate. */
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH',
  'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * Classifies an error thrown by the SDK for a whole request. Retriable: throttling, InternalFailure, 5xx,
 * timeouts, connection failures. Fatal: a missing stream, denied access, invalid arguments, bad credentials.
 */
export function classifyKinesisError(caught: unknown, operation: string): GatewayError {
  return classifyAwsError(caught, operation, FATAL_HINTS);
}

/**
 * The classification above for any AWS service: `fatalHints` names the error codes an operator must act on, with
 * the hint logged and shown by `/readyz`.
 */
export function classifyAwsError(caught: unknown, operation: string, fatalHints: Readonly<Record<string, string>>): GatewayError {
  const e = (caught ?? {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? String(caught);
  const hint = fatalHints[name];
  if (hint !== undefined) {
    return new GatewayError('GW_ERR_SINK_FATAL', `${operation} failed with ${name}: ${message}`, {
      cause: caught,
      detail: { awsCode: name, status, hint },
    });
  }
  const network = e.code !== undefined && NETWORK_CODES.has(e.code);
  const timeout = name === 'TimeoutError' || name === 'AbortError' || name === 'RequestTimeout';
  if (network || timeout || status === undefined || status >= 500 || status === 429 || isThrottle(name)) {
    const awsCode = network ? (e.code as string) : timeout ? 'Timeout' : name;
    return new GatewayError('GW_ERR_SINK_RETRIABLE', `${operation} failed with ${awsCode}: ${message}`, {
      cause: caught,
      detail: { awsCode, status },
    });
  }
  // Any other 4xx: the service says the request itself is wrong, so retrying it unchanged cannot help.
  return new GatewayError('GW_ERR_SINK_FATAL', `${operation} failed with ${name} (HTTP ${status}): ${message}`, {
    cause: caught,
    detail: { awsCode: name, status, hint: 'the service rejected the request; see the message' },
  });
}

export function isThrottle(name: string): boolean {
  return (
    name === 'ProvisionedThroughputExceededException' ||
    name === 'LimitExceededException' ||
    name === 'ThrottlingException' ||
    name === 'KMSThrottlingException' ||
    name === 'ResourceInUseException' ||
    name === 'InternalFailureException' ||
    name === 'InternalFailure' ||
    name === 'ServiceUnavailableException'
  );
}

/** Per-entry error codes inside a 200 response that are worth retrying. */
export function isRetriableEntryError(code: string): boolean {
  return code === 'ProvisionedThroughputExceededException' || code === 'InternalFailure' || isThrottle(code);
}
