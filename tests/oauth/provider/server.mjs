// A certified OpenID Provider (panva/oidc-provider) as the oauth- family's negative control.
//
//   node server.mjs PORT REDIRECT_URI [--weak]
//
// Binds 127.0.0.1 only. Strict (default): authorization code only, PKCE S256 required for every
// client, exact redirect URIs, no implicit and no ROPC, 60 s codes, rotating refresh tokens,
// revocation and introspection with client authentication, DPoP (RFC 9449) with server nonces
// and replay detection. --weak: one deliberately weakened configuration (PKCE optional for
// confidential clients, implicit `code token` / `id_token token` responses on, redirect URIs
// matched by prefix, DPoP proofs replayable through oidc-provider's own `allowReplay` switch)
// that the scan must detect. The login form is the provider's development interaction (any user
// name signs in), driven by the scanner without a browser.
import { randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const [port, redirectUri, mode] = process.argv.slice(2);
if (!port || !redirectUri) {
  console.error('usage: node server.mjs PORT REDIRECT_URI [--weak]');
  process.exit(2);
}
const weak = mode === '--weak';
const issuer = `http://127.0.0.1:${port}`;

const client = (id, secret) => ({
  client_id: id,
  client_secret: secret,
  application_type: 'native', // loopback http redirect URIs are allowed for native clients
  redirect_uris: [redirectUri],
  grant_types: weak
    ? ['authorization_code', 'refresh_token', 'implicit']
    : ['authorization_code', 'refresh_token'],
  response_types: weak ? ['code', 'code token', 'id_token token'] : ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile email offline_access',
});

const configuration = {
  clients: [
    client('authsift-main', 'main-client-secret-for-tests-only'),
    client('authsift-second', 'second-client-secret-for-tests-only'),
  ],
  responseTypes: weak ? ['code', 'code token', 'id_token token', 'none'] : ['code', 'none'],
  pkce: { required: () => !weak },
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    // RFC 9449: strict asks for server nonces (§8, §9); `allowReplay` skips the jti check (§11.1)
    dPoP: {
      enabled: true,
      nonceSecret: randomBytes(32),
      requireNonce: () => !weak,
      allowReplay: weak,
    },
  },
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  ttl: {
    AuthorizationCode: 60,
    AccessToken: 300,
    IdToken: 300,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    RefreshToken: 86400,
  },
  rotateRefreshToken: true,
  issueRefreshToken: async (ctx, cl, code) =>
    cl.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub, email: `${sub}@example.test` }; } };
  },
  cookies: { keys: ['authsift-test-cookie-key-not-secret'] },
};

const provider = new Provider(issuer, configuration);
if (weak) {
  // the "wildcard-ish" redirect rule: any redirect_uri that starts with a registered one
  provider.Client.prototype.redirectUriAllowed = function prefixMatch(value) {
    return this.redirectUris.some((registered) => value.startsWith(registered));
  };
}
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider (${weak ? 'weak' : 'strict'}) on ${issuer}`);
});
