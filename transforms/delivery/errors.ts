/**
 * The delivery runner's errors: the `TG_ERR_DELIVERY_*` codes of the one table in `common/errors.ts`.
 *
 * Record-level problems are never errors: they become error-output records with a Firehose `errorCode`
 * (`Lambda.FunctionError`, …). These are for the runner itself: configuration, checkpoint, source, lifecycle.
 */
import { TidegateError, type ErrorCodeOf } from '../../common/errors.js';

export type DeliveryErrorCode = ErrorCodeOf<'delivery'>;

export class DeliveryError extends TidegateError<DeliveryErrorCode> {
  override name = 'DeliveryError';
}
