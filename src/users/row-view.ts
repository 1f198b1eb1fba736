// The user table's rows, drawn by one function compiled from views/partials/users/row.ejs (the same
// template a single row is rendered from after an action). An `include` per row cost more than the
// row itself: EJS looks the file up on disk (existsSync), copies every local of the page twice and
// runs the template inside `with (locals)`, where each name is looked up through that object. Here
// the template is compiled once with its names declared (no `with`), and each row gets a small
// object of only those names; the output is the include's, byte for byte.
import path from 'node:path';
import fs from 'node:fs';
import ejs from 'ejs';

/** Every name views/partials/users/row.ejs reads (a name missing here fails the first draw, loudly). */
const ROW_LOCALS = [
  'row',
  'returnUrl',
  'csrfToken',
  'user',
  'limitInfo',
  'selectedIds',
  'rowNotice',
  'rowError',
  'focusMenu',
  'selfDemote',
  'vm',
  'zone',
  'timeTag',
  'utcTime',
] as const;

type RowLocals = Record<(typeof ROW_LOCALS)[number], unknown>;
type Compiled = (locals: RowLocals) => string;

const compiled = new Map<string, Compiled>();

/** EJS's own escape, skipped for the many values with nothing to escape (same output). */
const SPECIAL = /[&<>'"]/;
function escape(value: unknown): string {
  if (value == null) return '';
  const s = String(value);
  return SPECIAL.test(s) ? ejs.escapeXML(s) : s;
}

function compile(file: string): Compiled {
  const options: ejs.Options & { unsafePrototypeLocals: boolean } = {
    filename: file,
    escape,
    destructuredLocals: [...ROW_LOCALS],
    _with: false,
    // each row gets an object of its own (below): no defensive copy of it
    unsafePrototypeLocals: true,
  };
  return ejs.compile(fs.readFileSync(file, 'utf8'), options) as unknown as Compiled;
}

/**
 * A function that draws one row of the table with the page's locals (what the results partial
 * sees), for `rowNotice`/`rowError` null like the list's rows. Compiled once per process when
 * Express caches views (production), else on each call so template edits show at once.
 */
export function userRows(locals: Record<string, unknown>): (row: unknown) => string {
  const settings = (locals.settings ?? {}) as { views?: string; 'view cache'?: boolean };
  const file = path.join(settings.views ?? path.resolve(__dirname, '../../views'), 'partials/users/row.ejs');
  let draw = settings['view cache'] ? compiled.get(file) : undefined;
  if (!draw) {
    draw = compile(file);
    if (settings['view cache']) compiled.set(file, draw);
  }
  const page: Omit<RowLocals, 'row'> = {
    returnUrl: locals.returnUrl,
    csrfToken: locals.csrfToken,
    user: locals.user,
    limitInfo: locals.limitInfo,
    selectedIds: locals.selectedIds,
    rowNotice: null,
    rowError: null,
    focusMenu: locals.focusMenu,
    selfDemote: locals.selfDemote,
    vm: locals.vm,
    zone: locals.zone,
    timeTag: locals.timeTag,
    utcTime: locals.utcTime,
  };
  const fn = draw;
  return (row) => fn({ ...page, row });
}
