// Fault injection for the end-to-end tests: a Koa middleware for oidc-provider that rewrites
// the provider's next response of one kind after oidc-provider has produced it. A test
// POSTs {"fault": NAME} to /__faults, then signs in; the fault applies once and is cleared.
// ID tokens are re-signed with the provider's own key, so only the named claim is wrong.

import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';

const now = () => Math.floor(Date.now() / 1000);

// Changes one character of the signature, keeping it valid base64url of the same length.
function flipSignature(token) {
  const [header, payload, signature] = token.split('.');
  const flipped = signature[10] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`;
}

// Changes to the ID token's claims, by fault name.
const claimFaults = {
  'id-token-wrong-iss': (c) => ({ ...c, iss: 'http://127.0.0.1:1/impostor' }),
  'id-token-wrong-aud': (c) => ({ ...c, aud: 'someone-else' }),
  'id-token-foreign-azp': (c) => ({ ...c, azp: 'someone-else' }),
  'id-token-nonce-changed': (c) => ({ ...c, nonce: 'not-the-nonce-we-sent' }),
  'id-token-no-nonce': ({ nonce, ...c }) => c,
  'id-token-expired': (c) => ({ ...c, iat: now() - 300, exp: now() - 120 }),
  'id-token-no-iat': ({ iat, ...c }) => c,
  'id-token-no-exp': ({ exp, ...c }) => c,
  'id-token-no-sub': ({ sub, ...c }) => c,
  'id-token-long-sub': (c) => ({ ...c, sub: 'x'.repeat(256) }),
};

// Whole-token faults.
const tokenFaults = {
  'id-token-bad-signature': async (token) => flipSignature(token),
  'id-token-alg-none': async (token) => {
    const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(decodeJwt(token))}.`;
  },
  'id-token-foreign-key': async (token) => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return new SignJWT(decodeJwt(token)).setProtectedHeader({ alg: 'RS256', kid: 'not-published' }).sign(privateKey);
  },
};

// The `token-error` fault's answer unless a provider refuses in its own way.
const standardTokenError = {
  status: 400,
  body: { error: 'invalid_grant', error_description: 'provider detail that must not reach the page' },
};

// `signingKey` is the provider's RS256 key; `ecKey` its published ES256 key, which signs only
// when a fault asks for an ES256 token. `tokenError` is the provider's own refusal at the
// token endpoint ({status, body}), for the `token-error` fault.
export function faultInjection(signingKey, ecKey, tokenError = standardTokenError) {
  let pending = null;
  const resign = async (claims, jwk = signingKey) => {
    const key = await importJWK(jwk, jwk.alg);
    return new SignJWT(claims).setProtectedHeader({ alg: jwk.alg, kid: jwk.kid }).sign(key);
  };
  const es256Faults = {
    'id-token-es256': async (token) => resign(decodeJwt(token), ecKey),
    'id-token-es256-bad-signature': async (token) => flipSignature(await resign(decodeJwt(token), ecKey)),
  };

  return async function faults(ctx, next) {
    if (ctx.path === '/__faults' && ctx.method === 'POST') {
      let raw = '';
      for await (const chunk of ctx.req) raw += chunk;
      pending = JSON.parse(raw).fault ?? null;
      ctx.status = 204;
      return;
    }
    await next();
    if (!pending) return;

    const location = String(ctx.response.get('Location') ?? '');
    if (location.includes('/auth/callback/') && pending.startsWith('callback-')) {
      const url = new URL(location);
      if (pending === 'callback-without-iss') url.searchParams.delete('iss');
      if (pending === 'callback-wrong-iss') url.searchParams.set('iss', 'http://127.0.0.1:1/impostor');
      ctx.redirect(url.href);
      pending = null;
      return;
    }

    if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
      if (pending === 'token-error') {
        ctx.status = tokenError.status;
        ctx.body = tokenError.body;
      } else if (pending === 'token-no-id-token') {
        const { id_token: _dropped, ...rest } = ctx.body;
        ctx.body = rest;
      } else if (claimFaults[pending]) {
        const { kid } = decodeProtectedHeader(ctx.body.id_token);
        if (kid !== signingKey.kid) throw new Error('unexpected signing key');
        ctx.body = { ...ctx.body, id_token: await resign(claimFaults[pending](decodeJwt(ctx.body.id_token))) };
      } else if (tokenFaults[pending] || es256Faults[pending]) {
        const fault = tokenFaults[pending] ?? es256Faults[pending];
        ctx.body = { ...ctx.body, id_token: await fault(ctx.body.id_token) };
      } else {
        return;
      }
      pending = null;
      return;
    }

    if (ctx.path === '/me' && ctx.status === 200 && pending === 'userinfo-other-sub') {
      ctx.body = { ...ctx.body, sub: 'someone-else' };
      pending = null;
    }
  };
}
