// The SCIM filter subset identity providers send (Okta, Microsoft Entra, OneLogin): comparisons
// `attr eq value` joined by `and`, with the value-path form `emails[type eq "work"].value` and
// `members[value eq "id"]`. Anything else is a 400 invalidFilter naming what is supported.
import { ScimError } from './errors';

export interface Comparison {
  /** lowercased attribute path, sub-filters dropped: 'username', 'emails.value', 'members.value' */
  path: string;
  value: string | number | boolean | null;
}

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*")|(\[)|(\])|([A-Za-z0-9_:.$-]+))/y;

function invalid(detail: string): never {
  throw new ScimError(400, `${detail} Supported: attribute eq "value", joined by "and" (e.g. userName eq "ada@example.com").`, 'invalidFilter');
}

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) invalid(`Unexpected character at position ${pos + 1} of the filter.`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
    pos = TOKEN.lastIndex;
  }
  return out;
}

function literal(tok: string | undefined): Comparison['value'] {
  if (tok === undefined) invalid('The filter ends before its value.');
  if (tok.startsWith('"')) {
    try {
      return JSON.parse(tok) as string;
    } catch {
      invalid('A quoted value in the filter is not a valid string.');
    }
  }
  const low = tok.toLowerCase();
  if (low === 'true') return true;
  if (low === 'false') return false;
  if (low === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(tok)) return Number(tok);
  invalid(`"${tok}" is not a value: quote strings.`);
}

/** Parses `filter`; an empty filter is no condition. */
export function parseFilter(filter: string | undefined): Comparison[] {
  if (!filter || !filter.trim()) return [];
  if (filter.length > 1000) invalid('The filter is too long.');
  const toks = tokenize(filter);
  const out: Comparison[] = [];
  let i = 0;
  for (;;) {
    const attr = toks[i++];
    if (!attr || attr.startsWith('"') || attr === '[' || attr === ']') invalid('Expected an attribute name.');
    let path = attr.toLowerCase();
    if (toks[i] === '[') {
      // value path: attr[sub eq "x"](.subAttr)? — the sub-filter either selects (emails[type eq "work"])
      // or is the comparison itself (members[value eq "id"]).
      const sub = toks[i + 1]?.toLowerCase();
      if (toks[i + 2]?.toLowerCase() !== 'eq' || toks[i + 4] !== ']') invalid('Only [sub-attribute eq value] is supported inside brackets.');
      const subValue = literal(toks[i + 3]);
      i += 5;
      const after = toks[i];
      if (after && after.startsWith('.')) {
        path = `${path}${after.toLowerCase()}`;
        i++;
      } else {
        out.push({ path: `${path}.${sub}`, value: subValue });
        if (toks[i] === undefined) break;
        if (toks[i].toLowerCase() !== 'and') invalid(`Expected "and" but found "${toks[i]}".`);
        i++;
        continue;
      }
    }
    const op = toks[i++]?.toLowerCase();
    if (op !== 'eq') invalid(op ? `The operator "${op}" is not supported.` : 'Expected an operator.');
    out.push({ path, value: literal(toks[i++]) });
    if (toks[i] === undefined) break;
    if (toks[i].toLowerCase() !== 'and') invalid(`Expected "and" but found "${toks[i]}".`);
    i++;
  }
  return out;
}
