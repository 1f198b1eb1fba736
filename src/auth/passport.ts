// passport-local with argon2 hashes; the session keeps only the user id and every request reloads
// the user, so a revoked account is signed out at its next request. Each app (one per database
// handle) gets its own Passport instance: with the module-level singleton, a second app built in
// the same process (the test suite, tools) would replace the first one's strategy and hooks.
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Knex } from 'knex';
import { verifyPassword } from './password';
import { normalizeEmail } from '../http/identifiers';
import type { SessionUser } from '../http/context';

const USER_COLUMNS = ['id', 'workspace_id', 'email', 'name', 'role', 'status'];

export async function findLoginCandidate(db: Knex, email: string, password: string): Promise<SessionUser | null> {
  const rows = await db('users').select([...USER_COLUMNS, 'password_hash']).where({ email: normalizeEmail(email) });
  // Every failed sign-in costs the same work: one hash verification per candidate account, against
  // its hash or (unknown, invited, password-less) a dummy one; revoked and invited accounts are
  // verified too, and only then refused. The status check comes after the hash, never before it.
  if (rows.length === 0) {
    await verifyPassword(null, password);
    return null;
  }
  for (const r of rows) {
    if (await verifyPassword(r.password_hash, password)) {
      if (r.status !== 'active') return null; // revoked or never joined: same generic failure
      delete r.password_hash;
      return r as SessionUser;
    }
  }
  return null;
}

type PassportInstance = InstanceType<typeof Passport>;
const instances = new WeakMap<Knex, PassportInstance>();

/** The Passport instance of the app that uses `db` (created and configured on first use). */
export function configurePassport(db: Knex): PassportInstance {
  const existing = instances.get(db);
  if (existing) return existing;
  const passport = new Passport();
  instances.set(db, passport);
  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      findLoginCandidate(db, email, password).then(
        (user) => done(null, user ?? false),
        (err) => done(err),
      );
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as SessionUser).id));
  passport.deserializeUser((id: number, done) => {
    db('users')
      .select(USER_COLUMNS)
      .where({ id })
      .first()
      .then(
        (u) => done(null, u && u.status === 'active' ? (u as SessionUser) : false),
        (err) => done(err),
      );
  });
  return passport;
}
