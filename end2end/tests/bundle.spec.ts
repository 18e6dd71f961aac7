import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// What the browser downloads must hold no secret and no part of the token exchange (F1).
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'target', 'site', 'pkg');

test('the release wasm and JS hold no client secret and no token-endpoint code', () => {
  const forbidden = [
    'e2e-secret', // the client secret the tests configure
    'demo-secret', // the demo provider's secret
    'client_secret',
    'grant_type',
    'authorization_code',
    'code_verifier=',
    '127.0.0.1:9410', // the provider the tests configure, endpoints included
    '127.0.0.1:9420', // the stand-ins of the presets
    'oauth/access_token', // GitHub's, Instagram's and X's OAuth 1.0a token endpoints
    '2/oauth2/token', // X's
    'graph.facebook.com',
    'appsecret_proof',
    'oauth_token_secret',
    'openidconnect',
    'oauth1_request',
    'sqlx',
  ];
  for (const file of ['app.wasm', 'app.js']) {
    const bytes = readFileSync(join(pkg, file)).toString('latin1');
    expect(bytes.length).toBeGreaterThan(1000);
    for (const needle of forbidden) {
      expect(bytes.includes(needle), `${file} contains ${needle}`).toBe(false);
    }
  }
});
