// Local stand-ins for the providers that are not OpenID Connect: GitHub, X (OAuth 2.0 and the
// legacy OAuth 1.0a), Facebook, Instagram and Discord, for the end-to-end tests. Each lives under its
// own path prefix on one loopback port and answers in the shapes its documentation shows
// (../shared/PROVIDERS.md lists the sources; the profiles are server/tests/fixtures/profiles).
// Each checks what the real one checks: client credentials, exact redirect URI, PKCE where
// the provider does it, bearer tokens, Facebook's appsecret_proof, X's OAuth 1.0a signatures.
//
// The consent page has "Allow" and "Deny". A test may POST {"provider", "fault"} to /__faults
// to make that provider's next token request fail in the provider's own error format, and
// GET /__revocations to read how many grants each provider has had revoked.
//
// Settings (environment): STANDINS_PORT (9420), APP_URL (http://localhost:3100),
// STANDINS_CLIENT_SECRET (e2e-secret).

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAuthorization, signatureIsValid } from './oauth1-signature.mjs';

const port = Number(process.env.STANDINS_PORT ?? 9420);
const origin = `http://127.0.0.1:${port}`;
const appUrl = (process.env.APP_URL ?? 'http://localhost:3100').replace(/\/$/, '');
const clientSecret = process.env.STANDINS_CLIENT_SECRET ?? 'e2e-secret';
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../server/tests/fixtures/profiles');

// Profiles as recorded, with picture URLs pointed at this server so the browser never
// reaches outside loopback.
const profile = (name, avatarFields = []) => {
  let text = readFileSync(join(fixtures, `${name}.json`), 'utf8');
  for (const field of avatarFields) {
    text = text.replace(new RegExp(`("${field}": )"[^"]*"`), `$1"${origin}/avatars/${name}.svg"`);
  }
  return text;
};

const random = () => randomBytes(18).toString('base64url');
const s256 = (verifier) => createHash('sha256').update(verifier).digest('base64url');
const redirectFor = (id) => `${appUrl}/auth/callback/${id}`;

// One provider per prefix, keyed by the provider id the app is configured with.
const providers = {
  github: { name: 'GitHub', clientId: 'github-client', pkce: 'optional-s256' },
  x: { name: 'X', clientId: 'x-client', pkce: 'required' },
  facebook: { name: 'Facebook', clientId: 'facebook-client', pkce: 'optional' },
  instagram: { name: 'Instagram', clientId: 'instagram-client', pkce: 'none' },
  discord: { name: 'Discord', clientId: 'discord-client', pkce: 'optional-s256' },
};
const codes = new Map(); // code -> { provider, redirectUri, challenge, scope }
const accessTokens = new Map(); // token -> { provider, scope }
const refreshTokens = new Map(); // Discord's refresh token -> its access token
const requestTokens = new Map(); // OAuth 1.0a request token -> { secret, verifier }
const oauth1Access = new Map(); // OAuth 1.0a access token -> secret
const faults = new Map(); // provider -> fault name, applied once
const revocations = { github: 0, x: 0, 'x-legacy': 0, facebook: 0, discord: 0 }; // grants revoked, per provider

