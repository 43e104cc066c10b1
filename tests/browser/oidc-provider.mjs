#!/usr/bin/env node
// A real OpenID provider on loopback for Porten's e-ID tests: npm
// `oidc-provider` (OpenID Certified), standing in for an e-ID broker that
// speaks the Swedish OIDC profile. Its development login form accepts any
// password; the login name picks one of the fictional people below.
//
// Usage: node tests/browser/oidc-provider.mjs <port> <redirect_uri>
// (run.mjs starts it for the e-ID part; needs `npm ci` in tests/browser)
// Prints "oidc-provider listening on http://127.0.0.1:<port>" when ready.
import Provider from 'oidc-provider';

const [port, redirectUri] = [Number(process.argv[2] || 0), process.argv[3]];
const PNR = 'https://id.oidc.se/claim/personalIdentityNumber';
const PEOPLE = {
  anna: { name: 'Anna Andersson', given_name: 'Anna', family_name: 'Andersson', [PNR]: '198112189876' },
  gustav: { name: 'Gustav Lind', given_name: 'Gustav', family_name: 'Lind', [PNR]: '194107086995' },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: 'porten',
      client_secret: 'porten-test-secret',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  claims: { openid: ['sub'], profile: ['name', 'given_name', 'family_name', PNR] },
  // The ID token carries the profile claims itself, as e-ID brokers do.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const person = PEOPLE[id];
    if (!person) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...person }) };
  },
});
provider.proxy = false;
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on http://127.0.0.1:${server.address().port}`);
});
