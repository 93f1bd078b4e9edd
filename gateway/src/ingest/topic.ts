/**
 * The topic contract: devices publish readings to `devices/{deviceId}/telemetry`.
 * Device ids follow AWS IoT thing-name rules (1-128 of [a-zA-Z0-9_.:-]); they become Kinesis partition keys
 * (1-256 characters) and S3 key parts, so anything else is refused at CONNECT.
 */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

export function isValidDeviceId(id: string): boolean {
  return DEVICE_ID_PATTERN.test(id);
}

export const TELEMETRY_TOPIC_PREFIX = 'devices/';
export const TELEMETRY_TOPIC_SUFFIX = '/telemetry';

/** Returns the device id named by a telemetry topic, or `undefined` when the topic is not a telemetry topic. */
export function parseTelemetryTopic(topic: string): string | undefined {
  if (!topic.startsWith(TELEMETRY_TOPIC_PREFIX) || !topic.endsWith(TELEMETRY_TOPIC_SUFFIX)) return undefined;
  const id = topic.slice(TELEMETRY_TOPIC_PREFIX.length, topic.length - TELEMETRY_TOPIC_SUFFIX.length);
  return isValidDeviceId(id) ? id : undefined;
}

export function telemetryTopic(deviceId: string): string {
  return `${TELEMETRY_TOPIC_PREFIX}${deviceId}${TELEMETRY_TOPIC_SUFFIX}`;
}
