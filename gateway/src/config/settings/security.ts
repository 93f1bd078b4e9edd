/**
 * The gateway's security settings (README "Security": authentication, TLS, WebSocket listeners, the HTTP token)
 * and its limits (README "Security" → limits table). How they combine is checked in `auth/settings.ts`.
 */
import { section, setting } from '../../../../common/settings/index.js';
import { PORT } from './general.js';

const FILE = { placeholder: 'path' } as const;

export const SECURITY_SETTINGS = section('Security (authentication, TLS, WebSocket, HTTP token)', {
  auth: setting.oneOf(['off', 'required'], {
    flag: 'auth', env: 'TIDEGATE_AUTH', defaultText: 'required in cloud mode, off in local mode',
    help:
      'Device authentication. required: every device presents its registry secret or a client certificate. ' +
      'off: the device id is the client id, no credentials (only allowed while every listener is on loopback). ' +
      'Unset: required in cloud mode, off in local mode.',
  }),
  devicesFile: setting.string({
    flag: 'devices-file', env: 'TIDEGATE_DEVICES_FILE', ...FILE, defaultText: '<data-dir>/devices.json',
    help: 'Device registry (ids, scrypt-hashed secrets, metadata), managed with `npm run devices`. Unset: <data-dir>/devices.json.',
  }),
  authCacheSize: setting.integer({
    flag: 'auth-cache-size', env: 'TIDEGATE_AUTH_CACHE_SIZE', default: 10_000, min: 0, max: 10_000_000,
    help: 'Successful secret verifications remembered (LRU), so reconnect storms do not rerun scrypt; 0 disables.',
  }),
  tlsHost: setting.host({
    flag: 'tls-host', env: 'TIDEGATE_TLS_HOST', defaultText: '--mqtt-host', help: 'Address of the MQTT-over-TLS listener. Unset: --mqtt-host.',
  }),
  tlsPort: setting.integer({
    flag: 'tls-port', env: 'TIDEGATE_TLS_PORT', default: 8883, ...PORT,
    help: 'MQTT-over-TLS port; the listener runs when --tls-cert and --tls-key are set.',
  }),
  tlsCert: setting.string({
    flag: 'tls-cert', env: 'TIDEGATE_TLS_CERT', ...FILE, help: 'Server certificate chain (PEM file) for the TLS and wss listeners.',
  }),
  tlsKey: setting.string({ flag: 'tls-key', env: 'TIDEGATE_TLS_KEY', ...FILE, help: 'Private key (PEM file) of --tls-cert.' }),
  tlsCa: setting.string({
    flag: 'tls-ca', env: 'TIDEGATE_TLS_CA', ...FILE,
    help: 'CA bundle (PEM file) that signs device certificates; when set, devices may authenticate with a client certificate.',
  }),
  tlsClientCert: setting.oneOf(['optional', 'required'], {
    flag: 'tls-client-cert', env: 'TIDEGATE_TLS_CLIENT_CERT', default: 'optional',
    help: 'optional: TLS devices present a certificate or a secret. required: the TLS handshake fails without a certificate signed by --tls-ca.',
  }),
  tlsCertDevices: setting.oneOf(['any', 'registered'], {
    flag: 'tls-cert-devices', env: 'TIDEGATE_TLS_CERT_DEVICES', default: 'any',
    help: 'any: a valid certificate admits its device unless the registry lists it as revoked. registered: the device must also be in the registry, unrevoked.',
  }),
  ws: setting.oneOf(['off', 'on'], {
    flag: 'ws', env: 'TIDEGATE_WS', default: 'off', help: 'MQTT over WebSocket (subprotocol mqtt) on --ws-port.',
  }),
  wsHost: setting.host({
    flag: 'ws-host', env: 'TIDEGATE_WS_HOST', defaultText: '--mqtt-host', help: 'Address of the WebSocket listener. Unset: --mqtt-host.',
  }),
  wsPort: setting.integer({ flag: 'ws-port', env: 'TIDEGATE_WS_PORT', default: 8083, ...PORT, help: 'MQTT-over-WebSocket port.' }),
  wss: setting.oneOf(['off', 'on'], {
    flag: 'wss', env: 'TIDEGATE_WSS', default: 'off',
    help: 'MQTT over secure WebSocket on --wss-port, with the TLS settings (needs --tls-cert and --tls-key).',
  }),
  wssHost: setting.host({
    flag: 'wss-host', env: 'TIDEGATE_WSS_HOST', defaultText: '--mqtt-host',
    help: 'Address of the secure WebSocket listener. Unset: --mqtt-host.',
  }),
  wssPort: setting.integer({ flag: 'wss-port', env: 'TIDEGATE_WSS_PORT', default: 8084, ...PORT, help: 'MQTT-over-secure-WebSocket port.' }),
  httpToken: setting.string({
    flag: 'http-token', env: 'TIDEGATE_HTTP_TOKEN', placeholder: 'token',
    help:
      'Operator token (at least 16 characters): every HTTP endpoint except /healthz and the device ingest requires ' +
      '"Authorization: Bearer <token>", and the operator API (POST /v1/devices/{id}/commands) refuses every request without it.',
  }),
  httpTokenFile: setting.string({
    flag: 'http-token-file', env: 'TIDEGATE_HTTP_TOKEN_FILE', placeholder: 'path',
    help: 'File holding the HTTP token (first line), instead of --http-token.',
  }),
});

