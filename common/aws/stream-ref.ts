/**
 * A stream is addressed by name or by ARN (`arn:aws:kinesis:region:account:stream/name`). AWS accepts either
 * or both; kinesalite requires the name, so with an ARN both are sent.
 */
const ARN = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([a-zA-Z0-9_.-]{1,128})$/;

function isStreamArn(stream: string): boolean {
  return ARN.test(stream);
}

export function streamName(stream: string): string {
  return ARN.exec(stream)?.[1] ?? stream;
}

export function streamTarget(stream: string): { StreamName: string; StreamARN?: string } {
  return isStreamArn(stream) ? { StreamName: streamName(stream), StreamARN: stream } : { StreamName: stream };
}
