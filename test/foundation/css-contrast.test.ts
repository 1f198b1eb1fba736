// Every CSS rule of the shared design system and the credits / API-keys styles that sets both a
// text colour and a background gives text WCAG AA contrast (4.5:1), whether or not the state that
// uses it (a warning pill, an over-allocation badge) is on screen in the browser sweep.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { contrast } from '../helpers/contrast';

const CSS = path.resolve(__dirname, '../../public/css');
const FILES = ['app.css', 'credits.css', 'ingest.css', 'usage.css', 'users.css', 'tokens.css'];

function hex(v: string, vars: Record<string, string>): string | null {
  let s = v.trim();
  const m = /^var\(--([\w-]+)\)$/.exec(s);
  if (m) s = vars[m[1]] ?? '';
  if (!/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(s)) return null;
  s = s.slice(1);
  return s.length === 3 ? [...s].map((c) => c + c).join('') : s;
}

describe('foundation: colour pairs in the stylesheets meet WCAG AA', () => {
  const vars: Record<string, string> = {};
  // custom properties of the design system and of the chart palette (the heatmap's steps live there)
  for (const f of ['app.css', 'palette.css']) for (const m of fs.readFileSync(path.join(CSS, f), 'utf8').matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{3,6})/g)) vars[m[1]] = m[2];

  it('the checker itself: known pairs', () => {
    expect(contrast('000000', 'ffffff')).to.be.closeTo(21, 0.01);
    expect(contrast('777777', 'ffffff')).to.be.lessThan(4.5);
  });

  for (const file of FILES) {
    it(`${file}: every rule with a colour and a background reaches 4.5:1`, () => {
      const css = fs.readFileSync(path.join(CSS, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
      const low: string[] = [];
      let pairs = 0;
      for (const m of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
        const color = /(?:^|[;\s])color:\s*([^;]+)/.exec(m[2]);
        const bg = /background(?:-color)?:\s*([^;\s]+)/.exec(m[2]);
        if (!color || !bg) continue;
        const [c, b] = [hex(color[1], vars), hex(bg[1], vars)];
        if (!c || !b) continue;
        pairs++;
        const r = contrast(c, b);
        if (r < 4.5) low.push(`${m[1].trim()}: #${c} on #${b} = ${r.toFixed(2)}:1`);
      }
      expect(low).to.deep.equal([]);
      if (file === 'app.css') expect(pairs).to.be.greaterThan(10);
      if (file === 'usage.css') expect(pairs, 'the heatmap steps with their text colour').to.be.at.least(4);
    });
  }

  it('the keyboard focus ring is at least 3:1 against the page and the cards', () => {
    const css = fs.readFileSync(path.join(CSS, 'app.css'), 'utf8');
    const ring = /:focus-visible\s*\{[^}]*outline:\s*\d+px solid ([^;]+);/.exec(css);
    expect(ring, 'a :focus-visible outline').to.not.equal(null);
    const c = hex(ring![1], vars)!;
    for (const bg of [vars.bg, vars.surface, vars['surface-2']]) expect(contrast(c, hex(bg, vars)!)).to.be.at.least(3);
  });
});