export const LIMIT_SETTINGS = section('Limits', {
  maxConnections: setting.integer({
    flag: 'max-connections', env: 'TIDEGATE_MAX_CONNECTIONS', default: 100_000, min: 1, max: 10_000_000,
    help: 'Open device connections across all MQTT listeners; further connections are closed at once.',
  }),
  connectTimeoutMs: setting.integer({
    flag: 'connect-timeout-ms', env: 'TIDEGATE_CONNECT_TIMEOUT_MS', default: 10_000, min: 100, max: 300_000, unit: 'ms',
    help: 'A connection that has not sent CONNECT by then is closed (counts as a failed login for the backoff).',
  }),
  keepaliveMaxS: setting.integer({
    flag: 'keepalive-max-s', env: 'TIDEGATE_KEEPALIVE_MAX_S', default: 1200, min: 1, max: 65535, unit: 's',
    help: 'Largest keep-alive honoured; a device asking for 0 (none) or more gets this one (closed after 1.5x of it without traffic).',
  }),
  maxPacketBytes: setting.integer({
    flag: 'max-packet-bytes', env: 'TIDEGATE_MAX_PACKET_BYTES', default: 256 * 1024, min: 1024, max: 268_435_460, unit: 'bytes',
    help: 'Largest MQTT packet; a larger length field closes the connection before its body is buffered. Raised to --max-payload-bytes + 4096 if lower.',
  }),
  maxTopicLevels: setting.integer({
    flag: 'max-topic-levels', env: 'TIDEGATE_MAX_TOPIC_LEVELS', default: 8, min: 3, max: 100,
    help: 'Deepest topic (levels) in a publish or subscription.',
  }),
  deviceMessagesPerSecond: setting.integer({
    flag: 'device-messages-per-second', env: 'TIDEGATE_DEVICE_MESSAGES_PER_SECOND', min: 0, max: 1_000_000,
    defaultText: '100 in cloud mode, unlimited in local mode',
    help: 'Publishes per second per device (one second of burst); a faster device is slowed down, not dropped. 0: unlimited. Unset: 100 in cloud mode, unlimited in local mode.',
  }),
  deviceBytesPerSecond: setting.integer({
    flag: 'device-bytes-per-second', env: 'TIDEGATE_DEVICE_BYTES_PER_SECOND', min: 0, max: 10_000_000_000, unit: 'bytes',
    defaultText: '524288 in cloud mode, unlimited in local mode',
    help: 'Publish bytes (payload + topic) per second per device, like --device-messages-per-second. Unset: 524288 in cloud mode, unlimited in local mode.',
  }),
  loginBackoffBaseMs: setting.integer({
    flag: 'login-backoff-base-ms', env: 'TIDEGATE_LOGIN_BACKOFF_BASE_MS', default: 1000, min: 0, max: 600_000, unit: 'ms',
    help: 'After --login-backoff-after failed logins from one address, its connections are refused for this long, doubling per further failure. 0 disables.',
  }),
  loginBackoffMaxMs: setting.integer({
    flag: 'login-backoff-max-ms', env: 'TIDEGATE_LOGIN_BACKOFF_MAX_MS', default: 60_000, min: 0, max: 3_600_000, unit: 'ms',
    help: 'Longest failed-login backoff.',
  }),
  loginBackoffAfter: setting.integer({
    flag: 'login-backoff-after', env: 'TIDEGATE_LOGIN_BACKOFF_AFTER', default: 3, min: 0, max: 1000,
    help: 'Consecutive failed logins an address may have before the backoff starts.',
  }),
  drainTimeoutMs: setting.integer({
    flag: 'drain-timeout-ms', env: 'TIDEGATE_DRAIN_TIMEOUT_MS', default: 30_000, min: 0, max: 600_000, unit: 'ms',
    help: 'A device that reads nothing of what the gateway sends it for this long is disconnected (0: never).',
  }),
});
