// A local SMTP server for tests that send mail: it listens on a free loopback port, keeps every
// message it receives (envelope recipients and the raw message), and decodes MIME parts.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Mail {
  /** envelope recipients */
  to: string[];
  /** the whole message as received (headers and body) */
  raw: string;
}

export interface LocalSmtp {
  /** every message received, oldest first */
  inbox: Mail[];
  /** `smtp://127.0.0.1:<port>`, for SMTP_URL */
  url: string;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<LocalSmtp> {
  const inbox: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { inbox, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The decoded body of the MIME part whose headers match `headerRe` (null when there is none). */
export function mimePart(raw: string, headerRe: RegExp): string | null {
  const boundaries = [...raw.matchAll(/boundary="?([^";\r\n]+)"?/g)].map((m) => m[1]);
  for (const b of boundaries) {
    for (const part of raw.split(`--${b}`)) {
      const [head, ...rest] = part.split(/\r?\n\r?\n/);
      if (!headerRe.test(head) || /boundary=/.test(head)) continue;
      return decodeBody(head, rest.join('\n\n').trim());
    }
  }
  return null;
}

/** The text of a single-part message (headers dropped, transfer encoding undone). */
export function textOf(raw: string): string {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  return decodeBody(head, rest.join('\n\n').trim());
}

/** The decoded Subject header (RFC 2047 encoded words joined). */
export function subjectOf(raw: string): string {
  const m = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw);
  if (!m) return '';
  return m[1]
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_h, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}

function decodeBody(head: string, body: string): string {
  if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return body;
}
