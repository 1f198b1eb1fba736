// A real HTTP receiver on loopback for the webhook tests: verifies every signature with the
// standardwebhooks package and answers with the statuses a test scripts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, any> };
  verified: boolean;
  headers: http.IncomingHttpHeaders;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** statuses to answer in order; when exhausted, `fallback` */
  script: number[];
  fallback: number;
  secret: string | null;
  /** answer after this many ms (makes concurrent workers overlap) */
  delayMs: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = { url: '', received: [], script: [], fallback: 200, secret: null, delayMs: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      let verified = false;
      try {
        if (r.secret) {
          new Webhook(r.secret).verify(body, req.headers as Record<string, string>);
          verified = true;
        }
      } catch {
        verified = false;
      }
      const status = r.script.length ? r.script.shift()! : r.fallback;
      // Only 2xx answers count as received deliveries; failed ones are retried.
      if (status >= 200 && status < 300) r.received.push({ id: String(req.headers['webhook-id']), body, payload: JSON.parse(body), verified, headers: req.headers });
      setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end('ok'), r.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return r;
}
