import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { allowedEmail, appHost, authHost, ForwardAuth, hostResolverRules, type Echo } from './forward-auth-setup';
import { grantConsent, providerButton } from './helpers';

// Forward authentication through a real nginx with TLS (forward-auth-setup.ts starts it from
// end2end/forward-auth/nginx.conf.template): nginx asks the sign-in service about every request
// for app.example.test, whose app (Python's http.server, echoing the headers it received) knows
// nothing of signing in. The access policy lets ada@example.com in, and nobody else.
// Each test has a browser context of its own, so none depends on another.
test.describe.configure({ timeout: 60_000 });

let setup: ForwardAuth | undefined;
let browser: Browser;
let contexts: BrowserContext[] = [];
let problems: string[] = [];

/** nginx listens on a loopback port, so the origins carry it. */
const authOrigin = () => setup!.authOrigin;
const appOrigin = () => setup!.appOrigin;
const protectedUrl = () => `${appOrigin()}/private/page?x=1&y=a%20b`;

test.beforeAll(async ({ playwright, launchOptions }) => {
  test.setTimeout(90_000);
  setup = await ForwardAuth.start();
  // Both host names resolve to loopback, for this browser only.
  browser = await playwright.chromium.launch({
    ...launchOptions,
    args: [...(launchOptions.args ?? []), `--host-resolver-rules=${hostResolverRules}`],
  });
});

test.afterEach(async ({}, testInfo) => {
  for (const context of contexts) await context.close();
  contexts = [];
  if (testInfo.status !== testInfo.expectedStatus && setup) console.error(setup.logs());
  // Uncaught errors in a page and Content Security Policy refusals fail the test.
  const seen = problems;
  problems = [];
  expect(seen).toEqual([]);
});

test.afterAll(async () => {
  await browser?.close();
  await setup?.stop();
});

/** A page in a fresh context that accepts the test's self-signed certificate. */
async function freshPage(options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`${page.url()}: ${message.text()}`);
  });
  return page;
}

/** The sign-in service's sign-in page, which will send the browser to `returnTo` afterwards. */
async function expectSignInPage(page: Page, returnTo: string) {
  await page.waitForURL((url) => url.origin === authOrigin() && url.pathname === '/');
  expect(new URL(page.url()).searchParams.get('return_to')).toBe(returnTo);
  await expect(providerButton(page)).toBeVisible();
}

/** From the sign-in page: the provider's button, its login form as `login`, and its consent. */
async function signInAtProvider(page: Page, login: string, { javaScript = true } = {}) {
  if (javaScript) await expect(page.locator('body[data-hydrated]')).toBeAttached();
  await providerButton(page).click();
  await page.waitForURL((url) => url.origin === setup!.idpOrigin && url.pathname.startsWith('/interaction/'));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await grantConsent(page);
}

/** Waits until the browser is at exactly `url`. */
async function expectAt(page: Page, url: string) {
  await page.waitForURL((at) => at.href === url);
  expect(page.url()).toBe(url);
}

/** What the upstream app received, as it echoed it on the page now shown. */
async function upstreamEcho(page: Page): Promise<Echo> {
  const echo = JSON.parse((await page.locator('body').textContent()) ?? '') as Echo;
  expect(echo.upstream).toBe('echo');
  return echo;
}

/** Every value of request header `name` (lower case) the upstream received. */
const valuesOf = (echo: Echo, name: string) => echo.headers.filter(([key]) => key === name).map(([, value]) => value);

/** Opens the protected page signed out, signs in as ada, and ends on it: what the upstream saw. */
async function signInThroughProtectedPage(page: Page, options = { javaScript: true }): Promise<Echo> {
  await page.goto(protectedUrl());
  await expectSignInPage(page, protectedUrl());
  await signInAtProvider(page, 'ada', options);
  await expectAt(page, protectedUrl());
  return upstreamEcho(page);
}

