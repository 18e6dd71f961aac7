// A local OpenID Connect provider for the demo (`make run`) and the end-to-end tests.
// It is the real `oidc-provider` package with its development login form, which accepts any
// login and password. PKCE is required for every client, as a careful provider would.
//
// Settings (environment): IDP_PORT (9400), APP_URL (http://localhost:3000),
// IDP_PROVIDER_ID (demo), IDP_CLIENT_ID (demo-client), IDP_CLIENT_SECRET (demo-secret), and
// IDP_FAULTS=1, for tests only, to let them make the provider misbehave (see faults.mjs), and
// IDP_STYLE=google to answer with the claims Google documents (no username; given and family
// names), so it can stand in for Google in the tests of the google preset, or IDP_STYLE=gitlab
// with GitLab's (`nickname` beside `preferred_username`, a profile URL), for the gitlab preset,
// or IDP_STYLE=linkedin as LinkedIn answers a web app: no PKCE, the secret in the form
// (`client_secret_post`), no username, and `email_verified` written as a string; or
// IDP_STYLE=twitch as Twitch answers: no PKCE, `client_secret_post`, `openid` its only OpenID
// scope, and the address and picture released only when a `claims` request names them.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { faultInjection } from './faults.mjs';

const port = Number(process.env.IDP_PORT ?? 9400);
const issuer = `http://127.0.0.1:${port}`;
const appUrl = (process.env.APP_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const providerId = process.env.IDP_PROVIDER_ID ?? 'demo';
const clientId = process.env.IDP_CLIENT_ID ?? 'demo-client';
const clientSecret = process.env.IDP_CLIENT_SECRET ?? 'demo-secret';
const googleStyle = process.env.IDP_STYLE === 'google';
const gitlabStyle = process.env.IDP_STYLE === 'gitlab';
const linkedinStyle = process.env.IDP_STYLE === 'linkedin';
const twitchStyle = process.env.IDP_STYLE === 'twitch';
// Styles of providers that take the secret in the form and no PKCE from a web app.
const postAndNoPkce = linkedinStyle || twitchStyle;

// People the demo knows by name; any other login becomes a person named after it.
const people = {
  ada: { name: 'Ada Lovelace', email: 'ada@example.com' },
  grace: { name: 'Grace Hopper', email: 'grace@example.com' },
};

function personFor(login) {
  const known = people[login];
  if (known) return known;
  const name = login.charAt(0).toUpperCase() + login.slice(1);
  return { name, email: `${login}@example.com` };
}

// Fresh signing keys at every start: nothing secret is kept in the repository.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `demo-${Date.now()}`, use: 'sig', alg: 'RS256' };
// An ES256 key is published too, as many providers do; ID tokens are RS256 unless a test
// fault re-signs one with it.
const ecKey = {
  ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
  kid: `demo-ec-${Date.now()}`,
  use: 'sig',
  alg: 'ES256',
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [`${appUrl}/auth/callback/${providerId}`],
    post_logout_redirect_uris: [`${appUrl}/`],
    // Back-Channel Logout: when a person signs out here, the app is told, server to server.
    backchannel_logout_uri: `${appUrl}/auth/backchannel-logout/${providerId}`,
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: postAndNoPkce ? 'client_secret_post' : 'client_secret_basic',
  }],
  jwks: { keys: [signingKey, ecKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => !postAndNoPkce },
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    claimsParameter: { enabled: twitchStyle },
  },
  // Twitch's scope for the address; without it (and a claims request) none is released.
  scopes: twitchStyle ? ['openid', 'user:read:email'] : ['openid', 'offline_access'],
  // The provider's outgoing requests (back-channel logouts) refuse loopback addresses, a
  // guard for a provider on the internet; this one only ever talks to the app on loopback.
  fetch: (url, options) => fetch(url, { ...options, dispatcher: undefined }),
  claims: twitchStyle
    ? { openid: ['sub'], 'user:read:email': [], twitch: ['email', 'email_verified', 'picture', 'preferred_username'] }
    : {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'nickname', 'given_name', 'family_name', 'picture', 'profile', 'locale'],
    },
  async findAccount(_ctx, sub) {
    const person = personFor(sub);
    return {
      accountId: sub,
      async claims() {
        const picture = `${issuer}/avatars/${encodeURIComponent(sub)}.svg`;
        if (googleStyle || linkedinStyle) {
          // Neither has a username; both split the name. LinkedIn writes the flag as a string.
          const [given, ...family] = person.name.split(' ');
          return {
            sub,
            name: person.name,
            given_name: given,
            family_name: family.join(' ') || undefined,
            email: person.email,
            email_verified: linkedinStyle ? 'true' : true,
            picture,
            locale: linkedinStyle ? 'en_US' : undefined,
          };
        }
        if (twitchStyle) {
          // Twitch names a person by their display name, as `preferred_username`.
          return { sub, preferred_username: person.name, email: person.email, email_verified: true, picture };
        }
        if (gitlabStyle) {
          return {
            sub: String([...sub].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 9_000_000, 1_000_000)),
            name: person.name,
            nickname: sub,
            preferred_username: sub,
            email: person.email,
            email_verified: true,
            picture,
            profile: `${issuer}/${encodeURIComponent(sub)}`,
          };
        }
        return {
          sub,
          name: person.name,
          preferred_username: sub,
          email: person.email,
          email_verified: true,
          picture,
        };
      },
    };
  },
});

if (process.env.IDP_FAULTS === '1') {
  provider.use(faultInjection(signingKey, ecKey));
  console.log('Fault injection is on: POST /__faults {"fault": "..."} sets the next misbehaviour.');
}

// A generated picture per person, so the demo shows an avatar without any outside service.
provider.use(async (ctx, next) => {
  const match = /^\/avatars\/([^/]+)\.svg$/.exec(ctx.path);
  if (!match) return next();
  const login = decodeURIComponent(match[1]);
  // A login starting with "no-picture" has a picture URL that answers 404 (tests the fallback).
  if (login.startsWith('no-picture')) {
    ctx.status = 404;
    return undefined;
  }
  const initials = personFor(login).name.split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toUpperCase();
  const hue = [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  ctx.type = 'image/svg+xml';
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.body = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"><rect width="72" height="72" fill="hsl(${hue} 55% 45%)"/><text x="36" y="45" font-family="sans-serif" font-size="28" fill="#fff" text-anchor="middle">${initials.replace(/[^A-Z0-9]/g, '')}</text></svg>`;
  return undefined;
});

provider.on('backchannel.error', (_ctx, error, client) => {
  console.error(`back-channel logout to ${client.clientId} failed: ${error.message} ${error.cause?.message ?? ''}`);
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`Demo OpenID provider ready at ${issuer} (client ${clientId}, redirect ${appUrl}/auth/callback/${providerId})`);
  console.log('Sign in there with any login and any password, e.g. login "ada", password "demo".');
});
