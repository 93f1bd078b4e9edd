import type { PeerCertificate, TLSSocket } from 'node:tls';
import { isValidDeviceId } from '../ingest/topic.js';

/** What a TLS client certificate says about the device. */
export type CertificateIdentity =
  | { kind: 'none' }
  | { kind: 'device'; deviceId: string; source: 'san' | 'cn' }
  | { kind: 'invalid'; reason: 'certificate_untrusted' | 'certificate_no_device_id'; detail: string };

/**
 * The device id a verified client certificate names. A DNS subjectAltName wins over the subject CN: the first
 * DNS SAN is used when the certificate has one, otherwise the CN. The chosen name must be a valid device id
 * (1-128 of [A-Za-z0-9_.:-]); an unverified certificate (not signed by the configured CA, expired) names no one.
 */
export function certificateIdentity(socket: TLSSocket): CertificateIdentity {
  const cert: PeerCertificate | Record<string, never> = socket.getPeerCertificate();
  if (cert === null || Object.keys(cert).length === 0) return { kind: 'none' };
  if (!socket.authorized) {
    return { kind: 'invalid', reason: 'certificate_untrusted', detail: String(socket.authorizationError ?? 'not verified') };
  }
  const fromSan = firstDnsSan((cert as PeerCertificate).subjectaltname);
  if (fromSan !== undefined) {
    return isValidDeviceId(fromSan)
      ? { kind: 'device', deviceId: fromSan, source: 'san' }
      : { kind: 'invalid', reason: 'certificate_no_device_id', detail: 'the DNS subjectAltName is not a valid device id' };
  }
  const cn = (cert as PeerCertificate).subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  if (typeof name === 'string' && isValidDeviceId(name)) return { kind: 'device', deviceId: name, source: 'cn' };
  return { kind: 'invalid', reason: 'certificate_no_device_id', detail: 'neither a DNS subjectAltName nor the CN is a valid device id' };
}

/** The first `DNS:` entry of Node's comma-separated subjectaltname string. */
export function firstDnsSan(subjectAltName: string | undefined): string | undefined {
  if (subjectAltName === undefined || subjectAltName === '') return undefined;
  for (const part of subjectAltName.split(', ')) {
    if (part.startsWith('DNS:')) return part.slice(4);
  }
  return undefined;
}
