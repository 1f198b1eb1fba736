// A cookie-keeping HTTP client for flows that cross origins (the console and the identity
// provider): follows redirects by hand so a test can read or tamper with each hop.
export interface Hop {
  status: number;
  url: string;
  location: string | null;
  text: string;
}

export class FlowClient {
  private jars = new Map<string, Map<string, string>>();

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Hop> {
    const u = new URL(url);
    const jar = this.jars.get(u.origin) ?? new Map<string, string>();
    this.jars.set(u.origin, jar);
    const headers: Record<string, string> = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const location = res.headers.get('location');
    return { status: res.status, url, location: location ? new URL(location, url).href : null, text: await res.text() };
  }

  /** Follows redirects from `url` until `stop(nextUrl)` is true (that URL is returned, not fetched) or a non-redirect answer. */
  async follow(url: string, stop: (next: string) => boolean = () => false, max = 15): Promise<{ last: Hop; stoppedAt: string | null }> {
    let hop = await this.request(url);
    for (let i = 0; i < max && hop.location && hop.status >= 300 && hop.status < 400; i++) {
      if (stop(hop.location)) return { last: hop, stoppedAt: hop.location };
      hop = await this.request(hop.location);
    }
    return { last: hop, stoppedAt: null };
  }
}

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
}
