import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

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

// The budget for everything a first visit downloads (HTML, CSS, JavaScript, wasm, icon), as
// sent to a browser that accepts brotli. `make size` runs this test to print the figures.
const firstLoadBudget = 80 * 1024;

/** GETs `path` from the app accepting brotli, and counts the body's bytes as sent. */
function bytesSent(origin: string, path: string): Promise<{ status: number; bytes: number; encoding: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(new URL(path, origin), { headers: { 'accept-encoding': 'br, gzip' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const sent = Buffer.concat(chunks);
        const encoding = response.headers['content-encoding'] ?? 'identity';
        const body = encoding === 'br' ? brotliDecompressSync(sent) : encoding === 'gzip' ? gunzipSync(sent) : sent;
        resolve({ status: response.statusCode ?? 0, bytes: sent.length, encoding, body: body.toString('utf8') });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

for (const [page, path] of [
  ['the sign-in page', '/'],
  // Any query: the page is the same, whatever the completion then says.
  ['the callback page', '/auth/callback/demo?code=c&state=s'],
]) {
  test(`the first load of ${page} stays within ${firstLoadBudget / 1024} KB`, async ({ baseURL }) => {
    const origin = baseURL ?? '';
    const document = await bytesSent(origin, path);
    expect(document.status).toBe(200);
    // The page itself is compressed as it is sent, like the assets before it.
    expect(document.encoding).toBe('br');
    const assets = [
      ...new Set([...document.body.matchAll(/(?:href|src)="(\/(?:pkg\/[^"]+|favicon\.svg))"/g)].map((m) => m[1])),
    ];
    // The stylesheet, the JavaScript, the wasm and the icon the page loads.
    expect(assets.map((asset) => asset.split('.').pop()).sort()).toEqual(['css', 'js', 'svg', 'wasm']);
    const rows = [[path, document.bytes, document.encoding] as const];
    for (const asset of assets) {
      const sent = await bytesSent(origin, asset);
      expect(sent.status, asset).toBe(200);
      rows.push([asset, sent.bytes, sent.encoding]);
    }
    const total = rows.reduce((sum, [, bytes]) => sum + bytes, 0);
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log(
      [
        `first load of ${page}:`,
        ...rows.map(([what, bytes, encoding]) => `  ${what.padEnd(40)} ${kb(bytes).padStart(9)}  ${encoding}`),
        `  ${'total'.padEnd(40)} ${kb(total).padStart(9)}  budget ${kb(firstLoadBudget)}`,
      ].join('\n'),
    );
    expect(total, 'bytes sent for the first load').toBeLessThanOrEqual(firstLoadBudget);
  });
}
