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
// scope, and the address and picture released only when a `claims` request names them; or
// IDP_STYLE=slack as "Sign in with Slack" answers: no PKCE, `client_secret_post`, every claim
// in the ID token too, with the workspace under `https://slack.com/` claim names; or
// IDP_STYLE=microsoft as Microsoft Entra ID's multi-tenant endpoint: the issuer is one tenant's
// (a path, /{tenant}/v2.0), while /common/v2.0 serves discovery whose issuer is the template
// `{tenantid}`; `tid`, `oid` and `xms_edov` (the address verified, for known people only).

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { faultInjection } from './faults.mjs';

const port = Number(process.env.IDP_PORT ?? 9400);
const appUrl = (process.env.APP_URL ?? 'http://localhost:3000').replace(/\/$/, '');
const providerId = process.env.IDP_PROVIDER_ID ?? 'demo';
const clientId = process.env.IDP_CLIENT_ID ?? 'demo-client';
const clientSecret = process.env.IDP_CLIENT_SECRET ?? 'demo-secret';
const googleStyle = process.env.IDP_STYLE === 'google';
const gitlabStyle = process.env.IDP_STYLE === 'gitlab';
const linkedinStyle = process.env.IDP_STYLE === 'linkedin';
const twitchStyle = process.env.IDP_STYLE === 'twitch';
const slackStyle = process.env.IDP_STYLE === 'slack';
const microsoftStyle = process.env.IDP_STYLE === 'microsoft';
// Styles of providers that take the secret in the form and no PKCE from a web app.
const postAndNoPkce = linkedinStyle || twitchStyle || slackStyle;
// Styles whose ID token holds the profile even when an access token is issued for userinfo.
const fullIdToken = slackStyle || microsoftStyle;

// The made-up Entra tenant of the microsoft style: its issuer is
// http://127.0.0.1:PORT/4b0c2e6a-1f3d-4c5e-8a7b-9d1e2f3a4b5c/v2.0, as each real tenant's is
// https://login.microsoftonline.com/{tenant}/v2.0.
const microsoftTenant = '4b0c2e6a-1f3d-4c5e-8a7b-9d1e2f3a4b5c';
const tenantPath = microsoftStyle ? `/${microsoftTenant}/v2.0` : '';
const origin = `http://127.0.0.1:${port}`;
const issuer = `${origin}${tenantPath}`;
// Slack's fixed workspace for every person of the slack style.
const slackTeam = { id: 'T07QX4LABS9', name: 'Lovelace Labs', domain: 'lovelacelabs' };

// People the demo knows by name; any other login becomes a person named after it.
const people = {
  ada: { name: 'Ada Lovelace', email: 'ada@example.com' },
  grace: { name: 'Grace Hopper', email: 'grace@example.com' },
};

// Deterministic identifiers per login, in each provider's shape.
const digest = (text) => createHash('sha256').update(text).digest();
const slackUserId = (login) => `U0${digest(`slack:${login}`).toString('hex').slice(0, 9).toUpperCase()}`;
const entraObjectId = (login) => digest(`oid:${login}`).toString('hex').slice(0, 32)
  .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
// Entra's `sub` is pairwise: the same person has another one at another app.
const entraSubject = (login) => digest(`${login}${clientId}`).toString('base64url').slice(0, 43);

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