test('signed out, a protected page goes through sign-in and comes back to exactly its URL', async () => {
  const page = await freshPage();
  const echo = await signInThroughProtectedPage(page);

  expect(echo.path).toBe('/private/page?x=1&y=a%20b');
  expect(valuesOf(echo, 'x-auth-request-email')).toEqual([allowedEmail]);
  expect(valuesOf(echo, 'x-auth-request-preferred-username')).toEqual(['ada']);
  expect(valuesOf(echo, 'x-auth-request-provider')).toEqual(['demo']);
  const [user] = valuesOf(echo, 'x-auth-request-user');
  expect(user).toBeTruthy();

  // The check itself, asked as nginx asks it, with the session cookie of the parent domain.
  const cookie = (await page.context().cookies()).find((c) => c.name === '__Secure-session');
  expect(cookie).toMatchObject({ domain: '.example.test', secure: true, httpOnly: true, sameSite: 'Lax' });
  const check = await setup!.check(cookie!.value);
  expect(check.status).toBe(202);
  expect(check.headers).toMatchObject({
    'cache-control': 'no-store',
    'x-auth-request-user': user,
    'x-auth-request-email': allowedEmail,
    'x-auth-request-preferred-username': 'ada',
    'x-auth-request-provider': 'demo',
  });

  // Without a session, or with one that does not exist, the check says 401, as plainly.
  for (const session of [undefined, 'not-a-session']) {
    const refused = await setup!.check(session);
    expect(refused.status).toBe(401);
    expect(refused.headers['cache-control']).toBe('no-store');
    expect(refused.headers['x-auth-request-user']).toBeUndefined();
  }
});

test('with JavaScript off, the protected page comes back to exactly its URL too', async () => {
  const page = await freshPage({ javaScriptEnabled: false });
  const echo = await signInThroughProtectedPage(page, { javaScript: false });

  expect(echo.path).toBe('/private/page?x=1&y=a%20b');
  expect(valuesOf(echo, 'x-auth-request-email')).toEqual([allowedEmail]);
});

test('identity headers and the session cookie the client sends never reach the upstream', async () => {
  const page = await freshPage();
  const forged = {
    'X-Auth-Request-Email': 'evil@example.com',
    'X-Auth-Request-User': 'evil',
    'X-Auth-Request-Preferred-Username': 'evil',
    'X-Auth-Request-Provider': 'evil',
  };
  // On every request of this page, from the first one on.
  await page.setExtraHTTPHeaders(forged);

  // Signed out, forged headers do not get past nginx at all.
  await page.goto(protectedUrl());
  await expectSignInPage(page, protectedUrl());

  await signInAtProvider(page, 'ada');
  await expectAt(page, protectedUrl());
  // The app's own cookies still reach it.
  await page.context().addCookies([
    { name: 'theme', value: 'dark', url: `${appOrigin()}/`, secure: true, sameSite: 'Lax' },
  ]);
  await page.reload();
  const echo = await upstreamEcho(page);

  expect(valuesOf(echo, 'x-auth-request-email')).toEqual([allowedEmail]);
  expect(valuesOf(echo, 'x-auth-request-preferred-username')).toEqual(['ada']);
  expect(valuesOf(echo, 'x-auth-request-provider')).toEqual(['demo']);
  expect(valuesOf(echo, 'x-auth-request-user')).toHaveLength(1);
  for (const [name, value] of echo.headers) expect(`${name}: ${value}`).not.toContain('evil');

  // The browser sent the sign-in service's session cookie along (its domain is the parent's);
  // nginx keeps it from the upstream and passes the app's own.
  expect((await page.context().cookies(appOrigin())).map((c) => c.name).sort()).toEqual(['__Secure-session', 'theme']);
  const cookies = valuesOf(echo, 'cookie').join('; ');
  expect(cookies).toContain('theme=dark');
  expect(cookies).not.toContain('__Secure-session');
});

