// A local stand-in for Sign in with Apple on the web, for the end-to-end tests, shaped after
// Apple's REST documentation: discovery, /auth/authorize, /auth/token, /auth/revoke and
// /auth/keys, and no userinfo endpoint. What Apple checks, it checks: the exact redirect URI,
// `response_mode=form_post` whenever name or email is asked for, and a client secret that is
// an ES256 JWT signed with the developer's key (it holds the public half, as Apple does).
// The answer comes back as a cross-site form POST, with the person's name in a `user` field
// only the first time they allow this app; the person is always Ada.
//
// Test hooks: POST /__faults {"fault": "token-error"} (a `provider` field is ignored) makes the
// next token request fail; GET /__revocations counts revoked tokens; POST /__notify
// {"type", "sub"?} sends the app one of Apple's server-to-server notifications, and
// {"replay": true} sends the last one again, as it was.
//
// Settings (environment): APPLE_STANDIN_PORT (9421), APP_URL (http://localhost:3100),
// APPLE_STANDIN_CLIENT_ID (com.example.signin), APPLE_TEAM_ID, APPLE_KEY_ID and
// APPLE_PRIVATE_KEY_FILE (the developer's .p8 file: a PKCS#8 PEM P-256 key).

import {
  createHash, createPrivateKey, createPublicKey, createSign, generateKeyPairSync, randomBytes, randomUUID, verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const port = Number(process.env.APPLE_STANDIN_PORT ?? 9421);
const issuer = `http://127.0.0.1:${port}`;
const appUrl = (process.env.APP_URL ?? 'http://localhost:3100').replace(/\/$/, '');
const clientId = process.env.APPLE_STANDIN_CLIENT_ID ?? 'com.example.signin';
const teamId = process.env.APPLE_TEAM_ID;
const keyId = process.env.APPLE_KEY_ID;
const keyFile = process.env.APPLE_PRIVATE_KEY_FILE;
if (!teamId || !keyId || !keyFile) {
  console.error('APPLE_TEAM_ID, APPLE_KEY_ID and APPLE_PRIVATE_KEY_FILE are required');
  process.exit(1);
}
const developerKey = createPublicKey(createPrivateKey(readFileSync(keyFile, 'utf8')));
const redirectUri = `${appUrl}/auth/callback/apple`;
const notificationUrl = `${appUrl}/auth/notifications/apple`;

// Apple's own signing key: fresh at every start, published at /auth/keys.
const { privateKey: signingKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKid = `apple-standin-${Date.now()}`;
const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: signingKid, use: 'sig', alg: 'RS256' }] };

// Ada as Apple knows her: a subject of Apple's shape, stable per client, and a private relay
// address (fixed, so that tests can name it).
const hex = (text, length) => createHash('sha256').update(text).digest('hex').slice(0, length);
const ada = {
  sub: `001234.${hex(`sub:${clientId}`, 32)}.1234`,
  email: 'dx7k2m9qpb@privaterelay.appleid.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
};

const now = () => Math.floor(Date.now() / 1000);
const random = () => randomBytes(24).toString('base64url');
const codes = new Map(); // code -> { redirectUri, nonce, expires }
const accessTokens = new Set();
const refreshTokens = new Map(); // refresh token -> the access tokens issued with it
const authorized = new Set(); // people who have allowed this app: the `user` field is sent once
let pendingFault = null;
let revocations = 0;
let lastNotification = null; // { payload, jti }

