// The README and docs stay true: every relative link resolves to a file (and a heading, when it has
// an anchor), and every `npm run <script>` they mention exists in package.json.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const files = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(md: string): Set<string> {
  const out = new Set<string>();
  let inFence = false;
  for (const line of md.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const m = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) {
      let s = slug(m[1]);
      for (let i = 1; out.has(s); i++) s = `${slug(m[1])}-${i}`;
      out.add(s);
    }
  }
  return out;
}

describe('foundation: README and docs links', () => {
  for (const file of files) {
    it(`${file}: relative links resolve`, () => {
      const md = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      const broken: string[] = [];
      for (const m of md.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^[a-z]+:/i.test(target) || target.startsWith('/')) continue; // absolute URLs and app paths
        const [rel, anchor] = target.split('#');
        const dest = rel ? path.resolve(path.dirname(path.join(ROOT, file)), rel) : path.join(ROOT, file);
        if (!fs.existsSync(dest)) {
          broken.push(`${target} (no such file)`);
          continue;
        }
        if (anchor && dest.endsWith('.md') && !anchorsOf(fs.readFileSync(dest, 'utf8')).has(anchor)) broken.push(`${target} (no such heading)`);
      }
      expect(broken).to.deep.equal([]);
    });
  }

  it('every `npm run <script>` the README mentions exists', () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts);
    const md = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const named = [...md.matchAll(/npm run ([a-z-]+)/g)].map((m) => m[1]);
    expect(named.length).to.be.greaterThan(4);
    expect(named.filter((n) => !scripts.includes(n))).to.deep.equal([]);
  });

  it('the configuration table lists every variable src/config.ts reads', () => {
    const config = fs.readFileSync(path.join(ROOT, 'src/config.ts'), 'utf8');
    const md = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const vars = [...config.matchAll(/^\s+([A-Z][A-Z0-9_]+): z\b/gm)].map((m) => m[1]);
    expect(vars).to.include.members(['PORT', 'DATABASE_URL', 'SESSION_SECRET', 'API_RATE_LIMIT_PER_MINUTE']);
    const rows = new Set([...md.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    expect(vars.filter((v) => !rows.has(v))).to.deep.equal([]);
  });
});

