// One chart palette: public/css/palette.css is the only place a chart colour is written. Every named
// series of src/http/chart-series.ts has a colour there (and nothing else does), every colour is
// visible on a card (3:1, WCAG 1.4.11), and no script, chart builder or view writes a colour literal.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { SERIES } from '../../src/http/chart-series';
import { contrast } from '../helpers/contrast';

const ROOT = path.resolve(__dirname, '../..');
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

function filesUnder(rel: string, ext: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
    const p = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, ext));
    else if (e.name.endsWith(ext)) out.push(p);
  }
  return out;
}

/** Custom properties of palette.css, with var() aliases resolved to their hex value. */
function paletteVars(): Record<string, string> {
  const css = read('public/css/palette.css').replace(/\/\*[\s\S]*?\*\//g, '');
  const raw: Record<string, string> = {};
  for (const m of css.matchAll(/--([\w-]+):\s*([^;]+);/g)) raw[m[1]] = m[2].trim();
  const resolve = (v: string, depth = 0): string => {
    const ref = /^var\(--([\w-]+)\)$/.exec(v);
    if (!ref || depth > 5) return v;
    expect(raw, `palette.css: var(--${ref[1]})`).to.have.property(ref[1]);
    return resolve(raw[ref[1]], depth + 1);
  };
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, resolve(v)]));
}

/** Colour literals: a quoted hex colour, or an rgb()/hsl() call. */
const COLOUR = /(['"`])#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})\1|\b(?:rgba?|hsla?)\(/g;

describe('the chart palette', () => {
  const vars = paletteVars();
  const surface = /--surface:\s*(#[0-9a-fA-F]{6})/.exec(read('public/css/app.css'))![1];

  it('names a colour for every series the server uses, and only those', () => {
    const named = Object.keys(vars).filter((k) => k.startsWith('series-')).map((k) => k.slice('series-'.length));
    expect(named.sort()).to.deep.equal([...SERIES].sort());
    expect(new Set(SERIES).size).to.equal(SERIES.length);
  });

  it('has ten ordered colours, all different, and every chart colour reaches 3:1 on a card', () => {
    const ordered = Object.keys(vars).filter((k) => /^chart-\d+$/.test(k));
    expect(ordered).to.deep.equal(Array.from({ length: 10 }, (_, i) => `chart-${i + 1}`));
    expect(new Set(ordered.map((k) => vars[k].toLowerCase())).size).to.equal(10);
    const low = [...ordered, ...Object.keys(vars).filter((k) => k.startsWith('series-'))]
      .map((k) => [k, vars[k]] as const)
      .filter(([, v]) => {
        expect(v, 'a hex colour').to.match(/^#[0-9a-fA-F]{6}$/);
        return contrast(v.slice(1), surface.slice(1)) < 3;
      });
    expect(low).to.deep.equal([]);
  });

  it('one concept shared by two families keeps one colour', () => {
    expect(vars['series-surface-api']).to.equal(vars['series-credit-api']);
    expect(vars['series-surface-grid']).to.equal(vars['series-credit-grid']);
    expect(vars['series-surface-agent']).to.equal(vars['series-credit-agents']);
    // within a family every series is told apart
    const family = (prefix: string) => Object.keys(vars).filter((k) => k.startsWith(prefix)).map((k) => vars[k]);
    for (const prefix of ['series-surface-', 'series-credit-', 'series-iq-', 'series-output-', 'series-agent-']) {
      expect(new Set(family(prefix)).size, prefix).to.equal(family(prefix).length);
    }
    expect(vars['series-inference']).to.not.equal(vars['series-embedding']);
    expect(vars['series-interactive']).to.not.equal(vars['series-ingestion']);
  });

  it('no script, chart builder or view writes a colour of its own', () => {
    const files = [
      ...filesUnder('public/js', '.js'),
      // the data dictionary PDF is drawn by pdfkit, not a chart; e-mails need inline colours
      ...filesUnder('src', '.ts').filter((f) => f !== path.join('src', 'data-dictionary', 'pdf.ts')),
      ...filesUnder('views', '.ejs').filter((f) => !f.startsWith(path.join('views', 'emails'))),
    ];
    expect(files.length).to.be.greaterThan(100);
    const found: string[] = [];
    for (const f of files) {
      const text = read(f);
      for (const m of text.matchAll(COLOUR)) found.push(`${f}: ${m[0]}`);
      // a Chart.js colour option in a config names a series instead
      for (const m of text.matchAll(/\b(?:backgroundColor|borderColor|pointBackgroundColor|color)\s*:\s*['"[]/g)) found.push(`${f}: ${m[0]}`);
    }
    expect(found).to.deep.equal([]);
  });

  it('chart swatches, meters and the heatmap in the feature stylesheets use palette properties', () => {
    const found: string[] = [];
    for (const f of filesUnder('public/css', '.css').filter((f) => !f.endsWith('palette.css'))) {
      const css = read(f).replace(/\/\*[\s\S]*?\*\//g, '');
      for (const m of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
        if (!/swatch|meter|heat|chart/.test(m[1])) continue;
        const bg = /background(?:-color)?:\s*([^;]+)/.exec(m[2]);
        if (bg && /#[0-9a-fA-F]{3,8}\b|rgba?\(/.test(bg[1])) found.push(`${f}: ${m[1].trim()} { ${bg[0]} }`);
      }
    }
    expect(found).to.deep.equal([]);
  });

  it('the checker finds the literals it is meant to find', () => {
    const sample = "var palette = ['#4f46e5', \"#0ea5e9\"]; ctx.fillStyle = rgba(0, 0, 0, .1); href=\"#add-credits\"";
    expect([...sample.matchAll(COLOUR)].map((m) => m[0])).to.deep.equal(["'#4f46e5'", '"#0ea5e9"', 'rgba(']);
  });
});