test('a person outside the policy is refused at sign-in, and the protected page stays closed', async () => {
  const page = await freshPage();
  await page.goto(protectedUrl());
  await expectSignInPage(page, protectedUrl());
  await signInAtProvider(page, 'grace');

  // The refusal names the account used and offers another try, on the sign-in service.
  const alert = page.getByRole('alert');
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('grace@example.com');
  await expect(alert.locator('a, button').first()).toBeVisible();
  expect(new URL(page.url()).origin).toBe(authOrigin());
  expect((await page.context().cookies()).find((c) => c.name === '__Secure-session')).toBeUndefined();

  // No session was made: the protected page asks to sign in again, and the upstream is not reached.
  const upstreamAnswers: string[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).host === new URL(appOrigin()).host && response.status() === 200) {
      upstreamAnswers.push(response.url());
    }
  });
  await page.goto(protectedUrl());
  await expectSignInPage(page, protectedUrl());
  expect(upstreamAnswers).toEqual([]);
});

test('after signing out from the protected app, it asks to sign in again', async () => {
  const page = await freshPage();
  await signInThroughProtectedPage(page);
  const session = (await page.context().cookies()).find((c) => c.name === '__Secure-session');
  expect(session).toBeDefined();

  const rd = `${appOrigin()}/`;
  await page.goto(`${authOrigin()}/auth/sign-out?rd=${rd}`);
  const button = page.getByRole('button', { name: 'Sign out' });
  await expect(button).toHaveCount(1);
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(authOrigin()));
  const wentToRd = page.waitForRequest((r) => r.url() === rd && r.isNavigationRequest());
  await button.click();
  const signOut = await posted;
  expect(signOut.status()).toBe(303);
  expect(signOut.headers()['location']).toBe(rd);
  await wentToRd;
  // rd is the protected app, which now sends the browser to sign in.
  await expectSignInPage(page, rd);
  expect((await page.context().cookies()).find((c) => c.name === '__Secure-session')).toBeUndefined();

  await page.goto(protectedUrl());
  await expectSignInPage(page, protectedUrl());

  // The old cookie, replayed, means nothing to the check any more.
  await page.context().addCookies([session!]);
  await page.goto(protectedUrl());
  await expectSignInPage(page, protectedUrl());
  expect((await setup!.check(session!.value)).status).toBe(401);
});

test('rd outside the allowed hosts ends on the sign-in service, signed out or in', async () => {
  const page = await freshPage();
  // Where the browser went: the hosts of its page navigations (not of images and the like).
  const hostsAsked = new Set<string>();
  page.on('request', (request) => {
    if (request.isNavigationRequest()) hostsAsked.add(new URL(request.url()).hostname);
  });

  const hostile = [
    'https://evil.test/',
    '//evil.test/',
    `https://${appHost}.evil.test/`,
    `https://evil.test\\@${appHost}/`,
    // http is refused for anything but loopback, even on an allowed host.
    `http://${appHost}:${setup!.ports.nginx}/`,
  ];
  for (const rd of hostile) {
    await page.goto(`${authOrigin()}/auth/start?rd=${encodeURIComponent(rd)}`);
    const at = new URL(page.url());
    expect(`${at.origin}${at.pathname}`, rd).toBe(`${authOrigin()}/`);
    expect([null, '/'], rd).toContain(at.searchParams.get('return_to'));
  }
  expect([...hostsAsked]).toEqual([authHost]);

  // Signed in, an allowed rd is reached at once, and a hostile one still ends on `/`.
  await signInThroughProtectedPage(page);
  await page.goto(`${authOrigin()}/auth/start?rd=${encodeURIComponent(protectedUrl())}`);
  await expectAt(page, protectedUrl());
  await page.goto(`${authOrigin()}/auth/start?rd=https://evil.test/`);
  await expectAt(page, `${authOrigin()}/`);
  expect([...hostsAsked].sort()).toEqual([appHost, authHost, '127.0.0.1'].sort());
});