// Which claims each scope releases; oidc-provider releases no claim that is not named here.
function claimsByScope() {
  if (twitchStyle) {
    return { openid: ['sub'], 'user:read:email': [], twitch: ['email', 'email_verified', 'picture', 'preferred_username'] };
  }
  if (microsoftStyle) {
    return {
      openid: ['sub', 'tid', 'oid', 'xms_edov'],
      email: ['email'],
      profile: ['name', 'preferred_username'],
    };
  }
  const profile = ['name', 'preferred_username', 'nickname', 'given_name', 'family_name', 'picture', 'profile', 'locale'];
  if (slackStyle) {
    profile.push(...['user_id', 'team_id', 'team_name', 'team_domain'].map((name) => `https://slack.com/${name}`));
  }
  return { openid: ['sub'], email: ['email', 'email_verified'], profile };
}

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
    subject_type: fullIdToken ? 'pairwise' : 'public',
  }],
  jwks: { keys: [signingKey, ecKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => !postAndNoPkce },
  conformIdTokenClaims: !fullIdToken,
  // The `sub` oidc-provider sends is the login, whatever the claims say; its pairwise hook is
  // where Slack's and Entra's own shapes of it are made. (Entra's is pairwise; Slack's is not,
  // but this client is the only one.)
  subjectTypes: microsoftStyle ? ['pairwise'] : ['public', ...(slackStyle ? ['pairwise'] : [])],
  pairwiseIdentifier: (_ctx, login) => (microsoftStyle ? entraSubject(login) : slackUserId(login)),
  // Slack's discovery names the form as the only way to send the secret.
  ...(slackStyle ? { clientAuthMethods: ['client_secret_post'] } : {}),
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
  claims: claimsByScope(),
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
        if (slackStyle) {
          const [given, ...family] = person.name.split(' ');
          const userId = slackUserId(sub);
          return {
            sub,
            'https://slack.com/user_id': userId,
            'https://slack.com/team_id': slackTeam.id,
            'https://slack.com/team_name': slackTeam.name,
            'https://slack.com/team_domain': slackTeam.domain,
            name: person.name,
            given_name: given,
            family_name: family.join(' ') || undefined,
            email: person.email,
            email_verified: true,
            picture,
            locale: 'en-US',
          };
        }
        if (microsoftStyle) {
          // The UPN is the work login; `xms_edov` (email domain owner verified) only where the
          // tenant vouches for the address, so other people's addresses are unverified.
          return {
            sub,
            oid: entraObjectId(sub),
            tid: microsoftTenant,
            name: person.name,
            preferred_username: `${sub}@contoso.example`,
            email: person.email,
            xms_edov: people[sub] ? true : undefined,
          };
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
  // Slack's Web API refuses with HTTP 200 and `ok: false`, its token endpoint included.
  const slackError = { status: 200, body: { ok: false, error: 'invalid_code' } };
  provider.use(faultInjection(signingKey, ecKey, slackStyle ? slackError : undefined));
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

if (microsoftStyle) {
  // Entra sends no `iss` with the authorization response and does not advertise it; the
  // multi-tenant discovery names the issuer as a template the app fills with `tid`.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && ctx.status === 200) {
      const { authorization_response_iss_parameter_supported: _dropped, ...metadata } = ctx.body;
      ctx.body = ctx.req.commonDiscovery ? { ...metadata, issuer: `${origin}/{tenantid}/v2.0` } : metadata;
    }
    const location = String(ctx.response.get('Location') ?? '');
    if (location.startsWith(`${appUrl}/auth/callback/`)) {
      const url = new URL(location);
      url.searchParams.delete('iss');
      ctx.redirect(url.href);
    }
  });
}

provider.on('backchannel.error', (_ctx, error, client) => {
  console.error(`back-channel logout to ${client.clientId} failed: ${error.message} ${error.cause?.message ?? ''}`);
});

// With a path in its issuer, oidc-provider expects to be mounted under that path: it sees the
// rest of the path and finds the prefix from `req.originalUrl`. Other paths (the test hook
// /__faults, Entra's /common/v2.0 discovery) reach it from the port's root.
function mountedUnderIssuerPath(handle) {
  return (req, res) => {
    const { pathname } = new URL(req.url, origin);
    if (pathname === '/common/v2.0/.well-known/openid-configuration') {
      req.commonDiscovery = true;
      req.originalUrl = `${tenantPath}/.well-known/openid-configuration`;
      req.url = '/.well-known/openid-configuration';
    } else if (pathname.startsWith(`${tenantPath}/`)) {
      req.originalUrl = req.url;
      req.url = req.url.slice(tenantPath.length);
    }
    handle(req, res);
  };
}

const server = microsoftStyle ? createServer(mountedUnderIssuerPath(provider.callback())) : provider;
server.listen(port, '127.0.0.1', () => {
  console.log(`Demo OpenID provider ready at ${issuer} (client ${clientId}, redirect ${appUrl}/auth/callback/${providerId})`);
  console.log('Sign in there with any login and any password, e.g. login "ada", password "demo".');
});