function send(res, status, body, type = 'application/json; charset=utf-8') {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const escape = (value) => String(value).replace(/[&"<>']/g, (c) => `&#${c.charCodeAt(0)};`);
const hiddenFields = (fields) => Object.entries(fields)
  .filter(([, v]) => v !== undefined && v !== null)
  .map(([k, v]) => `<input type="hidden" name="${k}" value="${escape(v)}">`)
  .join('');

function page(res, status, title, body) {
  send(res, status, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>
<main><h1>${title}</h1>${body}</main></body></html>`, 'text/html; charset=utf-8');
}

const base64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signRs256(claims) {
  const input = `${base64url({ kid: signingKid, alg: 'RS256' })}.${base64url(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(signingKey).toString('base64url')}`;
}

// The client secret the app makes from the developer's key, checked as Apple documents it.
function clientSecretIsValid(token) {
  const parts = String(token ?? '').split('.');
  if (parts.length !== 3) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
    if (header.alg !== 'ES256' || header.kid !== keyId) return false;
    if (claims.iss !== teamId || claims.sub !== clientId || claims.aud !== issuer) return false;
    const t = now();
    if (!(Number.isInteger(claims.iat) && Number.isInteger(claims.exp))) return false;
    if (claims.iat > t || claims.exp <= t || claims.exp - claims.iat > 15777000) return false;
    const signature = Buffer.from(parts[2], 'base64url');
    return verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: developerKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

const discovery = {
  issuer,
  authorization_endpoint: `${issuer}/auth/authorize`,
  token_endpoint: `${issuer}/auth/token`,
  revocation_endpoint: `${issuer}/auth/revoke`,
  jwks_uri: `${issuer}/auth/keys`,
  response_types_supported: ['code'],
  response_modes_supported: ['query', 'fragment', 'form_post'],
  subject_types_supported: ['pairwise'],
  id_token_signing_alg_values_supported: ['RS256'],
  scopes_supported: ['openid', 'email', 'name'],
  token_endpoint_auth_methods_supported: ['client_secret_post'],
  claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'is_private_email', 'iss', 'nonce', 'nonce_supported',
    'real_user_status', 'sub', 'transfer_sub'],
};

function authorize(res, query) {
  // Like Apple, an error page rather than a redirect to a URI it does not trust.
  if (query.get('client_id') !== clientId) return page(res, 400, 'Invalid client', '<p>invalid_client</p>');
  if (query.get('redirect_uri') !== redirectUri) return page(res, 400, 'Invalid redirect', '<p>invalid_request: Invalid redirect_uri.</p>');
  if (query.get('response_type') !== 'code') return page(res, 400, 'Invalid request', '<p>unsupported_response_type</p>');
  const scopes = (query.get('scope') ?? '').split(' ').filter(Boolean);
  const mode = query.get('response_mode') ?? 'query';
  if ((scopes.includes('name') || scopes.includes('email')) && mode !== 'form_post') {
    return page(res, 400, 'Invalid request', '<p>invalid_request: response_mode must be form_post when name or email scope is requested.</p>');
  }
  page(res, 200, 'Apple stand-in', `<p>The end-to-end test app wants to know who you are.</p>
<form method="post" action="/auth/decide">${hiddenFields({ state: query.get('state'), nonce: query.get('nonce'), scope: scopes.join(' '), mode })}
<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></form>`);
}

// Apple's answer: with form_post, a page whose form posts itself to the app (a button too,
// for no script); otherwise a redirect with the fields in the query or the fragment.
function answer(res, mode, fields) {
  if (mode !== 'form_post') {
    const back = new URL(redirectUri);
    const params = new URLSearchParams(Object.entries(fields).filter(([, v]) => v !== undefined));
    if (mode === 'fragment') back.hash = params.toString();
    else back.search = params.toString();
    res.writeHead(302, { Location: back.href, 'Cache-Control': 'no-store' });
    return res.end();
  }
  page(res, 200, 'Returning to the app', `<form method="post" action="${escape(redirectUri)}">${hiddenFields(fields)}
<button>Continue</button></form><script>document.forms[0].submit();</script>`);
}

function decide(res, form) {
  const state = form.get('state') ?? undefined;
  const mode = form.get('mode');
  if (form.get('decision') !== 'allow') return answer(res, mode, { error: 'user_cancelled_authorize', state });
  const code = `c${random()}.0.apple`;
  codes.set(code, { redirectUri, nonce: form.get('nonce') ?? undefined, expires: now() + 300 });
  const scopes = (form.get('scope') ?? '').split(' ');
  let user;
  if (!authorized.has(ada.sub)) {
    authorized.add(ada.sub);
    const shared = {};
    if (scopes.includes('name')) shared.name = { firstName: ada.firstName, lastName: ada.lastName };
    if (scopes.includes('email')) shared.email = ada.email;
    user = JSON.stringify(shared);
  }
  answer(res, mode, { code, state, user });
}

function idToken(accessToken, nonce) {
  const t = now();
  const claims = {
    iss: issuer,
    aud: clientId,
    exp: t + 600,
    iat: t,
    sub: ada.sub,
    at_hash: createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url'),
    nonce,
    nonce_supported: true,
    email: ada.email,
    // Apple writes these flags as strings.
    email_verified: 'true',
    is_private_email: 'true',
    auth_time: t,
    real_user_status: 2,
  };
  return signRs256(claims);
}

function token(res, form) {
  if (form.get('client_id') !== clientId || !clientSecretIsValid(form.get('client_secret'))) {
    return send(res, 400, { error: 'invalid_client' });
  }
  if (pendingFault === 'token-error') {
    pendingFault = null;
    return send(res, 400, { error: 'invalid_grant' });
  }
  const accessToken = `a${random()}.0.apple`;
  if (form.get('grant_type') === 'authorization_code') {
    const grant = codes.get(form.get('code'));
    codes.delete(form.get('code'));
    if (!grant || grant.expires < now() || form.get('redirect_uri') !== grant.redirectUri) {
      return send(res, 400, { error: 'invalid_grant' });
    }
    const refreshToken = `r${random()}.0.apple`;
    accessTokens.add(accessToken);
    refreshTokens.set(refreshToken, [accessToken]);
    return send(res, 200, {
      access_token: accessToken, token_type: 'Bearer', expires_in: 3600, refresh_token: refreshToken, id_token: idToken(accessToken, grant.nonce),
    });
  }
  if (form.get('grant_type') === 'refresh_token') {
    const issued = refreshTokens.get(form.get('refresh_token'));
    if (!issued) return send(res, 400, { error: 'invalid_grant' });
    accessTokens.add(accessToken);
    issued.push(accessToken);
    return send(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, id_token: idToken(accessToken) });
  }
  send(res, 400, { error: 'unsupported_grant_type' });
}

function revoke(res, form) {
  if (form.get('client_id') !== clientId || !clientSecretIsValid(form.get('client_secret'))) {
    return send(res, 400, { error: 'invalid_client' });
  }
  const value = form.get('token');
  // A refresh token ends the grant, its access tokens with it; unknown tokens are no error.
  const issued = refreshTokens.get(value);
  if (issued) {
    refreshTokens.delete(value);
    issued.forEach((t) => accessTokens.delete(t));
    revocations += 1;
  } else if (accessTokens.delete(value)) {
    revocations += 1;
  }
  send(res, 200, '', 'text/plain');
}

// Apple's server-to-server notification: a JWT whose `events` claim is itself JSON, as text.
async function notify(res, request) {
  if (!request.replay) {
    const sub = request.sub ?? ada.sub;
    const events = { type: request.type, sub, event_time: Date.now() };
    if (request.type === 'email-disabled' || request.type === 'email-enabled') {
      Object.assign(events, { email: ada.email, is_private_email: 'true' });
    }
    // Once the person has stopped using Apple here, a later sign-in is a first one again.
    if (request.type === 'consent-revoked' || request.type === 'account-delete') authorized.delete(sub);
    const jti = randomUUID();
    lastNotification = { jti, payload: signRs256({ iss: issuer, aud: clientId, iat: now(), jti, events: JSON.stringify(events) }) };
  }
  if (!lastNotification) return send(res, 409, { error: 'nothing to replay' });
  const answer = await fetch(notificationUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ payload: lastNotification.payload }),
  });
  send(res, 200, { status: answer.status, jti: lastNotification.jti });
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? body : '');
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /.well-known/openid-configuration') return send(res, 200, discovery);
    if (route === 'GET /auth/keys') return send(res, 200, jwks);
    if (route === 'GET /auth/authorize') return authorize(res, url.searchParams);
    if (route === 'POST /auth/decide') return decide(res, form);
    if (route === 'POST /auth/token') return token(res, form);
    if (route === 'POST /auth/revoke') return revoke(res, form);
    if (route === 'POST /__faults') {
      pendingFault = JSON.parse(body).fault ?? null;
      return send(res, 204, '');
    }
    if (route === 'GET /__revocations') return send(res, 200, { apple: revocations });
    if (route === 'POST /__notify') return notify(res, JSON.parse(body));
    send(res, 404, { error: 'not found' });
  } catch (error) {
    console.error(error);
    send(res, 500, { error: 'stand-in failure' });
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`Apple stand-in ready at ${issuer} (client ${clientId}, redirect ${redirectUri})`);
});
