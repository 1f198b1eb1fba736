// Outbound HTTP for webhooks and Slack: POST only, no redirects followed, a time limit on the
// whole exchange, a cap on the response read, and (unless allowed) no loopback, private,
// link-local or multicast destinations — checked on the address actually connected to, so a DNS
// answer cannot point a request back into the console's own network.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

const blocked = new net.BlockList();
for (const [addr, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) blocked.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) blocked.addSubnet(addr, prefix, 'ipv6');

/** True for loopback, private, link-local, multicast and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export class OutboundError extends Error {}

export interface OutboundOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  maxResponseBytes?: number;
}

export interface OutboundResult {
  status: number;
  ms: number;
}

/** Checks the URL's form (http/https, a host); the address is checked when connecting. */
export function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundError('not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundError('only http and https URLs are allowed');
  if (!url.hostname) throw new OutboundError('the URL has no host');
  return url;
}

function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, cb: (...args: unknown[]) => void) => {
    dns.lookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return cb(err);
      const list = addresses as dns.LookupAddress[];
      if (!allowPrivate && list.some((a) => isPrivateAddress(a.address))) {
        return cb(new OutboundError(`${hostname} resolves to a private or loopback address; refused`));
      }
      if (list.length === 0) return cb(new OutboundError(`${hostname} has no address`));
      if (options.all) cb(null, list);
      else cb(null, list[0].address, list[0].family);
    });
  }) as unknown as net.LookupFunction;
}

/** POSTs `body`; resolves with the status (any status: the caller decides), rejects on network errors. */
export function postJson(rawUrl: string, body: string, headers: Record<string, string>, opts: OutboundOptions): Promise<OutboundResult> {
  const started = Date.now();
  const maxBytes = opts.maxResponseBytes ?? 64 * 1024;
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = checkUrl(rawUrl);
    } catch (err) {
      return reject(err);
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (net.isIP(host) && !opts.allowPrivate && isPrivateAddress(host)) {
      return reject(new OutboundError(`${host} is a private or loopback address; refused`));
    }
    const lib = url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (err: Error | null, status?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve({ status: status!, ms: Date.now() - started });
    };
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'UsageConsole-Webhooks/1', ...headers },
        lookup: guardedLookup(opts.allowPrivate),
        agent: false,
      },
      (res) => {
        // A redirect is an answer like any other non-2xx: never followed.
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > maxBytes) {
            res.destroy();
            finish(null, res.statusCode ?? 0);
          }
        });
        res.on('end', () => finish(null, res.statusCode ?? 0));
        res.on('error', (err) => finish(err));
        res.on('close', () => finish(null, res.statusCode ?? 0));
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new OutboundError(`no answer within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err) => finish(err));
    req.end(body);
  });
}
