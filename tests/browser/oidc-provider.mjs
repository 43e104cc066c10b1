// A real OpenID provider on loopback for Porten's e-ID tests: npm
// `oidc-provider` (OpenID Certified), standing in for an e-ID broker that
// speaks the Swedish OIDC profile. It runs inside the harness's process;
// run.mjs starts it before Porten and hands Porten its issuer with
// PORTEN_EID_ISSUER. Its development login form accepts any password; the
// login name picks one of the fictional people below, and a consent page
// follows. PKCE is required, as Porten always sends it.
import Provider from 'oidc-provider';

export const PERSONAL_NUMBER_CLAIM = 'https://id.oidc.se/claim/personalIdentityNumber';
export const OIDC_CLIENT = { id: 'porten', secret: 'porten-test-secret' };

/** The fictional people the provider knows, by login name. */
export const OIDC_PEOPLE = {
  gustav: { name: 'Gustav Lind', given_name: 'Gustav', family_name: 'Lind', [PERSONAL_NUMBER_CLAIM]: '194107086995' },
  sara: { name: 'Sara Nilsson', given_name: 'Sara', family_name: 'Nilsson', [PERSONAL_NUMBER_CLAIM]: '200208302380' },
};

/**
 * The city's staff, as its identity provider knows them: a username, the
 * groups Porten maps to roles (`porten-agent`, …) and the unit's code.
 */
export const OIDC_STAFF = {
  stina: { name: 'Stina Berg', given_name: 'Stina', family_name: 'Berg', preferred_username: 'stina.berg', roles: ['porten-agent', 'alla-anstallda'], unit: 'KC' },
};

/** Starts the provider on `port` for a client that comes back to one of `redirectUris`; resolves to { issuer, close }. */
export async function startOidcProvider(port, redirectUris) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT.id,
        client_secret: OIDC_CLIENT.secret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'roles', 'unit', PERSONAL_NUMBER_CLAIM],
      email: ['email', 'email_verified'],
    },
    // The ID token carries the profile claims itself, as e-ID brokers do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const person = OIDC_PEOPLE[id] || OIDC_STAFF[id];
      if (!person) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...person }) };
    },
  });
  // Its start-up warnings (development keys, in-memory storage) are expected here.
  const quiet = console.warn;
  console.warn = () => {};
  const server = await new Promise((resolve, reject) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
  console.warn = quiet;
  return { issuer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
