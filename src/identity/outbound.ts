// Outbound requests to identity providers (discovery, JWKS, token, userinfo): HTTPS to public
// addresses only, so an issuer URL typed into the settings form cannot reach the console's own
// network. SSO_ALLOW_PRIVATE_ISSUERS=1 lifts both rules (tests run the IdP on loopback).
import dns from 'node:dns/promises';
import net from 'node:net';
import type { Config } from '../config';

export class OutboundRefused extends Error {}

/** True for loopback, private, link-local, CGNAT, unique-local, multicast and unspecified addresses. */
export function isPrivateAddress(ip: string): boolean {
  const v4 = net.isIPv4(ip) ? ip : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (v4) {
    const [a, b] = v4.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224;
  }
  const low = ip.toLowerCase();
  return low === '::' || low === '::1' || /^f[cd]/.test(low) || /^fe[89ab]/.test(low) || low.startsWith('ff');
}

export function allowsPrivate(config: Config): boolean {
  return config.SSO_ALLOW_PRIVATE_ISSUERS === '1';
}

/** Throws OutboundRefused unless `url` may be fetched under the configuration. */
export async function checkOutbound(config: Config, url: URL): Promise<void> {
  if (allowsPrivate(config)) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRefused(`Only http(s) URLs can be used (got ${url.protocol}).`);
    return;
  }
  if (url.protocol !== 'https:') throw new OutboundRefused('The identity provider must be reached over https.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new OutboundRefused(`The host ${host} could not be resolved.`);
  const bad = addresses.find(isPrivateAddress);
  if (bad) throw new OutboundRefused(`The host ${host} resolves to a private or loopback address (${bad}); single sign-on only reaches public identity providers.`);
}

/** fetch with the address check before every request (openid-client's customFetch). */
export function guardedFetch(config: Config) {
  return async (url: string, options: { method: string; headers: Record<string, string>; body?: unknown; redirect: 'manual'; signal?: AbortSignal | null }): Promise<Response> => {
    await checkOutbound(config, new URL(url));
    return fetch(url, { ...(options as RequestInit), redirect: 'manual', signal: options.signal ?? AbortSignal.timeout(10_000) });
  };
}
