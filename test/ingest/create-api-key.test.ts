// npm run create-api-key: prints a working key once, stores only its hash, audits the creation.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { createDb } from '../../src/db/knex';
import { migrateLatest } from '../../src/db/migrate';
import { createWorkspace } from '../helpers/fixtures';

const ROOT = path.resolve(__dirname, '../..');

function runScript(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/create-api-key.ts', ...args], { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run create-api-key', function () {
  this.timeout(90_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uc-create-key-'));
  const url = `sqlite:${path.join(dir, 'console.sqlite')}`;

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a key for the workspace and prints it once; an unknown workspace fails with a message', async () => {
    const db = createDb(url);
    let wsId: number;
    try {
      await migrateLatest(db);
      wsId = (await createWorkspace(db, { slug: 'acme' })).id;
    } finally {
      await db.destroy();
    }
    const ok = await runScript(['--workspace', 'acme', '--name', 'Ops feed'], { DATABASE_URL: url });
    expect(ok.code, ok.stderr).to.equal(0);
    const key = ok.stdout.trim();
    expect(key).to.match(/^uc_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(ok.stderr).to.contain('shown only now');

    const check = createDb(url);
    try {
      const row = await check('api_keys').where({ workspace_id: wsId! }).first();
      expect(row.name).to.equal('Ops feed');
      expect(row.secret_hash).to.equal(crypto.createHash('sha256').update(key).digest('hex'));
      const audit = await check('audit_log').where({ workspace_id: wsId!, action: 'api_key.create' }).first();
      expect(audit.actor_label).to.equal('system');
    } finally {
      await check.destroy();
    }

    const scoped = await runScript(['--workspace', 'acme', '--name', 'IdP', '--scope', 'scim,read'], { DATABASE_URL: url });
    expect(scoped.code, scoped.stderr).to.equal(0);
    const wrongScope = await runScript(['--workspace', 'acme', '--scope', 'ingest,admin'], { DATABASE_URL: url });
    expect(wrongScope.code).to.not.equal(0);
    expect(wrongScope.stderr).to.contain('--scope takes a comma-separated list of ingest, read, scim');
    const check2 = createDb(url);
    try {
      const rows = await check2('api_keys').where({ workspace_id: wsId! }).orderBy('id').select('name', 'scopes');
      // The first key got the default scope; --scope is stored in canonical order.
      expect(rows).to.deep.equal([
        { name: 'Ops feed', scopes: 'ingest' },
        { name: 'IdP', scopes: 'read,scim' },
      ]);
    } finally {
      await check2.destroy();
    }

    const bad = await runScript(['--workspace', 'nope'], { DATABASE_URL: url });
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr).to.contain('No workspace with slug "nope"');
    const usage = await runScript([], { DATABASE_URL: url });
    expect(usage.code).to.not.equal(0);
    expect(usage.stderr).to.contain('Usage: npm run create-api-key');
  });
});
