/** Errors in the AWS JSON 1.1 shape, and the naming constants they mention. */

/** Account id used in ARNs and error messages (kinesalite uses the same one). */
export const ACCOUNT_ID = '000000000000';
export const REGION = 'us-east-1';

/**
 * An error to be answered as `HTTP <statusCode>` with body `{"__type": code, "message": message}`.
 * The SDK turns `__type` into the exception name (e.g. `ResourceNotFoundException`).
 */
export class KinesisApiError extends Error {
  readonly code: string;
  readonly statusCode: number;

  constructor(code: string, message: string, statusCode = 400) {
    super(message);
    this.name = 'KinesisApiError';
    this.code = code;
    this.statusCode = statusCode;
  }
}

export function streamNotFound(streamName: string): KinesisApiError {
  return new KinesisApiError('ResourceNotFoundException', `Stream ${streamName} under account ${ACCOUNT_ID} not found.`);
}

export function invalidArgument(message: string): KinesisApiError {
  return new KinesisApiError('InvalidArgumentException', message);
}

/** The message AWS uses for per-shard throttling. */
export function rateExceededMessage(shardId: string, streamName: string): string {
  return `Rate exceeded for shard ${shardId} in stream ${streamName} under account ${ACCOUNT_ID}.`;
}

/** The per-entry InternalFailure message (casing differs between AWS pages; this is the example's). */
export const INTERNAL_FAILURE_MESSAGE = 'Internal service failure.';

/**
 * Collects model-constraint violations and turns them into one ValidationException, formatted like AWS:
 * `2 validation errors detected: Value '…' at 'records.1.member.partitionKey' failed to satisfy constraint: …`.
 */
export class ValidationErrors {
  private readonly messages: string[] = [];

  add(value: string | null, path: string, constraint: string): void {
    // AWS reports at most 10 violations.
    if (this.messages.length >= 10) return;
    const shown = value === null ? 'null' : `'${value}'`;
    this.messages.push(`Value ${shown} at '${path}' failed to satisfy constraint: Member must ${constraint}`);
  }

  get empty(): boolean {
    return this.messages.length === 0;
  }

  throwIfAny(): void {
    const n = this.messages.length;
    if (n === 0) return;
    throw new KinesisApiError(
      'ValidationException',
      `${n} validation error${n > 1 ? 's' : ''} detected: ${this.messages.join('; ')}`,
    );
  }
}
