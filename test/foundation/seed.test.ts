// The demo seed: deterministic for a seed and end day, shaped like a real organisation, written
// through the write path (rollups agree with raw rows), and reloadable with reset.
import crypto from 'node:crypto';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { seedDemo } from '../../seeds/demo';
import { lastDayOfMonth, parseDay } from '../../src/db/time';
import { SURFACES } from '../../src/domain/model';
import { createTestApp, loginAs } from '../helpers/app';
import { closeAll, freshDb } from '../helpers/db';

const END = '2026-06-30';
const OPTS = { users: 120, months: 3, seed: 5, endDay: END };

async function fingerprint(db: Knex): Promise<string> {
  const h = crypto.createHash('sha256');
  const ws = await db('workspaces').select('slug', 'billing_mode', 'purchased_inference_tokens').orderBy('slug');
  h.update(JSON.stringify(ws));
  const users = await db('users as u').join('workspaces as w', 'w.id', 'u.workspace_id').select('w.slug', 'u.email', 'u.role', 'u.status', 'u.department', 'u.max_inference_tokens').orderBy(['w.slug', 'u.email']);
  h.update(JSON.stringify(users));
  const rows = await db('interactions as i')
    .join('workspaces as w', 'w.id', 'i.workspace_id')
    .join('users as u', 'u.id', 'i.user_id')
    .select('w.slug', 'i.client_event_id', 'u.email', 'i.occurred_at', 'i.surface', 'i.total_tokens', 'i.iq_layers', 'i.credits_charged')
    .orderBy(['w.slug', 'i.client_event_id']);
  for (const r of rows) h.update(`${r.slug}|${r.client_event_id}|${r.email}|${r.occurred_at}|${r.surface}|${r.total_tokens}|${r.iq_layers}|${r.credits_charged}\n`);
  const logins = await db('logins').count({ n: '*' }).first();
  h.update(String(logins!.n));
  return h.digest('hex');
}

const num = (v: unknown) => Number(v ?? 0);

