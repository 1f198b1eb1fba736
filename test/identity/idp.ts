// A real OpenID Provider for the single sign-on tests: oidc-provider on a loopback port, with an
// interaction endpoint that signs in whichever account the test chose (no login form to fill),
// and a switch that makes the next ID token come out already expired.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface IdpAccount {
  sub: string;
  email: string;
  name: string;
  groups: string[];
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, IdpAccount>;
  /** the account the next sign-in at the IdP becomes */
  signInAs(sub: string): void;
  /** the next token response carries an ID token that expired an hour ago */
  expireNextIdToken(): void;
  close(): Promise<void>;
}

export async function startIdp(redirectUris: string[]): Promise<TestIdp> {
  const accounts = new Map<string, IdpAccount>();
  let current = '';
  let expireNext = false;
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'usage-console';
  const clientSecret = 'idp-test-secret-0123456789';
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_post' }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    cookies: { keys: ['idp-cookie-key-for-tests'] },
    async findAccount(_ctx: unknown, sub: string) {
      const a = accounts.get(sub);
      if (!a) return undefined;
      return { accountId: sub, claims: async () => ({ sub, email: a.email, email_verified: true, name: a.name, groups: a.groups }) };
    },
  });
  // Tokens issued while "expired" is armed are stamped two hours in the past (exp = now - 1h).
  provider.use(async (ctx: { path: string }, next: () => Promise<void>) => {
    if (ctx.path === '/token' && expireNext) {
      expireNext = false;
      const realNow = Date.now;
      Date.now = () => realNow() - 2 * 3600_000;
      try {
        await next();
      } finally {
        Date.now = realNow;
      }
      return;
    }
    await next();
  });
  const handler = provider.callback();
  server.on('request', async (req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      try {
        const details = await provider.interactionDetails(req, res);
        const grant = new provider.Grant({ accountId: current, clientId: String(details.params.client_id) });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId: current }, consent: { grantId } }, { mergeWithLastSubmission: false });
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err));
      }
      return;
    }
    handler(req, res);
  });
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    signInAs: (sub) => {
      current = sub;
    },
    expireNextIdToken: () => {
      expireNext = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
