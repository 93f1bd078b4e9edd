import type { AuthenticateError, Client, Subscription } from 'aedes';
import type { ConnectPacket } from 'aedes';
import type { DeviceRegistry } from '../auth/registry.js';
import type { DeviceVerifier, VerifyOutcome } from '../auth/verifier.js';
import { isTidegateError } from '../../../common/errors.js';
import { isValidDeviceId, TELEMETRY_TOPIC_PREFIX } from '../ingest/topic.js';
import type { LoginBackoff } from '../limits/login-backoff.js';
import { PacketGuardError } from '../limits/packet-guard.js';
import type { Logger } from '../../../common/logger.js';
import type { GatewayMetrics } from '../metrics.js';
import { connectionInfo, type ConnectionInfo } from './listeners.js';

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3. */
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** How a session proved who it is. */
export type AuthMethod = 'none' | 'secret' | 'certificate';

export interface Session {
  deviceId: string;
  method: AuthMethod;
  /** The credential tag the secret was checked against (closed when it changes). */
  credentialTag?: string;
  remoteAddress: string;
  transport: string;
}

export interface SessionPolicyOptions {
  auth: 'off' | 'required';
  verifier?: DeviceVerifier;
  registry?: DeviceRegistry;
  certDevices: 'any' | 'registered';
  backoff: LoginBackoff;
  keepaliveMaxS: number;
  maxTopicLevels: number;
  metrics: GatewayMetrics;
  logger: Logger;
}

/** Reasons a publish's topic is refused before it reaches the ingest. */
export type TopicRefusal = 'topic_too_deep' | 'invalid_topic_chars';

const counted = Symbol('tidegate.counted');
type CountedError = AuthenticateError & { [counted]?: true };

function refusal(message: string, returnCode: number): CountedError {
  const err = new Error(message) as CountedError;
  err.returnCode = returnCode;
  err[counted] = true;
  return err;
}

function levels(topic: string): number {
  let n = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++;
  return n;
}

/** NUL is forbidden in MQTT strings [MQTT-1.5.3-2]; U+FFFD is what invalid UTF-8 decodes to [MQTT-1.5.3-1]. */
function hasInvalidChars(topic: string): boolean {
  return topic.includes('\u0000') || topic.includes('\uFFFD');
}

/** Errors aedes and the MQTT parser raise, mapped to bounded reason labels. */
function classify(err: Error): { kind: 'publish' | 'subscribe' | 'connection'; reason: string } | undefined {
  if (err instanceof PacketGuardError) return { kind: 'connection', reason: err.reason };
  const m = err.message;
  if (m === 'connect did not arrive in time') return { kind: 'connection', reason: 'connect_timeout' };
  if (m === 'keep alive timeout') return { kind: 'connection', reason: 'keepalive_timeout' };
  if (m === 'drain timeout') return { kind: 'connection', reason: 'drain_timeout' };
  if (m === 'Client queue limit reached') return { kind: 'connection', reason: 'queue_limit' };
  if (m.startsWith('maxInflightInbound exceeded')) return { kind: 'connection', reason: 'qos2_inflight_limit' };
  if (m === 'unacceptable protocol version') return { kind: 'connection', reason: 'unsupported_protocol' };
  if (m === 'Invalid protocol') return { kind: 'connection', reason: 'protocol_violation' };
  if (m === '# is not allowed in PUBLISH' || m === '+ is not allowed in PUBLISH') return { kind: 'publish', reason: 'wildcard_topic' };
  if (m === 'empty topic not allowed in PUBLISH') return { kind: 'publish', reason: 'empty_topic' };
  if (m.includes('in SUBSCRIBE') || m.includes('to SUBSCRIBE') || m.includes('to UNSUBSCRIBE') || m.includes('in UNSUBSCRIBE')) {
    return { kind: 'subscribe', reason: 'invalid_filter' };
  }
  if (m === 'topic has too many levels') return { kind: 'connection', reason: 'topic_too_deep' };
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || m === 'connection closed' || m === 'socket hang up') {
    return undefined; // the peer went away: not a refusal
  }
  return { kind: 'connection', reason: 'malformed_packet' };
}

/**
 * Who may connect and what a session may do: CONNECT authentication (registry secret or client certificate),
 * keep-alive bounds, subscription authorization, topic checks, and the counting and logging of every refusal by a
 * bounded reason. The broker asks it; it never sees readings.
 */
