/**
 * Limits of the Firehose → Lambda contract, from the AWS docs (summarised in common/aws/README.md §5).
 */

/**
 * Lambda synchronous invocation: 6 MB for the request and 6 MB for the response, base64 and JSON overhead included
 * (Firehose Developer Guide, "Transform source data in Amazon Data Firehose"). Lambda enforces 6 MiB (6,291,456
 * bytes); we keep under the decimal 6,000,000 so a few bytes of runtime framing or a miscount never decide the
 * outcome.
 */
export const MAX_RESPONSE_BYTES = 6_000_000;

/**
 * Latest `receivedAt` accepted: 9999-12-31T23:59:59.999Z. Past it `toISOString` switches to a 6-digit year
 * ("+010000-…") and the yyyy partition key would no longer be 4 digits.
 */
export const MAX_RECEIVED_AT_MS = 253_402_300_799_999;
