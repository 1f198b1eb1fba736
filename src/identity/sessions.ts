// Ends a user's browser sessions now. Every request already reloads the user and signs a revoked one
// out (src/auth/passport.ts); this also deletes their stored sessions so nothing lingers in the store.
import type { Knex } from 'knex';

export async function endSessionsOf(db: Knex, userId: number): Promise<void> {
  try {
    // express-session + passport keep {"passport":{"user":<id>}} in the serialised session.
    await db('sessions').where('sess', 'like', `%"passport":{"user":${Number(userId)}}%`).delete();
  } catch {
    // A different session store (no sessions table): the per-request status check still applies.
  }
}