export interface SessionPolicy {
  preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void;
  authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    callback: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void;
  authorizeSubscribe(client: Client, sub: Subscription, callback: (error: Error | null, sub?: Subscription | null) => void): void;
  /** The session of an authenticated client. */
  sessionOf(client: Client): Session | undefined;
  /** Why a publish topic is refused outright, or undefined. */
  checkPublishTopic(topic: string): TopicRefusal | undefined;
  onClientRegistered(client: Client): void;
  onClientGone(client: Client): void;
  onError(client: Client, err: Error): void;
  /** Open sessions by device id. */
  readonly sessions: number;
}

export function createSessionPolicy(options: SessionPolicyOptions): SessionPolicy {
  const { metrics, logger, backoff } = options;
  const required = options.auth === 'required';
  const sessions = new WeakMap<Client, Session>();
  const live = new Map<string, Client>();
  const settled = new WeakSet<Client>();

  function infoOf(client: Client): ConnectionInfo {
    return connectionInfo(client.conn) ?? { transport: 'tcp', remoteAddress: 'unknown', certificate: { kind: 'none' } };
  }

  function refuse(
    client: Client,
    info: ConnectionInfo,
    reason: string,
    returnCode: number,
    callback: (error: AuthenticateError | null, success: boolean | null) => void,
    failure: boolean,
  ): void {
    settled.add(client);
    metrics.connectionsRefused.inc({ reason });
    if (failure && required) backoff.recordFailure(info.remoteAddress);
    // The client id is logged (it is an id, not a credential); the username and password never are.
    logger.info({ clientId: client.id, remoteAddress: info.remoteAddress, transport: info.transport, reason }, 'connection refused');
    callback(refusal(`connection refused: ${reason}`, returnCode), false);
  }

  function admit(client: Client, info: ConnectionInfo, session: Session, callback: (error: AuthenticateError | null, success: boolean | null) => void): void {
    if (client.closed) return;
    if (required) backoff.recordSuccess(info.remoteAddress);
    const previous = live.get(session.deviceId);
    if (previous !== undefined && previous !== client) {
      const before = sessions.get(previous);
      metrics.sessionTakeovers.inc();
      logger.info(
        { deviceId: session.deviceId, previousRemoteAddress: before?.remoteAddress, remoteAddress: session.remoteAddress, transport: session.transport },
        'session takeover: a new connection with this device id replaces the open one',
      );
    }
    sessions.set(client, session);
    callback(null, true);
  }

  function closeSession(client: Client, reason: string): void {
    const session = sessions.get(client);
    metrics.connectionsDropped.inc({ reason });
    settled.add(client);
    logger.info({ deviceId: session?.deviceId, remoteAddress: session?.remoteAddress, reason }, 'closing session');
    client.close();
  }

  // Credentials changed on disk (rotate, revoke): sessions that proved an older credential are closed.
  options.registry?.onChange(() => {
    for (const [deviceId, client] of live) {
      const session = sessions.get(client);
      if (session === undefined) continue;
      if (session.method === 'secret' && options.verifier?.credentialTag(deviceId) !== session.credentialTag) {
        closeSession(client, 'credentials_changed');
      } else if (session.method === 'certificate') {
        const record = options.registry?.get(deviceId);
        const revoked = record?.revokedAt !== undefined || (options.certDevices === 'registered' && record === undefined);
        if (revoked) closeSession(client, 'credentials_changed');
      }
    }
  });

  return {
    get sessions() {
      return live.size;
    },
    preConnect(_client, packet, callback) {
      // MQTT 3.1.1 cannot tell the device another keep-alive; the gateway enforces its bound (1.5x, [MQTT-3.1.2-24]).
      const keepalive = packet.keepalive ?? 0;
      if (keepalive === 0 || keepalive > options.keepaliveMaxS) packet.keepalive = options.keepaliveMaxS;
      callback(null, true);
    },

    authenticate(client, username, password, callback) {
      const info = infoOf(client);
      const id = client.id;
      if (!isValidDeviceId(id)) {
        refuse(client, info, 'invalid_client_id', IDENTIFIER_REJECTED, callback, true);
        return;
      }
      if (!required) {
        // Local mode: the identity is the client id, as Mosquitto's anonymous local listener would have it.
        admit(client, info, { deviceId: id, method: 'none', remoteAddress: info.remoteAddress, transport: info.transport }, callback);
        return;
      }
      const cert = info.certificate;
      if (cert.kind === 'invalid') {
        refuse(client, info, cert.reason, NOT_AUTHORIZED, callback, true);
        return;
      }
      if (cert.kind === 'device') {
        if (id !== cert.deviceId || (username !== undefined && username !== cert.deviceId)) {
          refuse(client, info, 'client_id_mismatch', IDENTIFIER_REJECTED, callback, true);
          return;
        }
        const registry = options.registry;
        const check = registry === undefined ? Promise.resolve() : registry.refresh();
        void check.then(() => {
          const record = registry?.get(id);
          if (record?.revokedAt !== undefined) return refuse(client, info, 'revoked', NOT_AUTHORIZED, callback, true);
          if (options.certDevices === 'registered' && record === undefined) {
            return refuse(client, info, 'unknown_device', NOT_AUTHORIZED, callback, true);
          }
          admit(client, info, { deviceId: id, method: 'certificate', remoteAddress: info.remoteAddress, transport: info.transport }, callback);
        });
        return;
      }
      if (username === undefined || password === undefined || password.length === 0) {
        refuse(client, info, 'no_credentials', NOT_AUTHORIZED, callback, true);
        return;
      }
      if (username !== id) {
        refuse(client, info, 'client_id_mismatch', IDENTIFIER_REJECTED, callback, true);
        return;
      }
      const verifier = options.verifier;
      if (verifier === undefined) {
        refuse(client, info, 'unknown_device', BAD_USERNAME_OR_PASSWORD, callback, true);
        return;
      }
      verifier.check(id, password).then(
        (outcome: VerifyOutcome) => {
          if (outcome === 'ok') {
            const tag = verifier.credentialTag(id);
            admit(client, info, { deviceId: id, method: 'secret', ...(tag === undefined ? {} : { credentialTag: tag }), remoteAddress: info.remoteAddress, transport: info.transport }, callback);
          } else if (outcome === 'auth_overloaded') {
            refuse(client, info, outcome, SERVER_UNAVAILABLE, callback, false);
          } else {
            // The device learns only "bad user name or password", whatever the cause.
            refuse(client, info, outcome, BAD_USERNAME_OR_PASSWORD, callback, true);
          }
        },
        (err: unknown) => {
          logger.error({ err: (err as Error).message }, 'credential check failed');
          refuse(client, info, 'auth_error', SERVER_UNAVAILABLE, callback, false);
        },
      );
    },

    authorizeSubscribe(client, sub, callback) {
      const session = sessions.get(client);
      const topic = sub.topic;
      let reason: string | undefined;
      if (session === undefined) reason = 'not_authorized';
      else if (levels(topic) > options.maxTopicLevels) reason = 'topic_too_deep';
      else if (hasInvalidChars(topic)) reason = 'invalid_topic_chars';
      else {
        const commands = `${TELEMETRY_TOPIC_PREFIX}${session.deviceId}/commands`;
        if (topic !== commands && !topic.startsWith(commands + '/')) reason = 'not_authorized';
      }
      if (reason === undefined) {
        callback(null, sub);
        return;
      }
      metrics.subscriptionsRefused.inc({ reason });
      logger.info({ deviceId: session?.deviceId, topic: topic.slice(0, 256), reason }, 'subscription refused');
      callback(null, null); // SUBACK 0x80 for this filter; the connection stays
    },

    sessionOf(client) {
      return sessions.get(client);
    },

    checkPublishTopic(topic) {
      if (levels(topic) > options.maxTopicLevels) return 'topic_too_deep';
      if (hasInvalidChars(topic)) return 'invalid_topic_chars';
      return undefined;
    },

    onClientRegistered(client) {
      const session = sessions.get(client);
      if (session !== undefined) live.set(session.deviceId, client);
    },

    onClientGone(client) {
      const session = sessions.get(client);
      if (session !== undefined && live.get(session.deviceId) === client) live.delete(session.deviceId);
    },

    onError(client, err) {
      // Refusals the policy or the broker already counted (authentication, publish authorization).
      if (settled.has(client) || (err as CountedError)[counted] === true || isTidegateError(err, 'GW_ERR_NOT_AUTHORIZED')) return;
      const c = classify(err);
      if (c === undefined) return;
      settled.add(client);
      const session = sessions.get(client);
      if (c.kind === 'publish') metrics.publishesRefused.inc({ reason: c.reason });
      else if (c.kind === 'subscribe') metrics.subscriptionsRefused.inc({ reason: c.reason });
      else if (session === undefined) {
        metrics.connectionsRefused.inc({ reason: c.reason });
        if (required) backoff.recordFailure(infoOf(client).remoteAddress);
      } else metrics.connectionsDropped.inc({ reason: c.reason });
      logger.info(
        { deviceId: session?.deviceId, remoteAddress: infoOf(client).remoteAddress, reason: c.reason, err: err.message.slice(0, 200) },
        session === undefined ? 'connection refused' : 'connection closed',
      );
    },
  };
}
