// npm run create-api-key -- --workspace <slug> [--name N] [--scope ingest,read,scim]: creates an API
// key for operators (no admin session needed) and prints it once; only its hash is stored.
import { flags, openDb, run } from './cli';
import { API_SCOPES, createApiKey, parseScopes } from '../src/apikeys/keys';
import { findWorkspaceBySlug } from '../src/workspaces/queries';
import { recordAudit } from '../src/audit/audit';

run(async () => {
  const f = flags();
  const slug = f.workspace;
  if (!slug || slug === 'true') throw new Error('Usage: npm run create-api-key -- --workspace <slug> [--name "Key name"] [--scope ingest,read,scim]');
  const name = (f.name && f.name !== 'true' ? f.name : 'Operator key').trim();
  if (name.length < 1 || name.length > 100) throw new Error('--name must be 1 to 100 characters');
  const scopeArg = f.scope && f.scope !== 'true' ? f.scope : 'ingest';
  const scopes = parseScopes(scopeArg);
  const unknown = scopeArg.split(',').map((x) => x.trim()).filter((x) => x && !(API_SCOPES as readonly string[]).includes(x));
  if (unknown.length || !scopes.length) throw new Error(`--scope takes a comma-separated list of ${API_SCOPES.join(', ')} (got "${scopeArg}")`);
  const { db } = await openDb();
  try {
    const ws = await findWorkspaceBySlug(db, slug);
    if (!ws) throw new Error(`No workspace with slug "${slug}".`);
    const { key, row } = await createApiKey(db, ws.id, name, null, scopes);
    await recordAudit(db, {
      workspaceId: ws.id,
      actor: { userId: null, label: 'system', ip: null },
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: row.id,
      after: { name: row.name, prefix: row.prefix, scopes: row.scopes, via: 'create-api-key' },
    });
    console.error(`Created API key "${row.name}" (prefix ${row.prefix}, scopes ${row.scopes}) for workspace ${ws.slug}. It is shown only now; store it safely:`);
    console.log(key);
  } finally {
    await db.destroy();
  }
});
