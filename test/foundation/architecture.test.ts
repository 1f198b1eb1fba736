// The layout keeps its layers: shared folders import no feature folder, no two folders import each
// other (directly or round a loop), and nothing sends a reader to files outside the repository.
// Imports are read from the source text (static `import`/`export ... from`, `import()` and
// `require()` of relative paths), so the test needs no compiler.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SRC = path.join(ROOT, 'src');

/**
 * Shared code: the database layer, the HTTP shell, the product's vocabulary, the CSV library, the
 * workspace module, the audit trail writer and the reports' clock and memo. src/domain may not
 * exist yet on every branch; listing it keeps the rule in force the moment it appears.
 */
export const SHARED = ['db', 'http', 'domain', 'csv', 'workspaces', 'audit', 'reports'];
/** Files directly under src/ that shared code may use: they import nothing from a feature. */
const SHARED_ROOT_FILES = ['config.ts', 'logger.ts'];

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (/\.(ts|js|mjs|cjs)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Relative module specifiers of a source text (comments stripped first, strings kept). */
export function importsOf(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) if (m[1].startsWith('.')) out.push(m[1]);
  return out;
}

/**
 * Files that belong to a shared layer but still sit inside a feature folder: the product's
 * vocabulary is moving from src/ingest/model.ts to src/domain/. Once it has moved this entry
 * matches nothing and can go.
 */
const RELOCATED: Record<string, string> = { 'ingest/model': 'domain' };

/** The node a file belongs to: its first folder under src/, or the file name for files at src/. */
export function nodeOf(file: string): string | null {
  const rel = path.relative(SRC, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const moved = RELOCATED[rel.replace(/\.(ts|js)$/, '').split(path.sep).join('/')];
  if (moved) return moved;
  const parts = rel.split(path.sep);
  return parts.length === 1 ? `${parts[0].replace(/\.(ts|js)$/, '')}.ts` : parts[0];
}

export interface Edge {
  from: string;
  to: string;
  file: string;
  spec: string;
}

export function folderEdges(files: { file: string; source: string }[]): Edge[] {
  const edges: Edge[] = [];
  for (const { file, source } of files) {
    const from = nodeOf(file);
    if (!from) continue;
    for (const spec of importsOf(source)) {
      const to = nodeOf(path.resolve(path.dirname(file), spec));
      if (to && to !== from) edges.push({ from, to, file: path.relative(ROOT, file), spec });
    }
  }
  return edges;
}

/** Every strongly connected group of more than one node (Tarjan): each is an import cycle. */
export function cycles(edges: Edge[]): string[][] {
  const adj = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!adj.has(e.from)) adj.set(e.from, new Set());
    if (!adj.has(e.to)) adj.set(e.to, new Set());
    adj.get(e.from)!.add(e.to);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of adj.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of adj.keys()) if (!idx.has(v)) visit(v);
  return out;
}

export function sharedViolations(edges: Edge[]): Edge[] {
  const allowed = (to: string) => SHARED.includes(to) || SHARED_ROOT_FILES.includes(to);
  return edges.filter((e) => (SHARED.includes(e.from) || SHARED_ROOT_FILES.includes(e.from)) && !allowed(e.to));
}

const sources = () => walk(SRC).map((file) => ({ file, source: fs.readFileSync(file, 'utf8') }));

describe('foundation: architecture', () => {
  const edges = folderEdges(sources());

  it('reads the imports it checks (the parser finds the known arrows)', () => {
    // app.ts builds the app from every feature router and the HTTP shell: if the parser missed
    // these, the checks below would pass on nothing.
    const fromApp = new Set(edges.filter((e) => e.from === 'app.ts').map((e) => e.to));
    expect([...fromApp]).to.include.members(['http', 'users', 'usage', 'credits']);
    expect(edges.length).to.be.greaterThan(100);
  });

  it('shared folders (db, http, domain, csv, workspaces, audit, reports) import no feature folder', () => {
    const bad = sharedViolations(edges).map((e) => `${e.file} imports ${e.spec} (${e.from} -> ${e.to})`);
    expect(bad, bad.join('\n')).to.deep.equal([]);
  });

  it('no import cycle between folders', () => {
    const found = cycles(edges).map((group) => {
      const inGroup = edges.filter((e) => group.includes(e.from) && group.includes(e.to)).map((e) => `  ${e.file} -> ${e.spec}`);
      return `${group.join(' <-> ')}\n${[...new Set(inGroup)].join('\n')}`;
    });
    expect(found, found.join('\n')).to.deep.equal([]);
  });

  it('the checks catch what they are meant to catch', () => {
    const f = (rel: string, source: string) => ({ file: path.join(SRC, rel), source });
    const e = folderEdges([
      f('http/x.ts', "import { a } from '../credits/pool';\n// import { b } from '../users/q';"),
      f('credits/pool.ts', "export { c } from '../users/queries';"),
      f('users/queries.ts', "const m = await import('../credits/pool');"),
      f('csv/y.ts', "import type { Z } from '../db/time';"),
    ]);
    expect(sharedViolations(e).map((x) => x.to)).to.deep.equal(['credits']);
    expect(cycles(e)).to.deep.equal([['credits', 'users']]);
  });

  it('no file in README.md, docs/ or src/ refers to ../shared', () => {
    const files = [path.join(ROOT, 'README.md'), ...walk(SRC), ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => path.join(ROOT, 'docs', f))];
    const needle = ['..', 'shared'].join('/');
    const bad = files.filter((file) => fs.statSync(file).isFile() && fs.readFileSync(file, 'utf8').includes(needle)).map((file) => path.relative(ROOT, file));
    expect(bad).to.deep.equal([]);
  });
});
