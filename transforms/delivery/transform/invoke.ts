/**
 * One transform invocation, the way the Lambda Node.js runtime runs a handler: `(event, context, callback)`, the
 * result taken from the returned promise or from the callback, a timeout, and Lambda's response size limit.
 * Outcomes are classified into Firehose's error codes (Firehose Developer Guide, "Monitor Amazon Data Firehose Using
 * CloudWatch Logs").
 */
import type { Context } from 'aws-lambda';
import { exceedsResponseLimit } from './response.js';
import type { DeliveryTransformEvent } from '../records/records.js';

/** Lambda's callback: `callback(error)` fails the invocation, `callback(null, result)` returns `result`. */
export type TransformCallback = (error?: unknown, result?: unknown) => void;

/**
 * A transform with the Lambda handler signature. `createTransform(...)` from `transforms/lambda/handler.ts` fits as
 * is; an async handler may ignore `context` and `callback`. (A handler typed `FirehoseTransformationHandler` needs
 * a cast: @types/aws-lambda types `subsequenceNumber` as a string, AWS and the runner send a number.)
 */
export type DeliveryTransform = (event: DeliveryTransformEvent, context: Context, callback: TransformCallback) => unknown;

export type InvocationOutcome =
  | { kind: 'response'; response: unknown }
  | { kind: 'error'; code: 'Lambda.FunctionError' | 'Lambda.FunctionTimedOut'; detail: string; cause?: unknown };

export interface InvokeOptions {
  transform: DeliveryTransform;
  /** ARN label of the function; its last segment becomes `context.functionName`. */
  lambdaArn: string;
  timeoutMs: number;
  /** Response limit in bytes (Lambda: 6 MiB). */
  maxResponseBytes: number;
}

function lambdaContext(lambdaArn: string, invocationId: string, deadline: number): Context {
  const functionName = lambdaArn.split(':').pop() ?? 'transform';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: lambdaArn,
    memoryLimitInMB: '128',
    awsRequestId: invocationId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local-delivery-runner',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Runs the transform once; never throws. */
export async function invokeTransform(options: InvokeOptions, event: DeliveryTransformEvent): Promise<InvocationOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const run = new Promise<unknown>((resolve, reject) => {
    const callback: TransformCallback = (error, result) => (error != null ? reject(error) : resolve(result));
    // A synchronous throw is a function error too; `new Promise` turns it into a rejection.
    const returned = options.transform(event, lambdaContext(options.lambdaArn, event.invocationId, deadline), callback);
    if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function') {
      (returned as PromiseLike<unknown>).then(resolve, reject);
    }
    // Otherwise the handler answers through the callback, as a non-async Lambda handler does.
  });
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  try {
    const settled = await Promise.race([run.then((response) => ({ response })), timeout]);
    if (settled === 'timeout') {
      // The abandoned call may still settle later; its result is ignored, as Lambda discards a timed-out run.
      run.catch(() => undefined);
      return { kind: 'error', code: 'Lambda.FunctionTimedOut', detail: `no response within ${options.timeoutMs} ms` };
    }
    if (exceedsResponseLimit(settled.response, options.maxResponseBytes)) {
      return {
        kind: 'error',
        code: 'Lambda.FunctionError',
        detail: `response exceeds Lambda's ${options.maxResponseBytes}-byte limit`,
      };
    }
    return { kind: 'response', response: settled.response };
  } catch (err) {
    return { kind: 'error', code: 'Lambda.FunctionError', detail: describe(err), cause: err };
  } finally {
    clearTimeout(timer);
  }
}
