/**
 * Firehose S3 object names (reference §4.3):
 * `<evaluated prefix><DeliveryStreamName>-<DeliveryStreamVersion>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><extension>`,
 * the time in UTC from the approximate arrival time of the oldest record in the object (§4.4).
 */
import { compileTimestampPattern, formatTimestamp } from './prefix.js';

export type Compression = 'UNCOMPRESSED' | 'GZIP';

/**
 * File extension per compression format. UNCOMPRESSED has none (§4.3). For GZIP the default extension is ❓ (§7.4);
 * the runner writes `.gz`, what every gzip tool expects, and documents it.
 */
export const COMPRESSION_EXTENSION: Readonly<Record<Compression, string>> = { UNCOMPRESSED: '', GZIP: '.gz' };

const NAME_TIME = compileTimestampPattern('yyyy-MM-dd-HH-mm-ss');

export interface ObjectKeyParts {
  /** The evaluated prefix, used as is (no `/` inserted, §4.3). */
  prefix: string;
  deliveryStreamName: string;
  deliveryStreamVersion: number;
  /** Epoch ms of the oldest record's approximate arrival. */
  timestamp: number;
  uuid: string;
  /** Extension including its dot, or ''. */
  extension: string;
}

export function objectKey(p: ObjectKeyParts): string {
  return `${p.prefix}${p.deliveryStreamName}-${p.deliveryStreamVersion}-${formatTimestamp(NAME_TIME, p.timestamp)}-${p.uuid}${p.extension}`;
}