describe('foundation: demo seed', function () {
  this.timeout(180_000);
  let db: Knex;
  let acme: number;
  let first: string;

  before(async () => {
    db = await freshDb();
    const summary = await seedDemo(db, OPTS);
    expect(summary.to).to.equal(END);
    first = await fingerprint(db);
    acme = (await db('workspaces').where({ slug: 'acme' }).first()).id;
  });
  after(closeAll);

  it('covers the requested window, ending on the given day', async () => {
    const r = await db('rollup_daily').where({ workspace_id: acme }).min({ a: 'day' }).max({ b: 'day' }).first();
    expect(String(r!.b)).to.equal(END);
    expect(String(r!.a) >= '2026-03-31').to.equal(true);
    expect(String(r!.a) <= '2026-04-03').to.equal(true);
  });

  it('has both workspaces with their billing modes and the demo logins work', async () => {
    const ws = await db('workspaces').select('slug', 'billing_mode').orderBy('slug');
    expect(ws).to.deep.equal([{ slug: 'acme', billing_mode: 'credits' }, { slug: 'globex', billing_mode: 'seat' }]);
    const t = await createTestApp({ db });
    for (const [email, pw, home] of [['admin@acme.test', 'demo-admin-1', '/admin/usage'], ['member@acme.test', 'demo-member-1', '/me'], ['admin@globex.test', 'demo-admin-2', '/admin/usage']]) {
      const agent = await loginAs(t.app, email, pw);
      expect((await agent.get('/')).headers.location, email).to.equal(home);
    }
    // only the demo logins have passwords
    const withPw = await db('users').whereNotNull('password_hash').pluck('email');
    expect(withPw.sort()).to.deep.equal(['admin@acme.test', 'admin@globex.test', 'member@acme.test']);
  });

  it('people: all seven departments, admins and members, invited and revoked users', async () => {
    const users = await db('users').where({ workspace_id: acme });
    expect(users.length).to.equal(120);
    expect(new Set(users.map((u: { department: string }) => u.department))).to.have.all.keys('Marketing', 'Sales', 'Engineering', 'Support', 'Legal', 'HR', 'Finance');
    const by = (k: string, v: string) => users.filter((u: Record<string, string>) => u[k] === v).length;
    expect(by('role', 'admin')).to.be.greaterThan(0);
    expect(by('role', 'member')).to.be.greaterThan(100);
    expect(by('status', 'invited')).to.be.greaterThan(0);
    expect(by('status', 'revoked')).to.be.greaterThan(0);
    for (const u of users.filter((x: { status: string }) => x.status === 'invited')) expect(u.joined_at).to.equal(null);
    for (const u of users.filter((x: { status: string }) => x.status === 'revoked')) expect(u.revoked_at).to.be.a('string');
    // invited users never used the product; revoked users stopped at revocation
    const invitedIds = users.filter((u: { status: string }) => u.status === 'invited').map((u: { id: number }) => u.id);
    expect(num((await db('rollup_daily_user').whereIn('user_id', invitedIds).sum({ n: 'interactions' }).first())!.n)).to.equal(0);
    for (const u of users.filter((x: { status: string }) => x.status === 'revoked')) {
      const last = await db('rollup_daily_user').where({ user_id: u.id }).max({ d: 'day' }).first();
      if (last?.d) expect(String(last.d) < u.revoked_at.slice(0, 10) || String(last.d) === u.revoked_at.slice(0, 10)).to.equal(true);
    }
  });

  it('usage: rollups equal raw rows, every surface (unknown ones as other), weekday peaks, embeddings with training', async () => {
    const raw = await db('interactions').where({ workspace_id: acme }).count({ n: '*' }).sum({ t: 'total_tokens' }).first();
    const roll = await db('rollup_daily').where({ workspace_id: acme }).sum({ n: 'interactions', t: 'total_tokens' }).first();
    expect(num(roll!.n)).to.equal(num(raw!.n));
    expect(num(roll!.t)).to.equal(num(raw!.t));
    // about 800 interactions per user per 13 months: 120 users x 3 months
    const expected = (120 * 800 * 91) / 395;
    expect(num(raw!.n)).to.be.within(expected * 0.85, expected * 1.15);

    const surfaces = (await db('rollup_daily').where({ workspace_id: acme }).distinct('surface')).map((r: { surface: string }) => r.surface);
    expect(surfaces.sort()).to.deep.equal([...SURFACES].sort());

    const days = (await db('rollup_daily').where({ workspace_id: acme, token_kind: 'inference' }).select('day').sum({ n: 'interactions' }).groupBy('day')) as { day: string; n: unknown }[];
    let weekday = 0;
    let weekend = 0;
    let wd = 0;
    let we = 0;
    for (const d of days) {
      const dow = parseDay(String(d.day)).getUTCDay();
      if (dow === 0 || dow === 6) {
        weekend += num(d.n);
        we++;
      } else {
        weekday += num(d.n);
        wd++;
      }
    }
    expect(weekday / wd).to.be.greaterThan((3 * weekend) / we);

    const emb = await db('interactions').where({ workspace_id: acme, token_kind: 'embedding' }).select('training').count({ n: '*' }).groupBy('training');
    expect(emb.length).to.equal(2); // with and without the training flag
    const models = await db('rollup_daily_model').where({ workspace_id: acme, token_kind: 'inference' }).distinct('model');
    expect(models.length).to.be.greaterThan(3);
    const images = await db('rollup_daily').where({ workspace_id: acme, output: 'image' }).sum({ n: 'interactions' }).first();
    expect(num(images!.n)).to.be.greaterThan(0);
  });

  it('power users and idle users: usage is concentrated, and some active users never generate', async () => {
    const per = (await db('rollup_monthly_user').where({ workspace_id: acme, token_kind: 'inference' }).select('user_id').sum({ n: 'interactions' }).groupBy('user_id')) as { user_id: number; n: unknown }[];
    const counts = per.map((r: { n: unknown }) => num(r.n)).sort((a: number, b: number) => b - a);
    const total = counts.reduce((s: number, n: number) => s + n, 0);
    const top10pct = counts.slice(0, Math.ceil(120 * 0.1)).reduce((s: number, n: number) => s + n, 0);
    expect(top10pct / total).to.be.greaterThan(0.3);
    const active = await db('users').where({ workspace_id: acme, status: 'active' }).pluck('id');
    const users = new Set(per.map((r: { user_id: number }) => r.user_id));
    expect(active.filter((id: number) => !users.has(id)).length).to.be.greaterThan(0);
  });

  it('IQ layers are applied to a rising share of generations', async () => {
    const months = (await db('rollup_monthly_user').where({ workspace_id: acme, token_kind: 'inference' }).select('month').sum({ n: 'interactions', iq: 'iq_interactions' }).groupBy('month').orderBy('month')) as { n: unknown; iq: unknown }[];
    const share = months.map((m: { n: unknown; iq: unknown }) => num(m.iq) / num(m.n));
    expect(share.length).to.be.greaterThan(2);
    expect(share[share.length - 1]).to.be.greaterThan(share[1]);
    expect(share[1]).to.be.greaterThan(0.05);
  });

  it('agents public and custom, some never used; groups with Knowledge and Brand Voice', async () => {
    const agents = await db('agents').where({ workspace_id: acme });
    expect(new Set(agents.map((a: { kind: string }) => a.kind))).to.have.all.keys('public', 'custom');
    const used = new Set((await db('rollup_daily_agent').where({ workspace_id: acme }).distinct('agent_id')).map((r: { agent_id: number }) => r.agent_id));
    const unused = agents.filter((a: { id: number }) => !used.has(a.id));
    expect(unused.length).to.be.greaterThan(0);
    expect(used.size).to.be.greaterThan(5);
    const groups = await db('groups').where({ workspace_id: acme });
    expect(groups.some((g: { knowledge_applied: unknown }) => !!num(g.knowledge_applied))).to.equal(true);
    expect(groups.some((g: { brand_voice_applied: unknown }) => !!num(g.brand_voice_applied))).to.equal(true);
    expect(groups.some((g: { knowledge_applied: unknown; brand_voice_applied: unknown }) => !num(g.knowledge_applied) && !num(g.brand_voice_applied))).to.equal(true);
    const members = await db('group_members').where({ workspace_id: acme }).count({ n: '*' }).first();
    expect(num(members!.n)).to.be.greaterThan(100);
  });

  it('credits: grants and purchases come first, then consumption through the write path', async () => {
    const grants = await db('credit_ledger').where({ workspace_id: acme }).whereIn('entry_type', ['included', 'purchase']).orderBy('occurred_at');
    expect(grants.length).to.be.greaterThan(3);
    for (const g of grants) {
      expect(num(g.amount)).to.be.greaterThan(0);
      expect(g.expires_at).to.be.a('string');
    }
    expect(grants.filter((g: { entry_type: string; price_cents: unknown }) => g.entry_type === 'purchase' && num(g.price_cents) > 0).length).to.be.greaterThan(0);
    const firstUse = await db('credit_ledger').where({ workspace_id: acme, entry_type: 'consumption' }).min({ at: 'occurred_at' }).first();
    expect(firstUse!.at).to.be.a('string');
    expect(grants[0].occurred_at <= firstUse!.at).to.equal(true);
    // what the interactions say they were charged is what the credit rollup holds
    const charged = await db('interactions').where({ workspace_id: acme }).sum({ c: 'credits_charged' }).first();
    const rolled = await db('rollup_daily_credits').where({ workspace_id: acme }).sum({ c: 'credits' }).first();
    expect(num(charged!.c)).to.be.greaterThan(0);
    expect(num(rolled!.c)).to.equal(num(charged!.c));
    // people without permission have asked for it (not the demo member, who can try it)
    const requests = await db('credit_access_requests as r').join('users as u', 'u.id', 'r.user_id').where({ 'r.workspace_id': acme, 'r.status': 'pending' }).select('u.email', 'u.may_spend_credits');
    expect(requests.length).to.be.greaterThan(0);
    for (const r of requests) expect(num(r.may_spend_credits)).to.equal(0);
    expect(requests.map((r: { email: string }) => r.email)).to.not.include('member@acme.test');
    // the seat-billed workspace has no credit activity
    const globex = (await db('workspaces').where({ slug: 'globex' }).first()).id;
    expect(num((await db('credit_ledger').where({ workspace_id: globex }).count({ n: '*' }).first())!.n)).to.equal(0);
  });

  it('token allocations: every active user has one, and some are near or over it this month', async () => {
    const month = END.slice(0, 7);
    expect(lastDayOfMonth(month)).to.equal(END);
    const rows = await db('users as u')
      .leftJoin('rollup_monthly_user as r', function () {
        this.on('r.user_id', '=', 'u.id').andOn('r.workspace_id', '=', 'u.workspace_id').andOnVal('r.month', '=', month).andOnVal('r.token_kind', '=', 'inference');
      })
      .where({ 'u.workspace_id': acme, 'u.status': 'active' })
      .select('u.max_inference_tokens as max', 'r.total_tokens as used');
    for (const r of rows) expect(num(r.max)).to.be.greaterThan(0);
    const near = rows.filter((r: { max: unknown; used: unknown }) => num(r.used) >= 0.8 * num(r.max));
    const roomy = rows.filter((r: { max: unknown; used: unknown }) => num(r.used) < 0.5 * num(r.max));
    expect(near.length).to.be.greaterThan(0);
    expect(roomy.length).to.be.greaterThan(near.length);
    const ws = await db('workspaces').where({ id: acme }).first();
    const assigned = rows.reduce((s: number, r: { max: unknown }) => s + num(r.max), 0);
    expect(num(ws.purchased_inference_tokens)).to.be.greaterThan(assigned * 0.9);
  });

  it('is deterministic, refuses to load twice, and reloads identically with reset', async () => {
    let refused: Error | null = null;
    await seedDemo(db, OPTS).catch((e) => (refused = e));
    expect(refused).to.not.equal(null);
    expect(refused!.message).to.match(/--reset/);
    await seedDemo(db, { ...OPTS, reset: true });
    expect(await fingerprint(db)).to.equal(first);
    await seedDemo(db, { ...OPTS, seed: 6, reset: true });
    expect(await fingerprint(db)).to.not.equal(first);
  });
});
