// Reading the app's HTML: htmx URLs, placeholder pages, the Activity Logs "Older" link.

export const decodeHtml = (s: string) => s.replace(/&amp;/g, '&').replace(/&#x3D;/gi, '=').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

export function hxGets(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/\shx-get(?::inherited)?="([^"]+)"/g)) out.push(decodeHtml(m[1]));
  return out;
}

export const isPlaceholder = (html: string) => /<h2>\s*Coming soon\s*<\/h2>/.test(html);

/** The "Older" / next-page link of an Activity Logs page. */
export function olderLink(html: string): string | null {
  for (const m of html.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/g)) {
    const attrs = m[1];
    const text = m[2].replace(/<[^>]+>/g, ' ');
    if (/rel="next"/.test(attrs) || /\bolder\b|\bnext\b/i.test(text)) {
      const href = /\shref="([^"]+)"/.exec(attrs)?.[1] ?? /\shx-get="([^"]+)"/.exec(attrs)?.[1];
      if (href && href !== '#') return decodeHtml(href);
    }
  }
  return null;
}