function send(res, status, body, type = 'application/json; charset=utf-8', headers = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function redirect(res, location) {
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

async function readBody(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return raw;
}

function consentPage(res, title, action, fields) {
  const hidden = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${String(v).replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}">`)
    .join('');
  send(
    res,
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>
<main><h1>${title}</h1><p>The end-to-end test app wants to know who you are.</p>
<form method="post" action="${action}">${hidden}
<button name="decision" value="allow">Allow</button> <button name="decision" value="deny">Deny</button></form></main></body></html>`,
    'text/html; charset=utf-8',
  );
}

// --- OAuth 2.0 ---------------------------------------------------------------------------

function authorize(res, id, query) {
  const p = providers[id];
  const redirectUri = query.get('redirect_uri');
  if (query.get('client_id') !== p.clientId || redirectUri !== redirectFor(id)) {
    // Real providers show an error page rather than redirect to an unregistered URI.
    return send(res, 400, `${p.name}: unknown client or redirect_uri mismatch`, 'text/plain');
  }
  const challenge = query.get('code_challenge');
  const method = query.get('code_challenge_method');
  if (p.pkce === 'required' && (!challenge || method !== 'S256')) {
    return send(res, 400, 'X: code_challenge is required', 'text/plain');
  }
  if (challenge && method !== 'S256' && p.pkce === 'optional-s256') {
    return send(res, 400, 'GitHub supports only S256', 'text/plain');
  }
  if (query.get('response_type') !== 'code' || !query.get('state')) {
    return send(res, 400, `${p.name}: response_type=code and state are required`, 'text/plain');
  }
  consentPage(res, `${p.name} stand-in`, `/${id}/decide`, {
    redirect_uri: redirectUri,
    state: query.get('state'),
    scope: query.get('scope') ?? '',
    challenge: p.pkce === 'none' ? '' : (challenge ?? ''),
  });
}

function decide(res, id, form) {
  const back = new URL(form.get('redirect_uri'));
  const state = form.get('state');
  if (form.get('decision') !== 'allow') {
    // Each provider's own way of saying the person refused.
    const denial = {
      github: { error: 'access_denied', error_description: 'The user has denied your application access.',
        error_uri: 'https://docs.github.com/apps/troubleshooting-authorization-request-errors/#access-denied' },
      x: { error: 'access_denied' },
      facebook: { error: 'access_denied', error_code: '200', error_description: 'Permissions error', error_reason: 'user_denied' },
      instagram: { error: 'access_denied', error_reason: 'user_denied', error_description: 'The user denied your request.' },
      discord: { error: 'access_denied', error_description: 'The resource owner or authorization server denied the request' },
    }[id];
    for (const [k, v] of Object.entries({ ...denial, state })) back.searchParams.set(k, v);
    if (id === 'facebook') back.hash = '_=_';
    return redirect(res, back.href);
  }
  const code = random();
  codes.set(code, { provider: id, redirectUri: form.get('redirect_uri'), challenge: form.get('challenge'), scope: form.get('scope') });
  back.searchParams.set('code', code);
  back.searchParams.set('state', state);
  // GitHub and Discord send the RFC 9207 issuer; the app's configuration names this stand-in's.
  if (id === 'github' || id === 'discord') back.searchParams.set('iss', `${origin}/${id}`);
  // Meta appends `#_` to Instagram redirects.
  if (id === 'instagram') back.hash = '_';
  redirect(res, back.href);
}

const tokenErrors = {
  github: [200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.',
    error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code' }],
  x: [400, { error: 'invalid_request', error_description: 'Value passed for the authorization code was invalid.' }],
  facebook: [400, { error: { message: 'This authorization code has expired.', type: 'OAuthException', code: 100, fbtrace_id: 'AuL2sStandIn' } }],
  instagram: [400, { error_type: 'OAuthException', code: 400, error_message: 'This authorization code has been used' }],
  discord: [400, { error: 'invalid_grant', error_description: 'Invalid "code" in request.' }],
};

function token(res, id, params, authorization) {
  const p = providers[id];
  const fail = () => send(res, ...tokenErrors[id]);
  if (faults.get(id) === 'token-error') {
    faults.delete(id);
    return fail();
  }
  // X requires HTTP Basic for confidential clients (Discord takes it too, and the preset uses
  // it); the others take the secret as a parameter.
  let [clientId, secret] = [params.get('client_id'), params.get('client_secret')];
  if (id === 'x' || id === 'discord') {
    const basic = /^Basic (.+)$/.exec(authorization ?? '');
    if (!basic) return send(res, 401, { error: 'unauthorized_client', error_description: 'Missing valid authorization header' });
    [clientId, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
  }
  const grant = codes.get(params.get('code'));
  codes.delete(params.get('code'));
  if (clientId !== p.clientId || secret !== clientSecret || !grant || grant.provider !== id) return fail();
  if (params.get('redirect_uri') !== grant.redirectUri) return fail();
  if (grant.challenge && s256(params.get('code_verifier') ?? '') !== grant.challenge) return fail();
  const accessToken = `${id}-at-${random()}`;
  accessTokens.set(accessToken, { provider: id, scope: grant.scope });
  const answers = {
    github: () => ({ access_token: accessToken, scope: 'read:user,user:email', token_type: 'bearer' }),
    // X: lower-case `bearer`, seconds as a number.
    x: () => ({ token_type: 'bearer', expires_in: 7200, access_token: accessToken, scope: grant.scope }),
    facebook: () => ({ access_token: accessToken, token_type: 'bearer', expires_in: 5183976 }),
    // Instagram: wrapped in `data`, the user id a number beyond 2^53 (so written by hand).
    instagram: () => `{"data":[{"access_token":"${accessToken}","user_id":17841400123456789,"permissions":"instagram_business_basic"}]}`,
    discord: () => {
      const refreshToken = random();
      refreshTokens.set(refreshToken, accessToken);
      return { access_token: accessToken, token_type: 'Bearer', expires_in: 604800, refresh_token: refreshToken, scope: grant.scope };
    },
  };
  send(res, 200, answers[id]());
}

// Each provider's documented revocation: GitHub's DELETE /applications/{client_id}/grant
// (Basic with the app's credentials, the token in a JSON body, 204), X's RFC 7009 endpoint
// beside its token endpoint (Basic, form, 200), Facebook's DELETE /me/permissions (the person's token and the app's
// proof, {"success": true}). A revoked token stops working at the API.
function revoke(req, res, id, path, url, body, form) {
  const p = providers[id];
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  const [clientId, secret] = basic ? Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent) : [];
  const appAuthenticated = clientId === p.clientId && secret === clientSecret;
  let token;
  if (id === 'github' && req.method === 'DELETE' && path === `/applications/${p.clientId}/grant`) {
    if (!appAuthenticated) return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    token = JSON.parse(body || '{}').access_token;
    if (accessTokens.get(token)?.provider !== id) {
      return send(res, 422, { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest', status: '422' });
    }
  } else if ((id === 'x' && path === '/revoke') || (id === 'discord' && path === '/token/revoke')) {
    if (req.method !== 'POST') return false;
    if (!appAuthenticated) return send(res, 401, { error: 'unauthorized_client', error_description: 'Missing valid authorization header' });
    token = form.get('token');
    // Revoking Discord's refresh token ends the grant, its access token with it.
    if (id === 'discord' && refreshTokens.has(token)) {
      const access = refreshTokens.get(token);
      refreshTokens.delete(token);
      token = access;
    }
  } else if (id === 'facebook' && req.method === 'DELETE' && path === '/v25.0/me/permissions') {
    const grant = bearer(req, url, id);
    const proof = grant && createHmac('sha256', clientSecret).update(grant.token).digest('hex');
    if (!grant || url.searchParams.get('appsecret_proof') !== proof) {
      return send(res, 400, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, fbtrace_id: 'AuL2sStandIn' } });
    }
    token = grant.token;
  } else {
    return false;
  }
  if (accessTokens.get(token)?.provider === id) {
    accessTokens.delete(token);
    revocations[id] += 1;
  }
  if (id === 'github') send(res, 204, '');
  else if (id === 'x') send(res, 200, { revoked: true });
  else if (id === 'discord') send(res, 200, {});
  else send(res, 200, { success: true });
  return true;
}

// Instagram's long-lived tokens: GET /access_token?grant_type=ig_exchange_token&client_secret&access_token
// trades the hour's token for one of 60 days; GET /refresh_access_token?grant_type=ig_refresh_token&access_token
// renews that one. Both answer {access_token, token_type, expires_in} or a Graph error.
function instagramToken(res, path, url) {
  const query = url.searchParams;
  const held = accessTokens.get(query.get('access_token'));
  const exchange = path === '/access_token' && query.get('grant_type') === 'ig_exchange_token' && query.get('client_secret') === clientSecret;
  const refresh = path === '/refresh_access_token' && query.get('grant_type') === 'ig_refresh_token';
  if (!exchange && !refresh) return false;
  if (held?.provider !== 'instagram') {
    send(res, 400, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, fbtrace_id: 'AuL2sStandIn' } });
    return true;
  }
  const accessToken = `instagram-at-${random()}`;
  accessTokens.set(accessToken, held);
  send(res, 200, { access_token: accessToken, token_type: 'bearer', expires_in: 5183944 });
  return true;
}

function bearer(req, url, id) {
  const header = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  const token = header?.[1] ?? url.searchParams.get('access_token');
  const grant = accessTokens.get(token);
  return grant?.provider === id ? { token, ...grant } : null;
}

function api(req, res, id, path, url) {
  const grant = bearer(req, url, id);
  const unauthorized = {
    github: [401, { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest', status: '401' }],
    x: [401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' }],
    facebook: [400, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, fbtrace_id: 'AuL2sStandIn' } }],
    instagram: [400, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, fbtrace_id: 'AuL2sStandIn' } }],
    discord: [401, { message: '401: Unauthorized', code: 0 }],
  }[id];
  if (!grant) return send(res, ...unauthorized);
  if (id === 'github') {
    if (!req.headers['user-agent']) return send(res, 403, 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.', 'text/plain');
    if (path === '/user') return send(res, 200, profile('github-user', ['avatar_url']));
    if (path === '/user/emails') return send(res, 200, profile('github-user-emails'));
  }
  if (id === 'x' && path === '/2/users/me') {
    const fields = (url.searchParams.get('user.fields') ?? '').split(',');
    if (fields.includes('confirmed_email') && !grant.scope.split(' ').includes('users.email')) {
      return send(res, 403, { title: 'Forbidden', detail: 'Missing required OAuth2 scopes: users.email', type: 'about:blank', status: 403 });
    }
    const full = JSON.parse(profile('x-users-me', ['profile_image_url']));
    const data = { id: full.data.id, name: full.data.name, username: full.data.username };
    for (const field of ['profile_image_url', 'confirmed_email']) if (fields.includes(field)) data[field] = full.data[field];
    return send(res, 200, { data });
  }
  if (id === 'facebook' && path === '/v25.0/me') {
    const proof = createHmac('sha256', clientSecret).update(grant.token).digest('hex');
    if (url.searchParams.get('appsecret_proof') !== proof) {
      return send(res, 400, { error: { message: 'Invalid appsecret_proof provided in the API argument', type: 'GraphMethodException', code: 100, fbtrace_id: 'AuL2sStandIn' } });
    }
    return send(res, 200, profile('facebook-me', ['url']));
  }
  if (id === 'instagram' && path === '/v25.0/me') return send(res, 200, profile('instagram-me', ['profile_picture_url']));
  if (id === 'discord' && path === '/api/v10/users/@me') return send(res, 200, profile('discord-users-me'));
  send(res, 404, { error: 'not found' });
}

// --- X OAuth 1.0a -----------------------------------------------------------------------

const consumerKey = 'x-consumer-key';

function signed(req, url, params, tokenSecret) {
  const oauth = parseAuthorization(req.headers.authorization);
  if (!oauth || oauth.oauth_consumer_key !== consumerKey) return null;
  const baseUrl = `${origin}${url.pathname}`;
  const valid = signatureIsValid({ method: req.method, baseUrl, oauth, params, consumerSecret: clientSecret, tokenSecret });
  return valid ? oauth : null;
}

// X's error shape for OAuth 1.0a endpoints.
const xError = (res, code, message) => send(res, 401, { errors: [{ code, message }] });

function oauth1(req, res, path, url, form) {
  const params = [...url.searchParams, ...form];
  if (path === '/oauth/request_token' && req.method === 'POST') {
    const oauth = signed(req, url, params, '');
    if (!oauth) return xError(res, 32, 'Could not authenticate you.');
    if (oauth.oauth_callback !== redirectFor('x-legacy')) return xError(res, 415, 'Callback URL not approved for this client application.');
    const token = `rt-${random()}`;
    requestTokens.set(token, { secret: random(), verifier: null });
    return send(res, 200, `oauth_token=${token}&oauth_token_secret=${requestTokens.get(token).secret}&oauth_callback_confirmed=true`, 'application/x-www-form-urlencoded');
  }
  if (path === '/oauth/authenticate' && req.method === 'GET') {
    const token = url.searchParams.get('oauth_token');
    if (!requestTokens.has(token)) return send(res, 400, 'This page is no longer valid.', 'text/plain');
    return consentPage(res, 'X stand-in (OAuth 1.0a)', '/x-legacy/decide', { oauth_token: token });
  }
  if (path === '/decide' && req.method === 'POST') {
    const token = form.get('oauth_token');
    const pending = requestTokens.get(token);
    if (!pending) return send(res, 400, 'This page is no longer valid.', 'text/plain');
    const back = new URL(redirectFor('x-legacy'));
    if (form.get('decision') !== 'allow') {
      requestTokens.delete(token);
      back.searchParams.set('denied', token);
      return redirect(res, back.href);
    }
    pending.verifier = random();
    back.searchParams.set('oauth_token', token);
    back.searchParams.set('oauth_verifier', pending.verifier);
    return redirect(res, back.href);
  }
  if (path === '/oauth/access_token' && req.method === 'POST') {
    if (faults.get('x-legacy') === 'token-error') {
      faults.delete('x-legacy');
      return xError(res, 89, 'Invalid or expired token.');
    }
    const claimed = parseAuthorization(req.headers.authorization)?.oauth_token;
    const pending = requestTokens.get(claimed);
    const oauth = pending && signed(req, url, params, pending.secret);
    if (!oauth || !pending.verifier || oauth.oauth_verifier !== pending.verifier) {
      return xError(res, 89, 'Invalid or expired token.');
    }
    requestTokens.delete(claimed);
    const access = `6253282-${random()}`;
    oauth1Access.set(access, random());
    return send(res, 200, `oauth_token=${access}&oauth_token_secret=${oauth1Access.get(access)}&user_id=6253282&screen_name=TwitterAPI`, 'application/x-www-form-urlencoded');
  }
  // X's oauth/invalidate_token: the access token, signed with its own secret, is given back.
  if (path === '/1.1/oauth/invalidate_token' && req.method === 'POST') {
    const claimed = parseAuthorization(req.headers.authorization)?.oauth_token;
    const secret = oauth1Access.get(claimed);
    if (secret === undefined || !signed(req, url, params, secret)) return xError(res, 89, 'Invalid or expired token.');
    oauth1Access.delete(claimed);
    revocations['x-legacy'] += 1;
    return send(res, 200, { access_token: claimed });
  }
  if (path === '/1.1/account/verify_credentials.json' && req.method === 'GET') {
    const claimed = parseAuthorization(req.headers.authorization)?.oauth_token;
    const secret = oauth1Access.get(claimed);
    if (!secret || !signed(req, url, params, secret)) return xError(res, 32, 'Could not authenticate you.');
    return send(res, 200, profile('x-verify-credentials', ['profile_image_url_https', 'profile_image_url']));
  }
  send(res, 404, { errors: [{ code: 34, message: 'Sorry, that page does not exist.' }] });
}

// --- Routing -----------------------------------------------------------------------------

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url, origin);
    const body = await readBody(req);
    const form = new URLSearchParams(req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? body : '');
    if (url.pathname === '/__faults' && req.method === 'POST') {
      const { provider, fault } = JSON.parse(body);
      faults.set(provider, fault);
      return send(res, 204, '');
    }
    if (url.pathname === '/__revocations' && req.method === 'GET') return send(res, 200, revocations);
    // Discord's pictures are named by user id and hash, under the CDN beside its API.
    const avatar = /^\/(?:discord\/avatars\/([0-9]+)\/[0-9a-f_]+\.png|avatars\/([a-z0-9-]+)\.svg)$/.exec(url.pathname);
    if (avatar) {
      const hue = [...(avatar[1] ?? avatar[2])].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 11);
      return send(res, 200, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 72"><rect width="72" height="72" fill="hsl(${hue} 55% 45%)"/></svg>`, 'image/svg+xml');
    }
    const [, prefix, ...rest] = url.pathname.split('/');
    const path = `/${rest.join('/')}`;
    if (prefix === 'x-legacy') return oauth1(req, res, path, url, form);
    if (!providers[prefix]) return send(res, 404, 'no such stand-in', 'text/plain');
    if (path === '/authorize' && req.method === 'GET') return authorize(res, prefix, url.searchParams);
    if (path === '/decide' && req.method === 'POST') return decide(res, prefix, form);
    if (path === '/token') {
      // Facebook documents a GET with query parameters; the others POST a form.
      const params = prefix === 'facebook' ? url.searchParams : form;
      return token(res, prefix, params, req.headers.authorization);
    }
    if (revoke(req, res, prefix, path, url, body, form)) return;
    if (prefix === 'instagram' && req.method === 'GET' && instagramToken(res, path, url)) return;
    return api(req, res, prefix, path, url);
  } catch (error) {
    console.error(error);
    send(res, 500, { error: 'stand-in failure' });
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`Provider stand-ins ready at ${origin}/{github,x,x-legacy,facebook,instagram,discord}`);
});
