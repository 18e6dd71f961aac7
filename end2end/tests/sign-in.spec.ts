import { expect, test } from '@playwright/test';
import {
  expectErrorView, grantConsent, openStartPage, providerButton, signIn, signInAtProvider,
} from './helpers';

// Chromium enforces the Content Security Policy: any script it refuses fails the test.
let cspViolations: string[] = [];
test.beforeEach(({ page }) => {
  cspViolations = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
});
test.afterEach(() => {
  expect(cspViolations).toEqual([]);
});

test('every HTML response has its own CSP nonce, carried by each of its scripts', async ({ request }) => {
  const nonces = [];
  for (let i = 0; i < 2; i += 1) {
    const response = await request.get('/');
    const csp = response.headers()['content-security-policy'];
    const match = /script-src 'nonce-([A-Za-z0-9+/=_-]+)' 'strict-dynamic' 'wasm-unsafe-eval'/.exec(csp);
    expect(match, csp).not.toBeNull();
    for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      expect(csp).toContain(directive);
    }
    const nonce = match![1];
    const html = await response.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    nonces.push(nonce);
  }
  expect(nonces[0]).not.toBe(nonces[1]);
});

test('the start page is server-rendered with one button per provider', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html.indexOf('Sign in with Demo ID')).toBeGreaterThan(0);
  // In the configured order.
  expect(html.indexOf('Sign in with Offline ID')).toBeGreaterThan(html.indexOf('Sign in with Demo ID'));
  expect(response.headers()['referrer-policy']).toBe('no-referrer');
  expect(response.headers()['x-content-type-options']).toBe('nosniff');
});

test('the release bundle is served precompressed', async ({ request }) => {
  for (const [encoding, asset] of [['br', '/pkg/app.wasm'], ['gzip', '/pkg/app.js']]) {
    const response = await request.get(asset, { headers: { 'Accept-Encoding': encoding } });
    expect(response.status()).toBe(200);
    expect(response.headers()['content-encoding']).toBe(encoding);
  }
});

test('an unreachable provider ends on the error view', async ({ page }) => {
  await openStartPage(page);
  await page.getByRole('button', { name: 'Sign in with Offline ID' }).click();
  await expectErrorView(page, /Offline ID cannot be reached/);
  await page.getByRole('link', { name: 'Try again' }).click();
  await expect(providerButton(page)).toBeVisible();
});

test('signs in through the provider, stays signed in across a reload, and signs out', async ({ page, context }) => {
  await signIn(page, 'ada');

  await expect(page).toHaveURL(/localhost:3100\/$/);
  await expect(page.getByRole('heading', { name: 'Ada Lovelace' })).toBeVisible();
  await expect(page.locator('.profile .email')).toContainText('ada@example.com verified');
  expect(page.url()).not.toMatch(/code=|state=/);

  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === '__Host-session');
  expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
  expect(cookies.find((c) => c.name === '__Host-sign-in')).toBeUndefined();

  // The server itself sends the signed-in page: no flash of the signed-out state.
  const reloaded = await page.request.get('/');
  const html = await reloaded.text();
  expect(html).toContain('Ada Lovelace');
  expect(html).toContain('ada@example.com');
  expect(html).not.toContain('Sign in with Demo ID');
  expect(reloaded.headers()['cache-control']).toBe('no-store');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Ada Lovelace' })).toBeVisible();

  await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(providerButton(page)).toBeVisible();
  expect((await context.cookies()).find((c) => c.name === '__Host-session')).toBeUndefined();

  // The old cookie, replayed after sign-out, means signed out.
  await context.addCookies([session!]);
  const replayed = await (await page.request.get('/')).text();
  expect(replayed).toContain('Sign in with Demo ID');
  expect(replayed).not.toContain('Ada Lovelace');
});

test('denying consent at the provider ends on the error view, signed out', async ({ page, context }) => {
  await openStartPage(page);
  await signInAtProvider(page, 'grace');
  await page.getByRole('link', { name: '[ Cancel ]' }).click();

  await expectErrorView(page, /cancelled/i);
  expect(page.url()).not.toMatch(/code=|state=|error=/);
  expect((await context.cookies()).find((c) => c.name === '__Host-session')).toBeUndefined();

  await page.getByRole('link', { name: 'Try again' }).click();
  await expect(providerButton(page)).toBeVisible();
});

test('reopening a used callback URL is rejected', async ({ page }) => {
  const callbackUrl = await signIn(page, 'ada');
  await page.goto(callbackUrl);
  await expectErrorView(page, /not valid/i);
});

test('a callback URL made in one browser is rejected in another (login CSRF)', async ({ browser }) => {
  const attacker = await browser.newContext();
  const attackerPage = await attacker.newPage();
  // The attacker lets the provider redirect back but never lets the app finish, and keeps the URL.
  let stolen = '';
  attackerPage.on('request', (request) => {
    if (request.url().includes('/auth/callback/')) stolen = request.url();
  });
  await attackerPage.route('**/api/complete_sign_in', (route) => route.abort());
  await openStartPage(attackerPage);
  await signInAtProvider(attackerPage, 'mallory');
  await grantConsent(attackerPage);
  await expect.poll(() => stolen).toContain('code=');
  await attacker.close();

  const victim = await browser.newContext();
  const victimPage = await victim.newPage();
  await victimPage.goto(stolen);
  await expectErrorView(victimPage, /not valid/i);
  expect((await victim.cookies()).find((c) => c.name === '__Host-session')).toBeUndefined();
  await victim.close();
});

test('A1: each sign-in sends a fresh S256 challenge, state and nonce; C4: the callback page loads nothing from elsewhere', async ({ page }) => {
  const authorizations: URL[] = [];
  const callbackPageLoads: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/auth' && url.port === '9410') authorizations.push(url);
    if (page.url().includes('/auth/callback/')) callbackPageLoads.push(request.url());
  });

  for (let i = 0; i < 2; i += 1) {
    await openStartPage(page);
    await providerButton(page).click();
    await page.waitForURL(/127\.0\.0\.1:9410\/interaction\//);
  }
  // Finish the second one, to see what the callback page loads.
  await page.locator('input[name="login"]').fill('ada');
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  expect(authorizations).toHaveLength(2);
  const [first, second] = authorizations.map((url) => url.searchParams);
  for (const params of [first, second]) {
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('redirect_uri')).toBe('http://localhost:3100/auth/callback/demo');
    expect(params.get('state')!.length).toBeGreaterThanOrEqual(22);
    expect(params.get('nonce')!.length).toBeGreaterThanOrEqual(22);
    expect(params.has('client_secret')).toBe(false);
  }
  for (const name of ['code_challenge', 'state', 'nonce']) {
    expect(first.get(name)).not.toBe(second.get(name));
  }
  expect(callbackPageLoads.length).toBeGreaterThan(0);
  for (const url of callbackPageLoads) expect(new URL(url).origin).toBe('http://localhost:3100');
});
